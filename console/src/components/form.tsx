// The pieces every form is made of: the form itself, a labelled field with its messages, a
// select, a list of checkboxes, a busy-aware submit button, and what the last action said.
// Labels and messages are tied to their inputs (`htmlFor`, `aria-describedby`, `aria-invalid`)
// so screen readers read them together.
import {
  useId,
  type ChangeEvent,
  type FormHTMLAttributes,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from "react";
import type { Problem } from "../app/errors";
import { latest, type ActionOutcome } from "../app/use-action";

interface FormProps extends Omit<FormHTMLAttributes<HTMLFormElement>, "onSubmit"> {
  onSubmit: (form: HTMLFormElement) => unknown;
}

/** A form the page sends itself: no page load, and no browser validation bubbles, since the
 * API's messages show beside each field. */
export function Form({ onSubmit, ...form }: FormProps) {
  return (
    <form
      noValidate
      {...form}
      onSubmit={(event) => {
        event.preventDefault();
        void onSubmit(event.currentTarget);
      }}
    />
  );
}

/** The text of field `name` ("" when the form has none, as for a disabled field). */
export function fieldText(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === "string" ? value : "";
}

/** An optional text field: trimmed, and left out when blank. */
export function optionalText(form: HTMLFormElement, name: string): string | undefined {
  return fieldText(form, name).trim() || undefined;
}

/** The values of the checked boxes named `name`. */
export function checkedValues(form: HTMLFormElement, name: string): string[] {
  return new FormData(form).getAll(name).filter((value) => typeof value === "string");
}

export interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  /** The API's input name, to find this field's messages in `problem.fields`. */
  name: string;
  problem?: Problem | null;
  hint?: ReactNode;
  /** A text area, for the fields that keep line breaks (address, descriptions). */
  multiline?: boolean;
}

export function Field({ label, name, problem, hint, multiline, ...input }: FieldProps) {
  const id = useId();
  const messages = problem?.fields[name] ?? [];
  const describedBy = [hint ? `${id}-hint` : "", messages.length ? `${id}-errors` : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea
          id={id}
          name={name}
          rows={3}
          aria-invalid={messages.length > 0 || undefined}
          aria-describedby={describedBy || undefined}
          defaultValue={input.defaultValue}
          disabled={input.disabled}
          required={input.required}
          autoComplete={input.autoComplete}
        />
      ) : (
        <input
          id={id}
          name={name}
          aria-invalid={messages.length > 0 || undefined}
          aria-describedby={describedBy || undefined}
          {...input}
        />
      )}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {messages.length > 0 && (
        <ul id={`${id}-errors`} className="field-errors" role="alert">
          {messages.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A required password field: the account's current one, or a new one (`fresh`), so the
 * browser's password manager knows which to fill in or offer. */
export function PasswordField({
  fresh,
  ...field
}: Omit<FieldProps, "type" | "autoComplete"> & { fresh?: boolean }) {
  return (
    <Field
      type="password"
      autoComplete={fresh ? "new-password" : "current-password"}
      required
      {...field}
    />
  );
}

/** The value of the control for `filters[key]`, and the listener that changes it. */
export function bind<F extends { [K in keyof F]: string }>(
  filters: F,
  key: keyof F,
  change: (change: Partial<F>) => void,
) {
  return {
    value: filters[key],
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
      change({ [key]: event.target.value } as Partial<F>),
  };
}

interface SelectProps extends SelectHTMLAttributes<HTMLSelectElement> {
  label: string;
  children: ReactNode;
}

export function Select({ label, children, ...select }: SelectProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...select}>
        {children}
      </select>
    </div>
  );
}

interface CheckboxesProps {
  legend: string;
  /** The name every box is sent under (read back with `checkedValues`). */
  name: string;
  choices: { id: string; label: ReactNode }[];
  checked: { id: string }[];
  disabled?: boolean;
  /** Shown when there is nothing to choose. */
  empty?: string;
}

/** A fieldset of checkboxes, one per choice, checked for those in `checked`. */
export function Checkboxes({ legend, name, choices, checked, disabled, empty }: CheckboxesProps) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {choices.length === 0 && empty && <p className="hint">{empty}</p>}
      {choices.map((choice) => (
        <label key={choice.id} className="check">
          <input
            type="checkbox"
            name={name}
            value={choice.id}
            defaultChecked={checked.some((item) => item.id === choice.id)}
            disabled={disabled}
          />{" "}
          {choice.label}
        </label>
      ))}
    </fieldset>
  );
}

/** The problem of a whole form (its fields' messages are shown beside them). */
export function ProblemNote({ problem }: { problem: Problem | null | undefined }) {
  if (!problem) return null;
  return (
    <p className="problem" role="alert" data-code={problem.code}>
      {problem.message}
    </p>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="notice" role="status">
      {children}
    </p>
  );
}

/** What the latest of `actions` said: its problem, or the notice that it worked. */
export function Outcome({ of: actions }: { of: ActionOutcome[] }) {
  const last = latest(actions);
  if (last.at === 0) return null;
  return (
    <>
      <ProblemNote problem={last.problem} />
      {last.notice && <Notice>{last.notice}</Notice>}
    </>
  );
}

export function Submit({ busy, children }: { busy: boolean; children: ReactNode }) {
  return (
    <button type="submit" disabled={busy} aria-busy={busy || undefined}>
      {children}
    </button>
  );
}
