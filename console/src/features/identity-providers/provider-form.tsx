// One identity provider's settings, for creating one or changing it: every field of
// `IdentityProviderInput`, the API's messages beside each, and the callback URL to register at
// the provider (it follows the slug as it is typed). The client secret is write-only: it is
// never shown, and an edit that leaves it empty keeps the one stored.
import { useState, type ReactNode } from "react";
import { getFragmentData, graphql, type FragmentType } from "../../gql";
import type { IdentityProviderInput, IdentityProviderKind } from "../../gql/graphql";
import type { Problem } from "../../app/errors";
import type { ActionOutcome } from "../../app/use-action";
import { Field, Form, Outcome, Select, Submit, fieldText } from "../../components/form";
import { callbackUrl, providerInput } from "./provider-input";

export const PROVIDER_SETTINGS = graphql(`
  fragment ProviderSettings on IdentityProvider {
    id
    slug
    displayName
    kind
    issuer
    clientId
    scopes
    allowedEmailDomains
    allowSignUp
    autoLinkVerifiedEmail
    enabled
  }
`);

/** What the issuer field means for each kind, when left empty. */
const ISSUER_HINTS: Record<IdentityProviderKind, string> = {
  OIDC: "Required: the provider's issuer URL (its discovery document is at {issuer}/.well-known/openid-configuration).",
  GOOGLE: "Empty: https://accounts.google.com.",
  GITHUB: "Empty: github.com. For GitHub Enterprise Server, its base URL.",
};

const DEFAULT_SCOPES: Record<IdentityProviderKind, string> = {
  OIDC: "openid email profile",
  GOOGLE: "openid email profile",
  GITHUB: "read:user user:email",
};

interface ProviderFormProps {
  /** The provider to change; absent: a new one. */
  provider?: FragmentType<typeof PROVIDER_SETTINGS>;
  /** The form's name for assistive technology ("New identity provider", "Edit GitHub"). */
  label: string;
  /** The create or update action: busy, and what it last said. */
  action: ActionOutcome;
  onSubmit: (input: IdentityProviderInput) => unknown;
  onCancel: () => void;
  submitText: string;
}

export function ProviderForm({
  provider: ref,
  label,
  action,
  onSubmit,
  onCancel,
  submitText,
}: ProviderFormProps) {
  const provider = ref ? getFragmentData(PROVIDER_SETTINGS, ref) : null;
  const [kind, setKind] = useState<IdentityProviderKind>(provider?.kind ?? "OIDC");
  const [slug, setSlug] = useState(provider?.slug ?? "");
  const problem = action.problem;
  function submit(form: HTMLFormElement) {
    const checked = (name: string) =>
      (form.elements.namedItem(name) as HTMLInputElement | null)?.checked ?? false;
    return onSubmit(
      providerInput({
        slug: fieldText(form, "slug"),
        displayName: fieldText(form, "displayName"),
        kind,
        issuer: fieldText(form, "issuer"),
        clientId: fieldText(form, "clientId"),
        clientSecret: fieldText(form, "clientSecret"),
        scopes: fieldText(form, "scopes"),
        allowedEmailDomains: fieldText(form, "allowedEmailDomains"),
        allowSignUp: checked("allowSignUp"),
        autoLinkVerifiedEmail: checked("autoLinkVerifiedEmail"),
        enabled: checked("enabled"),
      }),
    );
  }
  return (
    <Form onSubmit={submit} className="panel" aria-label={label}>
      <h2>{label}</h2>
      <Outcome of={[action]} />
      <div className="grid">
        <Field
          label="Name on the sign-in page"
          name="displayName"
          defaultValue={provider?.displayName}
          required
          problem={problem}
          hint='Shown as "Continue with …".'
        />
        <Field
          label="Slug"
          name="slug"
          value={slug}
          onChange={(event) => setSlug(event.currentTarget.value)}
          required
          autoComplete="off"
          spellCheck={false}
          problem={problem}
          hint="2 to 40 of a-z, 0-9 and -; part of the callback URL."
        />
        <Select
          label="Kind"
          name="kind"
          value={kind}
          onChange={(event) => setKind(event.currentTarget.value as IdentityProviderKind)}
        >
          <option value="OIDC">OpenID Connect</option>
          <option value="GOOGLE">Google</option>
          <option value="GITHUB">GitHub</option>
        </Select>
        <Field
          label="Issuer"
          name="issuer"
          type="url"
          defaultValue={provider?.issuer ?? ""}
          autoComplete="off"
          problem={problem}
          hint={ISSUER_HINTS[kind]}
        />
        <Field
          label="Client ID"
          name="clientId"
          defaultValue={provider?.clientId}
          required
          autoComplete="off"
          spellCheck={false}
          problem={problem}
        />
        <Field
          label="Client secret"
          name="clientSecret"
          type="password"
          autoComplete="new-password"
          problem={problem}
          hint={
            provider
              ? "Leave empty to keep the current secret. It is never shown."
              : "Stored encrypted, and never shown again."
          }
        />
        <Field
          label="Scopes"
          name="scopes"
          defaultValue={provider?.scopes.join(" ")}
          autoComplete="off"
          spellCheck={false}
          problem={problem}
          hint={`Separated by spaces. Empty: ${DEFAULT_SCOPES[kind]}.`}
        />
        <Field
          label="Allowed email domains"
          name="allowedEmailDomains"
          defaultValue={provider?.allowedEmailDomains.join(", ")}
          autoComplete="off"
          spellCheck={false}
          problem={problem}
          hint="Separated by commas. Empty: any."
        />
      </div>
      <fieldset>
        <legend>Settings</legend>
        <Check name="enabled" checked={provider?.enabled ?? true} problem={problem}>
          Enabled: shown on the sign-in page
        </Check>
        <Check name="allowSignUp" checked={provider?.allowSignUp ?? true} problem={problem}>
          Create an account for a new person it vouches for
        </Check>
        <Check
          name="autoLinkVerifiedEmail"
          checked={provider?.autoLinkVerifiedEmail ?? false}
          problem={problem}
        >
          Sign in to an existing account whose verified email it vouches for, without asking for
          that account&apos;s password
        </Check>
      </fieldset>
      <p>
        Callback URL to register at the provider:{" "}
        <code className="secret">{callbackUrl(window.location.origin, slug || "{slug}")}</code>
      </p>
      <Submit busy={action.busy}>{submitText}</Submit>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </Form>
  );
}

interface CheckProps {
  name: string;
  checked: boolean;
  problem: Problem | null;
  children: ReactNode;
}

/** A labelled checkbox with the API's messages for it. */
function Check({ name, checked, problem, children }: CheckProps) {
  const messages = problem?.fields[name] ?? [];
  return (
    <>
      <label className="check">
        <input type="checkbox" name={name} defaultChecked={checked} /> {children}
      </label>
      {messages.length > 0 && (
        <ul className="field-errors" role="alert">
          {messages.map((message) => (
            <li key={message}>
              {name}: {message}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
