// Which second factor a form asks for, and where a wrong code shows.
import { describe, expect, it } from "vitest";
import { fromGraphQLError } from "../../app/errors";
import { firstMethod, otherMethod, withCodeFields } from "./second-factor";

describe("firstMethod and otherMethod", () => {
  it("starts with the authenticator app and offers the recovery codes instead", () => {
    const methods = ["TOTP", "RECOVERY_CODE"];
    expect(firstMethod(methods)).toBe("TOTP");
    expect(otherMethod(methods, "TOTP")).toBe("RECOVERY_CODE");
    expect(otherMethod(methods, "RECOVERY_CODE")).toBe("TOTP");
  });

  it("offers no switch to what the account does not have", () => {
    expect(firstMethod(["RECOVERY_CODE"])).toBe("RECOVERY_CODE");
    expect(otherMethod(["RECOVERY_CODE"], "RECOVERY_CODE")).toBeNull();
    expect(otherMethod(["TOTP"], "TOTP")).toBeNull();
    expect(firstMethod(["PASSKEY"])).toBeNull();
  });
});

describe("withCodeFields", () => {
  it("puts a wrong code beside the code fields", () => {
    const problem = withCodeFields(
      fromGraphQLError({
        message: "invalid second factor",
        extensions: { code: "UNAUTHENTICATED", reason: "INVALID_SECOND_FACTOR" },
      }),
    );
    expect(problem?.fields.totpCode).toEqual(["is not right, or was used already"]);
    expect(problem?.fields.recoveryCode).toEqual(["is not right, or was used already"]);
    expect(problem?.message).toBe("Please correct the fields marked below.");
  });

  it("leaves any other problem as it is", () => {
    const expired = fromGraphQLError({
      message: "",
      extensions: { code: "UNAUTHENTICATED", reason: "CHALLENGE_EXPIRED" },
    });
    expect(withCodeFields(expired)).toBe(expired);
    expect(withCodeFields(null)).toBeNull();
  });
});
