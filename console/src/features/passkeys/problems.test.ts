// Where passkeys work, and what the console says when one does not.
import { describe, expect, it } from "vitest";
import { fromGraphQLError } from "../../app/errors";
import {
  answerProblem,
  isCalm,
  refusalProblem,
  registrationProblem,
  removeProblem,
  rpIdOf,
  signInProblem,
  unsupported,
  withinRpId,
  wrongAddress,
} from "./problems";

describe("rpIdOf", () => {
  it("reads rp.id to create and rpId to get", () => {
    expect(rpIdOf({ publicKey: { rp: { id: "localhost", name: "Roster" } } })).toBe("localhost");
    expect(rpIdOf({ publicKey: { rpId: "example.com", challenge: "abc" } })).toBe("example.com");
  });

  it("is null when the options name none", () => {
    expect(rpIdOf({ publicKey: { challenge: "abc" } })).toBeNull();
    expect(rpIdOf({ publicKey: { rpId: "" } })).toBeNull();
    expect(rpIdOf({})).toBeNull();
    expect(rpIdOf(null)).toBeNull();
    expect(rpIdOf("options")).toBeNull();
  });
});

describe("withinRpId", () => {
  it("takes the RP ID itself and its subdomains, in any case", () => {
    expect(withinRpId("localhost", "localhost")).toBe(true);
    expect(withinRpId("auth.example.com", "example.com")).toBe(true);
    expect(withinRpId("Auth.Example.COM.", "example.com")).toBe(true);
  });

  it("refuses an IP address, a lookalike and a parent", () => {
    expect(withinRpId("127.0.0.1", "localhost")).toBe(false);
    expect(withinRpId("[::1]", "localhost")).toBe(false);
    expect(withinRpId("notexample.com", "example.com")).toBe(false);
    expect(withinRpId("example.com", "auth.example.com")).toBe(false);
  });
});

describe("wrongAddress", () => {
  const at = (hostname: string, port = "8000", protocol = "http:") => ({
    protocol,
    hostname,
    port,
  });

  it("says nothing where passkeys work", () => {
    expect(wrongAddress(at("localhost"), "localhost")).toBeNull();
    expect(wrongAddress(at("app.example.com", "", "https:"), "example.com")).toBeNull();
  });

  it("sends a loopback address to localhost on the same port", () => {
    const problem = wrongAddress(at("127.0.0.1"), "localhost");
    expect(problem?.message).toBe(
      "Passkeys work at http://localhost:8000, not at this address: open the console there.",
    );
    expect(problem?.reason).toBe("WRONG_ADDRESS");
    expect(isCalm(problem)).toBe(false);
    expect(wrongAddress(at("[::1]", ""), "localhost")?.message).toMatch(
      /^Passkeys work at http:\/\/localhost, not/,
    );
  });

  it("names the RP ID of a domain", () => {
    expect(wrongAddress(at("10.0.0.5", "", "https:"), "example.com")?.message).toBe(
      "Passkeys work only at example.com and the addresses under it: open the console there.",
    );
  });
});

describe("refusalProblem", () => {
  const refused = (name: string) => new DOMException("raw text of the browser", name);

  it("says a closed prompt calmly, without the browser's text", () => {
    for (const name of ["NotAllowedError", "AbortError"]) {
      const problem = refusalProblem(refused(name), false);
      expect(isCalm(problem)).toBe(true);
      expect(problem.message).toMatch(/^No passkey was used: the prompt was closed/);
      expect(problem.message).not.toContain("raw text");
    }
  });

  it("tells each other refusal apart", () => {
    expect(refusalProblem(refused("InvalidStateError"), true).reason).toBe("ALREADY_HERE");
    expect(refusalProblem(refused("InvalidStateError"), false).reason).toBe("FAILED");
    expect(refusalProblem(refused("SecurityError"), false).reason).toBe("WRONG_ADDRESS");
    expect(refusalProblem(refused("NotSupportedError"), true).reason).toBe("UNSUPPORTED");
    expect(refusalProblem(refused("ConstraintError"), true).reason).toBe("UNSUPPORTED");
    expect(refusalProblem(new TypeError("bad options"), false).message).toBe(
      "The passkey could not be used. Try again.",
    );
    expect(refusalProblem(null, false).reason).toBe("FAILED");
    for (const problem of [unsupported(), refusalProblem(refused("SecurityError"), true)]) {
      expect(isCalm(problem)).toBe(false);
      expect(problem.code).toBe("PASSKEY");
    }
  });
});

