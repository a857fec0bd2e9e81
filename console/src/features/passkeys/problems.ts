// What the console says when a passkey does not work: the browser's refusals (a closed prompt,
// a device that already holds one, an address outside the server's RP ID) and Roster's (a
// passkey not accepted, a prompt answered too late), each as a `Problem` a form shows. Pure:
// the browser half is in `webauthn.ts`.
import type { Problem } from "../../app/errors";

/** The code of the problems the browser's side of a passkey brings (the API's are its own). */
export const PASSKEY = "PASSKEY";

/** Why the browser gave no passkey (`Problem.reason` of a `PASSKEY` problem). */
export type BrowserReason =
  /** The prompt was closed, timed out, or the device did not confirm it is you. */
  | "CANCELLED"
  /** The page's address is outside the RP ID the server binds passkeys to. */
  | "WRONG_ADDRESS"
  /** This browser has no passkeys, or not of the kind asked for. */
  | "UNSUPPORTED"
  /** Registration: this device already holds a passkey for the account. */
  | "ALREADY_HERE"
  | "FAILED";

function browserProblem(reason: BrowserReason, message: string): Problem {
  return { code: PASSKEY, reason, message, fields: {} };
}

/** Whether `problem` is one to say calmly (nothing went wrong: the person closed the prompt). */
export function isCalm(problem: Problem | null): boolean {
  return problem?.code === PASSKEY && problem.reason === "CANCELLED";
}

/** The RP ID a ceremony's options (`{ publicKey }`) name: `rp.id` to create, `rpId` to get. */
export function rpIdOf(options: unknown): string | null {
  const publicKey = (options as { publicKey?: unknown } | null)?.publicKey;
  if (!publicKey || typeof publicKey !== "object") return null;
  const { rp, rpId } = publicKey as { rp?: { id?: unknown }; rpId?: unknown };
  const id = rp?.id ?? rpId;
  return typeof id === "string" && id !== "" ? id : null;
}

/** Whether a page at `hostname` may use passkeys bound to `rpId`: the RP ID itself or a
 * subdomain of it (WebAuthn's rule). */
export function withinRpId(hostname: string, rpId: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const id = rpId.toLowerCase().replace(/\.$/, "");
  return host === id || host.endsWith(`.${id}`);
}

/** The part of `Location` the address hint is built from. */
export type Address = Pick<Location, "protocol" | "hostname" | "port">;

/** The problem of a page whose address is outside `rpId`, saying where passkeys do work; null
 * when the address is fine. For `localhost` (a server on a loopback address, opened as
 * 127.0.0.1) that is this very server at `localhost`. */
export function wrongAddress(address: Address, rpId: string): Problem | null {
  if (withinRpId(address.hostname, rpId)) return null;
  if (rpId.toLowerCase() === "localhost") {
    const port = address.port ? `:${address.port}` : "";
    const origin = `${address.protocol}//localhost${port}`;
    return browserProblem(
      "WRONG_ADDRESS",
      `Passkeys work at ${origin}, not at this address: open the console there.`,
    );
  }
  return browserProblem(
    "WRONG_ADDRESS",
    `Passkeys work only at ${rpId} and the addresses under it: open the console there.`,
  );
}

/** The problem of a browser without passkeys (no `PublicKeyCredential`, or too old to read
 * Roster's options). */
export function unsupported(): Problem {
  return browserProblem(
    "UNSUPPORTED",
    "This browser cannot use passkeys. A current Chrome, Edge, Firefox or Safari can.",
  );
}

/** What the browser's refusal (a `DOMException` from `navigator.credentials`) means for the
 * person, by its name; its own text is never shown. */
