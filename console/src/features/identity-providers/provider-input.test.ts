// The provider form's text as the API takes it: the secret kept unless typed, lists split,
// defaults left to the server.
import { describe, expect, it } from "vitest";
import { callbackUrl, listOf, providerInput, type ProviderFormValues } from "./provider-input";

const FORM: ProviderFormValues = {
  slug: " corp-sso ",
  displayName: " Corporate SSO ",
  kind: "OIDC",
  issuer: "https://sso.example.com",
  clientId: " roster ",
  clientSecret: "",
  scopes: "",
  allowedEmailDomains: "",
  allowSignUp: true,
  autoLinkVerifiedEmail: false,
  enabled: true,
};

describe("providerInput", () => {
  it("leaves a blank secret and blank scopes out, and trims the names", () => {
    const input = providerInput(FORM);
    expect(input).toEqual({
      slug: "corp-sso",
      displayName: "Corporate SSO",
      kind: "OIDC",
      issuer: "https://sso.example.com",
      clientId: "roster",
      allowedEmailDomains: [],
      allowSignUp: true,
      autoLinkVerifiedEmail: false,
      enabled: true,
    });
    expect("clientSecret" in input).toBe(false);
    expect("scopes" in input).toBe(false);
  });

  it("sends a typed secret trimmed, and the lists split", () => {
    const input = providerInput({
      ...FORM,
      kind: "GITHUB",
      issuer: "  ",
      clientSecret: " s3cret ",
      scopes: "read:user  user:email",
      allowedEmailDomains: "Example.com, example.org",
    });
    expect(input.clientSecret).toBe("s3cret");
    expect("clientSecret" in providerInput({ ...FORM, clientSecret: " \n" })).toBe(false);
    expect(input.issuer).toBeNull();
    expect(input.scopes).toEqual(["read:user", "user:email"]);
    expect(input.allowedEmailDomains).toEqual(["example.com", "example.org"]);
  });
});

describe("listOf", () => {
  it("splits at spaces, commas and line breaks", () => {
    expect(listOf("openid,email\nprofile ")).toEqual(["openid", "email", "profile"]);
    expect(listOf(" , ")).toEqual([]);
  });
});

describe("callbackUrl", () => {
  it("is Roster's callback path for the slug", () => {
    expect(callbackUrl("https://roster.example.com", "corp-sso")).toBe(
      "https://roster.example.com/oauth/corp-sso/callback",
    );
  });
});
