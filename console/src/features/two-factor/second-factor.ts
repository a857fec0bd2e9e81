// The second factor as a form asks for it (at sign-in and when a page asks to confirm it is
// you): which proof to start with, which one the switch offers, and a wrong code shown beside
// its field.
import type { Problem } from "../../app/errors";

/** The proofs a second factor's form takes as a code (`SecondFactorMethod`, less passkeys,
 * which the browser gives: features/passkeys). */
export type CodeMethod = "TOTP" | "RECOVERY_CODE";

/** The input field of each proof, as `SecondFactorInput` and `ReauthenticateInput` name it. */
export const CODE_FIELDS: Record<CodeMethod, "totpCode" | "recoveryCode"> = {
  TOTP: "totpCode",
  RECOVERY_CODE: "recoveryCode",
};

/** The proof to ask for first: the authenticator app when the account has one. */
export function firstMethod(methods: readonly string[]): CodeMethod | null {
  if (methods.includes("TOTP")) return "TOTP";
  if (methods.includes("RECOVERY_CODE")) return "RECOVERY_CODE";
  return null;
}

/** The proof the switch offers instead of `current`, if the account has it. */
export function otherMethod(methods: readonly string[], current: CodeMethod): CodeMethod | null {
  const other: CodeMethod = current === "TOTP" ? "RECOVERY_CODE" : "TOTP";
  return methods.includes(other) ? other : null;
}

/** A wrong or used code (`INVALID_SECOND_FACTOR`, which names no field) shown beside the code
 * fields; any other problem as it is. */
export function withCodeFields(problem: Problem | null): Problem | null {
  if (problem?.reason !== "INVALID_SECOND_FACTOR") return problem;
  const messages = ["is not right, or was used already"];
  return {
    ...problem,
    message: "Please correct the fields marked below.",
    fields: { ...problem.fields, totpCode: messages, recoveryCode: messages },
  };
}
