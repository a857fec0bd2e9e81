// The field for a second factor: the authenticator app's code, or a recovery code, with a
// switch between them when the account has both, and "Use a passkey" when it has passkeys.
// Used by sign-in's second step and by the dialog that asks to confirm it is you.
import { useState } from "react";
import type { Problem } from "../../app/errors";
import { Field } from "../../components/form";
import { CODE_FIELDS, firstMethod, otherMethod, type CodeMethod } from "./second-factor";

interface SecondFactorFieldsProps {
  /** What the account can prove (`SecondFactorMethod` or `reauthenticate` method names). */
  methods: readonly string[];
  problem: Problem | null;
  /** Asks the browser for one of the account's passkeys (offered when `methods` has
   * `PASSKEY`); `busy` while it is under way. */
  passkey: { use: () => void; busy: boolean };
}

export function SecondFactorFields({ methods, problem, passkey }: SecondFactorFieldsProps) {
  const [method, setMethod] = useState(() => firstMethod(methods));
  const passkeyButton = methods.includes("PASSKEY") && (
    <p>
      <button
        type="button"
        disabled={passkey.busy}
        aria-busy={passkey.busy || undefined}
        onClick={passkey.use}
      >
        Use a passkey
      </button>
    </p>
  );
  if (!method) return passkeyButton || null;
  const other = otherMethod(methods, method);
  return (
    <>
      {passkeyButton}
      {method === "TOTP" ? (
        <Field
          key="totpCode"
          label="Code from your authenticator app"
          name={CODE_FIELDS.TOTP}
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          autoFocus
          problem={problem}
          hint="The 6 digits the app shows for this account now."
        />
      ) : (
        <Field
          key="recoveryCode"
          label="Recovery code"
          name={CODE_FIELDS.RECOVERY_CODE}
          autoComplete="off"
          spellCheck={false}
          required
          autoFocus
          problem={problem}
          hint="One of the codes you saved (xxxxx-xxxxx). Each one works once."
        />
      )}
      {other && (
        <p>
          <button type="button" className="link" onClick={() => setMethod(other)}>
            {other === "RECOVERY_CODE"
              ? "Use a recovery code instead"
              : "Use your authenticator app instead"}
          </button>
        </p>
      )}
    </>
  );
}

/** The second factor a form holds, as `SecondFactorInput` (only the field shown is sent);
 * null when it is blank. */
export function codeInput(
  form: HTMLFormElement,
): { totpCode: string } | { recoveryCode: string } | null {
  const data = new FormData(form);
  for (const method of Object.keys(CODE_FIELDS) as CodeMethod[]) {
    const field = CODE_FIELDS[method];
    const value = data.get(field);
    if (typeof value === "string") {
      const code = value.trim();
      if (!code) return null;
      return field === "totpCode" ? { totpCode: code } : { recoveryCode: code };
    }
  }
  return null;
}

/** The problem of a blank code field, shown before asking the API. */
export function blankCode(): Problem {
  return {
    code: "BAD_USER_INPUT",
    message: "Please correct the fields marked below.",
    fields: { totpCode: ["is required"], recoveryCode: ["is required"] },
  };
}
