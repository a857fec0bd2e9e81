// How a passkey reads in the account's list: whether it is synced across the person's devices
// (a password manager's or platform's passkey) or lives on one device only.

/** The flags `Passkey` reports. */
interface Backup {
  backupEligible: boolean;
  backedUp: boolean;
}

/** "Yes", "Not yet" (it can be synced but is not), "No, this device only". */
export function syncText({ backupEligible, backedUp }: Backup): string {
  if (backedUp) return "Yes";
  return backupEligible ? "Not yet" : "No, one device only";
}
