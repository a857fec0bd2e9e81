// Whether a passkey is synced, as the list says it.
import { describe, expect, it } from "vitest";
import { syncText } from "./texts";

describe("syncText", () => {
  it("tells a synced passkey from one that can be and one that cannot", () => {
    expect(syncText({ backupEligible: true, backedUp: true })).toBe("Yes");
    expect(syncText({ backupEligible: true, backedUp: false })).toBe("Not yet");
    expect(syncText({ backupEligible: false, backedUp: false })).toBe("No, one device only");
  });
});
