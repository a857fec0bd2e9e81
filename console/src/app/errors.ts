// What an API error means for a form: the message to show, the messages beside each field
// (`extensions.fields`), the wait of a `TOO_MANY_REQUESTS`, and the `extensions.reason` that
// says more than the code (with the proofs a `REAUTHENTICATION_REQUIRED` accepts).
import type { CombinedError } from "urql";

export interface Problem {
  code: string;
  message: string;
  /** Messages per input field, from `extensions.fields` of a `BAD_USER_INPUT` or `CONFLICT`. */
  fields: Record<string, string[]>;
  /** Seconds to wait, for `TOO_MANY_REQUESTS`. */
  retryAfter?: number;
  /** `extensions.reason` (`REAUTHENTICATION_REQUIRED`, `INVALID_SECOND_FACTOR`, ...). */
  reason?: string;
  /** `extensions.methods` of a `REAUTHENTICATION_REQUIRED`: what `reauthenticate` accepts. */
  methods?: string[];
}

/** What the console says for a refusal whose reason it knows; the code alone says the rest. */
const REASON_MESSAGES: Record<string, string> = {
  REAUTHENTICATION_REQUIRED: "Confirm it is you first: this needs a recent sign-in.",
  MFA_ENROLLMENT_REQUIRED:
    "Your account must keep two-factor authentication: add an authenticator app first.",
  INVALID_SECOND_FACTOR: "That code is not right, or was used already.",
  CHALLENGE_EXPIRED: "This sign-in has expired. Start again with your password.",
  IDENTITY_IN_USE: "That identity at the provider is already linked to another account.",
};

interface ErrorLike {
  message: string;
  extensions?: Record<string, unknown>;
}

/** The first error of a response, as a `Problem`; `null` when there is none. */
export function problemOf(error: CombinedError | undefined | null): Problem | null {
  if (!error) return null;
  const first = error.graphQLErrors[0] as ErrorLike | undefined;
  if (!first) {
    return {
      code: "NETWORK",
      message: "Roster could not be reached. Check the connection and try again.",
      fields: {},
    };
  }
  return fromGraphQLError(first);
}

export function fromGraphQLError(error: ErrorLike): Problem {
  const extensions = error.extensions ?? {};
  const code = typeof extensions.code === "string" ? extensions.code : "INTERNAL_SERVER_ERROR";
  const fields: Record<string, string[]> = {};
  const raw = extensions.fields;
  if (raw && typeof raw === "object") {
    for (const [name, messages] of Object.entries(raw as Record<string, unknown>)) {
      if (Array.isArray(messages)) fields[name] = messages.map(String);
    }
  }
  const retryAfter = typeof extensions.retryAfter === "number" ? extensions.retryAfter : undefined;
  const reason = typeof extensions.reason === "string" ? extensions.reason : undefined;
  const methods = Array.isArray(extensions.methods)
    ? extensions.methods.filter((method) => typeof method === "string")
    : undefined;
  let message = error.message;
  if (reason && reason in REASON_MESSAGES) {
    message = REASON_MESSAGES[reason];
  } else if (code === "TOO_MANY_REQUESTS" && retryAfter !== undefined) {
    message = `Too many attempts. Try again in ${waitText(retryAfter)}.`;
  } else if (code === "INTERNAL_SERVER_ERROR") {
    const id = typeof extensions.requestId === "string" ? ` (request ${extensions.requestId})` : "";
    message = `Something went wrong on the server${id}.`;
  } else if (Object.keys(fields).length > 0 && (code === "BAD_USER_INPUT" || code === "CONFLICT")) {
    message = "Please correct the fields marked below.";
  }
  return { code, message, fields, retryAfter, reason, methods };
}

/** The proofs a refusal asks to be given again (`reauthenticate`), or null when it does not
 * ask for one. */
export function reauthenticationMethods(problem: Problem | null): string[] | null {
  if (problem?.reason !== "REAUTHENTICATION_REQUIRED") return null;
  return problem.methods ?? [];
}

/** "1 second", "40 seconds", "3 minutes". */
export function waitText(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? "1 second" : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}
