// A session's proof, as the sessions list shows it.
import { describe, expect, it } from "vitest";
import { proofText } from "./proof";

describe("proofText", () => {
  it("names the factors and what proved them, in order", () => {
    expect(proofText("AAL2", ["PASSWORD", "TOTP"])).toBe(
      "Two factors: password, authenticator app",
    );
    expect(proofText("AAL2", ["PASSWORD", "RECOVERY_CODE"])).toBe(
      "Two factors: password, recovery code",
    );
    expect(proofText("AAL1", ["PASSWORD"])).toBe("One factor: password");
    expect(proofText("AAL1", ["PASSWORD_RESET"])).toBe("One factor: password reset link");
    expect(proofText("AAL1", [])).toBe("One factor");
  });
});