describe("answerProblem and signInProblem", () => {
  const NOT_ACCEPTED =
    "Roster did not accept that passkey: it may have been removed from your account, or the device did not confirm it is you.";

  it("says each refusal of an answer the same way", () => {
    const signIn = fromGraphQLError({
      message: "passkey not accepted",
      extensions: { code: "UNAUTHENTICATED" },
    });
    const secondFactor = fromGraphQLError({
      message: "invalid second factor",
      extensions: { code: "UNAUTHENTICATED", reason: "INVALID_SECOND_FACTOR" },
    });
    const reauthentication = fromGraphQLError({
      message: "invalid input",
      extensions: { code: "BAD_USER_INPUT", fields: { passkey: ["is incorrect"] } },
    });
    for (const problem of [secondFactor, reauthentication]) {
      expect(answerProblem(problem)?.message).toBe(NOT_ACCEPTED);
      expect(signInProblem(problem)?.message).toBe(NOT_ACCEPTED);
    }
    expect(signInProblem(signIn)?.message).toBe(NOT_ACCEPTED);
  });

  it("says a session that ended as such, not as a refused passkey, once signed in", () => {
    const ended = fromGraphQLError({
      message: "invalid, expired or revoked access token",
      extensions: { code: "UNAUTHENTICATED" },
    });
    expect(answerProblem(ended)).toBe(ended);
  });

  it("says a prompt answered too late at sign-in; elsewhere the sign-in expired", () => {
    const expired = fromGraphQLError({
      message: "",
      extensions: { code: "UNAUTHENTICATED", reason: "CHALLENGE_EXPIRED" },
    });
    expect(signInProblem(expired)?.message).toBe(
      "The passkey prompt was answered too late. Try again.",
    );
    expect(answerProblem(expired)).toBe(expired);
  });

  it("leaves any other problem as it is", () => {
    const limited = fromGraphQLError({
      message: "",
      extensions: { code: "TOO_MANY_REQUESTS", retryAfter: 30 },
    });
    expect(answerProblem(limited)).toBe(limited);
    expect(signInProblem(null)).toBeNull();
  });
});

describe("registrationProblem", () => {
  it("says what went wrong with the new passkey", () => {
    const late = fromGraphQLError({
      message: "invalid input",
      extensions: { code: "BAD_USER_INPUT", fields: { ceremonyId: ["unknown, used or expired"] } },
    });
    expect(registrationProblem(late)?.message).toBe(
      "The passkey prompt was answered too late. Try again.",
    );
    const refused = fromGraphQLError({
      message: "invalid input",
      extensions: { code: "BAD_USER_INPUT", fields: { credential: ["passkey not accepted"] } },
    });
    expect(registrationProblem(refused)?.message).toMatch(/^Roster did not accept the new passkey/);
    const twice = fromGraphQLError({
      message: "this passkey is already registered",
      extensions: { code: "CONFLICT", fields: { credential: ["is already taken"] } },
    });
    expect(registrationProblem(twice)?.message).toBe("That passkey is already registered.");
  });

  it("leaves a label's problem beside its field", () => {
    const long = fromGraphQLError({
      message: "invalid input",
      extensions: { code: "BAD_USER_INPUT", fields: { label: ["must be at most 100 characters"] } },
    });
    expect(registrationProblem(long)).toBe(long);
  });
});

describe("removeProblem", () => {
  it("says what to do when the passkey is the last way in", () => {
    const problem = removeProblem(
      fromGraphQLError({
        message: "this passkey is the account's only way to sign in",
        extensions: { code: "CONFLICT", reason: "LAST_SIGN_IN_METHOD" },
      }),
    );
    expect(problem?.message).toBe(
      "This passkey is your account's only way to sign in, so it stays. Set a password, link a provider or add another passkey first.",
    );
  });

  it("leaves any other problem as it is", () => {
    const notFound = fromGraphQLError({
      message: "no such passkey",
      extensions: { code: "NOT_FOUND" },
    });
    expect(removeProblem(notFound)).toBe(notFound);
  });
});
