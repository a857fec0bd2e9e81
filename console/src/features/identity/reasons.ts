// What the console says when Roster sends the browser back from a provider with
// `?error=<reason>` (API.md's list) instead of a one-time code, and when it refuses to unlink
// the account's last way in.
import type { Problem } from "../../app/errors";

const REASON_MESSAGES: Record<string, string> = {
  access_denied: "The sign-in was cancelled at the provider, or the provider refused it.",
  expired: "The sign-in took too long and has expired. Start again.",
  provider_error: "The provider could not be reached or answered with an error. Try again later.",
  email_not_verified:
    "The provider did not vouch for your email address, so it cannot sign you in here. Confirm the address with the provider first.",
  email_domain_not_allowed:
    "Accounts with your email address's domain may not sign in with this provider here.",
  sign_up_disabled:
    "No account here is linked to that identity, and this provider may not create new accounts. Sign in another way, or ask an administrator.",
  account_unavailable:
    "The account for that identity is deactivated or deleted, or has not confirmed its email address. Sign in with its password, or ask an administrator.",
  identity_in_use: "That identity at the provider is already linked to another account.",
};

/** The message for `reason` (one the console does not know yet gets a general one; the
 * address bar's text itself is never shown). */
export function oauthErrorMessage(reason: string): string {
  return Object.hasOwn(REASON_MESSAGES, reason)
    ? REASON_MESSAGES[reason]
    : "Signing in with the provider did not work. Try again.";
}

/** An unlink refused because it would leave the account no way to sign in
 * (`LAST_SIGN_IN_METHOD`), said as what to do instead; any other problem as it is. (An ADMIN
 * deleting a provider gets the server's own message, which counts the accounts.) */
export function unlinkProblem(problem: Problem | null): Problem | null {
  if (problem?.reason !== "LAST_SIGN_IN_METHOD") return problem;
  return {
    ...problem,
    message:
      "This is your account's only way to sign in, so it stays linked. Set a password or link another provider first.",
  };
}
