// The secret as typed by hand, and the recovery codes' file.
import { describe, expect, it } from "vitest";
import { groupSecret, recoveryCodesText } from "./texts";

describe("groupSecret", () => {
  it("groups by four, the last group shorter", () => {
    expect(groupSecret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")).toBe(
      "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP",
    );
    expect(groupSecret("ABCDEF")).toBe("ABCD EF");
    expect(groupSecret("")).toBe("");
  });
});

describe("recoveryCodesText", () => {
  it("names the account and the time, then one code a line", () => {
    const text = recoveryCodesText(
      ["abcde-12345", "fghjk-67890"],
      "ada@example.com",
      "2026-03-01T10:00:00Z",
    );
    const lines = text.split("\n");
    expect(lines[0]).toBe("Roster recovery codes for ada@example.com");
    expect(lines[1]).toBe("Generated 2026-03-01T10:00:00Z");
    expect(lines.slice(-3)).toEqual(["abcde-12345", "fghjk-67890", ""]);
  });
});