export function refusalProblem(error: unknown, creating: boolean): Problem {
  const name = error instanceof Error || isNamed(error) ? error.name : "";
  switch (name) {
    case "NotAllowedError":
    case "AbortError":
      // Also what a device that could not verify the person answers: WebAuthn tells them apart
      // on purpose for no page.
      return browserProblem(
        "CANCELLED",
        "No passkey was used: the prompt was closed or timed out, or the device did not confirm it is you. Try again when you are ready.",
      );
    case "InvalidStateError":
      if (creating) {
        return browserProblem(
          "ALREADY_HERE",
          "This device already holds a passkey for your account: it is in the list.",
        );
      }
      break;
    case "SecurityError":
      return browserProblem(
        "WRONG_ADDRESS",
        "Passkeys do not work at this address: open the console at the address its server was set up with.",
      );
    case "NotSupportedError":
      return browserProblem(
        "UNSUPPORTED",
        "This browser or device cannot make the kind of passkey Roster asks for (one that verifies it is you).",
      );
    case "ConstraintError":
      return browserProblem(
        "UNSUPPORTED",
        "This device cannot verify it is you (with a PIN, fingerprint or face), which a passkey here needs.",
      );
  }
  return browserProblem("FAILED", "The passkey could not be used. Try again.");
}

function isNamed(error: unknown): error is { name: string } {
  return typeof (error as { name?: unknown } | null)?.name === "string";
}

const NOT_ACCEPTED =
  "Roster did not accept that passkey: it may have been removed from your account, or the device did not confirm it is you.";

/** Roster's refusal of a passkey's answer said as such: as a second factor
 * `INVALID_SECOND_FACTOR`, in `reauthenticate` `BAD_USER_INPUT` on `passkey` (or on
 * `credential`, an answer that is no credential). Any other problem as it is: there a bare
 * `UNAUTHENTICATED` is a session that ended, not a passkey refused. */
export function answerProblem(problem: Problem | null): Problem | null {
  if (!problem) return null;
  const refused =
    problem.reason === "INVALID_SECOND_FACTOR" ||
    (problem.code === "BAD_USER_INPUT" &&
      ("passkey" in problem.fields || "credential" in problem.fields));
  return refused ? { ...problem, message: NOT_ACCEPTED } : problem;
}

/** A passkey sign-in's problem: its refusal (`UNAUTHENTICATED` "passkey not accepted": no
 * session is at stake yet) and one as `answerProblem` says it, and a ceremony the server no
 * longer knows (`CHALLENGE_EXPIRED`: the prompt was answered too late) as such. */
export function signInProblem(problem: Problem | null): Problem | null {
  if (problem?.reason === "CHALLENGE_EXPIRED") {
    return { ...problem, message: "The passkey prompt was answered too late. Try again." };
  }
  if (problem?.code === "UNAUTHENTICATED" && !problem.reason) {
    return { ...problem, message: NOT_ACCEPTED };
  }
  return answerProblem(problem);
}

/** A registration's problem: the prompt answered too late (`BAD_USER_INPUT` on
 * `ceremonyId`), a passkey already registered (`CONFLICT` on `credential`) or one Roster
 * refused (`BAD_USER_INPUT` on `credential`) said as such; any other problem as it is. */
export function registrationProblem(problem: Problem | null): Problem | null {
  if (!problem) return null;
  let message: string | null = null;
  if ("ceremonyId" in problem.fields) {
    message = "The passkey prompt was answered too late. Try again.";
  } else if ("credential" in problem.fields) {
    message =
      problem.code === "CONFLICT"
        ? "That passkey is already registered."
        : "Roster did not accept the new passkey. Try again, or use another device.";
  }
  return message ? { ...problem, message } : problem;
}

/** A removal refused because the passkey is the account's last way in (`LAST_SIGN_IN_METHOD`),
 * said as what to do instead; any other problem as it is. */
export function removeProblem(problem: Problem | null): Problem | null {
  if (problem?.reason !== "LAST_SIGN_IN_METHOD") return problem;
  return {
    ...problem,
    message:
      "This passkey is your account's only way to sign in, so it stays. Set a password, link a provider or add another passkey first.",
  };
}
