// The code verifier is long and random enough, in the alphabet RFC 7636 allows, and its
// challenge is the RFC's own example.
import { describe, expect, it } from "vitest";
import { base64url, codeChallenge, codeVerifier } from "./pkce";

describe("codeVerifier", () => {
  it("is 64 unreserved characters of base64url", () => {
    const verifier = codeVerifier();
    expect(verifier).toHaveLength(64);
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{64}$/);
  });

  it("differs each time", () => {
    const verifiers = new Set(Array.from({ length: 20 }, codeVerifier));
    expect(verifiers.size).toBe(20);
  });
});

describe("codeChallenge", () => {
  it("is the S256 challenge of RFC 7636 Appendix B", async () => {
    await expect(codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).resolves.toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });
});

describe("base64url", () => {
  it("encodes RFC 7636 Appendix B's octets as its verifier", () => {
    const octets = [
      116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77,
      105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    expect(base64url(new Uint8Array(octets))).toBe("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  });

  it("uses - and _ and drops the padding", () => {
    expect(base64url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
    expect(base64url(new Uint8Array([]))).toBe("");
  });
});
