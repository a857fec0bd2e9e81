// How an audit action reads for people.
import { describe, expect, it } from "vitest";
import { actionText } from "./events";

describe("actionText", () => {
  it("reads an action as a sentence-case phrase", () => {
    expect(actionText("USER_DEACTIVATED")).toBe("User deactivated");
    expect(actionText("SIGNING_KEY_ADDED")).toBe("Signing key added");
    expect(actionText("SIGNING_KEY_REVOKED")).toBe("Signing key revoked");
    expect(actionText("TOTP_ENABLED")).toBe("TOTP enabled");
    expect(actionText("MFA_RESET")).toBe("MFA reset");
  });
});
