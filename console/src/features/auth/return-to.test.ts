// The page after signing in: only a path of the console's own.
import { describe, expect, it } from "vitest";
import { returnTo } from "./return-to";

describe("returnTo", () => {
  it("goes back to the page that asked for a sign-in", () => {
    expect(returnTo("/admin/users?search=ada")).toBe("/admin/users?search=ada");
  });

  it("goes to the account for anything else", () => {
    expect(returnTo(null)).toBe("/account");
    expect(returnTo("https://elsewhere.example/")).toBe("/account");
    expect(returnTo("//elsewhere.example/")).toBe("/account");
  });
});
