// How an API error reads on a form: per-field messages, the wait when throttled, and no
// internal message ever.
import { describe, expect, it } from "vitest";
import { fromGraphQLError, reauthenticationMethods, waitText } from "./errors";

describe("fromGraphQLError", () => {
  it("puts each field's messages beside it", () => {
    const problem = fromGraphQLError({
      message: "invalid input",
      extensions: {
        code: "BAD_USER_INPUT",
        fields: { password: ["is too short"], email: ["is not valid"] },
      },
    });
    expect(problem.code).toBe("BAD_USER_INPUT");
    expect(problem.fields).toEqual({ password: ["is too short"], email: ["is not valid"] });
    expect(problem.message).toBe("Please correct the fields marked below.");
  });

  it("says how long to wait when throttled", () => {
    const problem = fromGraphQLError({
      message: "too many requests",
      extensions: { code: "TOO_MANY_REQUESTS", retryAfter: 90 },
    });
    expect(problem.retryAfter).toBe(90);
    expect(problem.message).toBe("Too many attempts. Try again in 2 minutes.");
  });

  it("never shows an internal message, only the request id", () => {
    const problem = fromGraphQLError({
      message: "internal error",
      extensions: { code: "INTERNAL_SERVER_ERROR", requestId: "abc" },
    });
    expect(problem.message).toBe("Something went wrong on the server (request abc).");
  });
});

describe("reasons", () => {
  it("reads the reason and the proofs a reauthentication accepts", () => {
    const problem = fromGraphQLError({
      message: "confirm it is you first (reauthenticate), then try again",
      extensions: {
        code: "FORBIDDEN",
        reason: "REAUTHENTICATION_REQUIRED",
        methods: ["TOTP", "RECOVERY_CODE"],
      },
    });
    expect(problem.reason).toBe("REAUTHENTICATION_REQUIRED");
    expect(reauthenticationMethods(problem)).toEqual(["TOTP", "RECOVERY_CODE"]);
    expect(problem.message).toBe("Confirm it is you first: this needs a recent sign-in.");
  });

  it("asks for no reauthentication for any other refusal", () => {
    const forbidden = fromGraphQLError({
      message: "not allowed",
      extensions: { code: "FORBIDDEN" },
    });
    expect(reauthenticationMethods(forbidden)).toBeNull();
    expect(reauthenticationMethods(null)).toBeNull();
    expect(forbidden.message).toBe("not allowed");
  });

  it("keeps only the method names that are strings", () => {
    const problem = fromGraphQLError({
      message: "",
      extensions: {
        code: "FORBIDDEN",
        reason: "REAUTHENTICATION_REQUIRED",
        methods: ["PASSWORD", 3],
      },
    });
    expect(problem.methods).toEqual(["PASSWORD"]);
  });

  it("says what a known reason means, and the server's message for an unknown one", () => {
    const expired = fromGraphQLError({
      message: "this sign-in has expired or was used: sign in again",
      extensions: { code: "UNAUTHENTICATED", reason: "CHALLENGE_EXPIRED" },
    });
    expect(expired.message).toBe("This sign-in has expired. Start again with your password.");
    const inUse = fromGraphQLError({
      message: "that identity is linked to another account",
      extensions: { code: "CONFLICT", reason: "IDENTITY_IN_USE" },
    });
    expect(inUse.message).toBe(
      "That identity at the provider is already linked to another account.",
    );
    const unknown = fromGraphQLError({
      message: "something new",
      extensions: { code: "CONFLICT", reason: "SOMETHING_NEW" },
    });
    expect(unknown.reason).toBe("SOMETHING_NEW");
    expect(unknown.message).toBe("something new");
  });
});

describe("waitText", () => {
  it("counts seconds, then minutes", () => {
    expect(waitText(1)).toBe("1 second");
    expect(waitText(59)).toBe("59 seconds");
    expect(waitText(60)).toBe("1 minute");
    expect(waitText(61)).toBe("2 minutes");
  });
});
