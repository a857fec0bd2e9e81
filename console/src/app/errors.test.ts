// How an API error reads on a form: per-field messages, the wait when throttled, and no
// internal message ever.
import { describe, expect, it } from "vitest";
import { fromGraphQLError, waitText } from "./errors";

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

describe("waitText", () => {
  it("counts seconds, then minutes", () => {
    expect(waitText(1)).toBe("1 second");
    expect(waitText(59)).toBe("59 seconds");
    expect(waitText(60)).toBe("1 minute");
    expect(waitText(61)).toBe("2 minutes");
  });
});
