// Small form pieces every page uses: a labelled field with its messages, a page-level
// problem, and a busy-aware submit button. Labels and messages are tied to their inputs
// (`htmlFor`, `aria-describedby`, `aria-invalid`) so screen readers read them together.
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from "react";
import type { Problem } from "../errors";

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
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

export function Submit({ busy, children }: { busy: boolean; children: ReactNode }) {
  return (
    <button type="submit" disabled={busy} aria-busy={busy || undefined}>
      {children}
    </button>
  );
}

export function Forbidden() {
  return (
    <section>
      <h1>Not allowed</h1>
      <p className="problem" role="alert">
        Your account may not see this page. Ask an administrator if you need it.
      </p>
    </section>
  );
}

/** Formats an API DateTime for people. */
export function when(value: string | null | undefined): string {
  if (!value) return "never";
  return new Date(value).toLocaleString();
}
