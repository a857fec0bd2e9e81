// The QR code's drawing: a square per dark module, and a matrix with its quiet zone.
import { describe, expect, it } from "vitest";
import { qrModules, qrPath } from "./qr";

describe("qrPath", () => {
  it("draws a unit square at each dark module", () => {
    expect(
      qrPath([
        [true, false],
        [false, true],
      ]),
    ).toBe("M0 0h1v1h-1zM1 1h1v1h-1z");
    expect(qrPath([[false]])).toBe("");
  });
});

describe("qrModules", () => {
  it("is square, with a light quiet zone and the finder pattern's dark corner inside it", () => {
    const modules = qrModules("otpauth://totp/Roster:ada%40example.com?secret=ABC&issuer=Roster");
    const size = modules.length;
    expect(modules.every((row) => row.length === size)).toBe(true);
    expect(modules[0].some(Boolean)).toBe(false);
    expect(modules.map((row) => row[0]).some(Boolean)).toBe(false);
    expect(modules[4][4]).toBe(true);
  });
});
