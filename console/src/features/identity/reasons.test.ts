// A provider's refusal reads as what happened, and an unknown reason as a general message.
import { describe, expect, it } from "vitest";
import { fromGraphQLError } from "../../app/errors";
import { oauthErrorMessage, unlinkProblem } from "./reasons";

describe("oauthErrorMessage", () => {
  it("says what each reason of API.md means", () => {
    expect(oauthErrorMessage("access_denied")).toBe(
      "The sign-in was cancelled at the provider, or the provider refused it.",
    );
    expect(oauthErrorMessage("expired")).toBe(
      "The sign-in took too long and has expired. Start again.",
    );
    expect(oauthErrorMessage("provider_error")).toBe(
      "The provider could not be reached or answered with an error. Try again later.",
    );
    expect(oauthErrorMessage("email_not_verified")).toMatch(
      /^The provider did not vouch for your email address/,
    );
    expect(oauthErrorMessage("email_domain_not_allowed")).toBe(
      "Accounts with your email address's domain may not sign in with this provider here.",
    );
    expect(oauthErrorMessage("sign_up_disabled")).toMatch(
      /^No account here is linked to that identity, and this provider may not create new accounts/,
    );
    expect(oauthErrorMessage("account_unavailable")).toMatch(
      /^The account for that identity is deactivated or deleted, or has not confirmed its email/,
    );
    expect(oauthErrorMessage("identity_in_use")).toBe(
      "That identity at the provider is already linked to another account.",
    );
  });

  it("gives each reason its own message", () => {
    const reasons = [
      "access_denied",
      "expired",
      "provider_error",
      "email_not_verified",
      "email_domain_not_allowed",
      "sign_up_disabled",
      "account_unavailable",
      "identity_in_use",
    ];
    expect(new Set(reasons.map(oauthErrorMessage)).size).toBe(reasons.length);
  });

  it("never repeats the address bar's text", () => {
    const message = oauthErrorMessage("<b>call 555-0100 for help</b>");
    expect(message).toBe("Signing in with the provider did not work. Try again.");
    expect(oauthErrorMessage("toString")).toBe(message);
  });
});

describe("unlinkProblem", () => {
  it("says what to do when the identity is the last way in", () => {
    const problem = unlinkProblem(
      fromGraphQLError({
        message: "this is the account's only way to sign in",
        extensions: { code: "CONFLICT", reason: "LAST_SIGN_IN_METHOD" },
      }),
    );
    expect(problem?.message).toBe(
      "This is your account's only way to sign in, so it stays linked. Set a password or link another provider first.",
    );
    expect(problem?.code).toBe("CONFLICT");
  });

  it("leaves any other problem as it is", () => {
    const notFound = fromGraphQLError({
      message: "no such linked identity",
      extensions: { code: "NOT_FOUND" },
    });
    expect(unlinkProblem(notFound)).toBe(notFound);
    expect(unlinkProblem(null)).toBeNull();
  });
});
