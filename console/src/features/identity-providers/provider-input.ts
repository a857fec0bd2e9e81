// What the provider form's text means to the API (`IdentityProviderInput`), and the callback
// URL an administrator registers at the provider. Pure, so it is unit-tested on its own.
import type { IdentityProviderInput, IdentityProviderKind } from "../../gql/graphql";

/** The form's values, as text and ticks. */
export interface ProviderFormValues {
  slug: string;
  displayName: string;
  kind: IdentityProviderKind;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  allowedEmailDomains: string;
  allowSignUp: boolean;
  autoLinkVerifiedEmail: boolean;
  enabled: boolean;
}

/** Words of a list typed into one field: split at spaces and commas, blanks dropped. */
export function listOf(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/**
 * The input for `createIdentityProvider` and `updateIdentityProvider`. A blank secret is left
 * out (an update keeps the one stored), a typed one is trimmed; blank scopes are left out (the
 * kind's default); a blank issuer is null (the kind's default). Every other setting is sent as
 * the form shows it.
 */
export function providerInput(values: ProviderFormValues): IdentityProviderInput {
  const scopes = listOf(values.scopes);
  // Pasted from a provider's page, a secret often brings a space or line break along.
  const clientSecret = values.clientSecret.trim();
  return {
    slug: values.slug.trim(),
    displayName: values.displayName.trim(),
    kind: values.kind,
    issuer: values.issuer.trim() || null,
    clientId: values.clientId.trim(),
    ...(clientSecret ? { clientSecret } : {}),
    ...(scopes.length > 0 ? { scopes } : {}),
    allowedEmailDomains: listOf(values.allowedEmailDomains.toLowerCase()),
    allowSignUp: values.allowSignUp,
    autoLinkVerifiedEmail: values.autoLinkVerifiedEmail,
    enabled: values.enabled,
  };
}

/** Where the provider sends the browser back to Roster (`GET /oauth/{slug}/callback`). */
export function callbackUrl(origin: string, slug: string): string {
  return `${origin}/oauth/${encodeURIComponent(slug)}/callback`;
}
