// What the two-factor pages write out: a secret in groups for typing, and the recovery codes
// as the file "Download" saves.

/** A TOTP secret in groups of four, easier to type into an app by hand. */
export function groupSecret(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(" ") ?? "";
}

/** The name of the file the recovery codes download as. */
export const RECOVERY_CODES_FILE = "roster-recovery-codes.txt";

/** The recovery codes as a text file: who they are for, when they were made, one per line. */
export function recoveryCodesText(codes: string[], account: string, generatedAt: string): string {
  return [
    `Roster recovery codes for ${account}`,
    `Generated ${generatedAt}`,
    "",
    "Each code signs you in once in place of your authenticator app or passkey.",
    "Keep them somewhere safe: generating new codes makes these stop working.",
    "",
    ...codes,
    "",
  ].join("\n");
}
