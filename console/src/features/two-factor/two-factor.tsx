// The viewer's two-factor authentication: whether it is on, the authenticator apps (each can be
// removed), adding one, and the recovery codes (how many are left, a new set). Passkeys, second
// factors too, have a section of their own (features/passkeys). What needs a
// recent sign-in asks to confirm it is you first (`useAction`).
import { useState } from "react";
import { useQuery } from "urql";
import { getFragmentData, graphql, type FragmentType } from "../../gql";
import { problemOf } from "../../app/errors";
import { useAction } from "../../app/use-action";
import { useViewer } from "../../app/viewer";
import { Outcome, ProblemNote } from "../../components/form";
import { count, when } from "../../components/format";
import { Hidden, Table } from "../../components/table";
import { ENROLLMENT, Enrollment, type Confirmed } from "./enrollment";
import { RecoveryCodes } from "./recovery-codes";

const TWO_FACTOR = graphql(`
  query TwoFactor {
    me {
      id
      email
      mfaEnabled
      recoveryCodesRemaining
      totpFactors {
        id
        label
        createdAt
        lastUsedAt
      }
      passkeys {
        id
      }
    }
  }
`);

const START_ENROLLMENT = graphql(`
  mutation StartTotpEnrollment {
    startTotpEnrollment {
      ...Enrollment
    }
  }
`);

const REMOVE_FACTOR = graphql(`
  mutation RemoveTotpFactor($id: ID!) {
    removeTotpFactor(id: $id)
  }
`);

/** Also the passkeys': a first passkey brings a first set. */
export const REGENERATE_CODES = graphql(`
  mutation RegenerateRecoveryCodes {
    regenerateRecoveryCodes {
      codes
      generatedAt
    }
  }
`);

/** A set of recovery codes being shown, this once. */
interface ShownCodes {
  codes: string[];
  generatedAt: string;
}

/** Two-factor authentication as `TwoFactor` shows it, read by the page that holds the section:
 * the passkeys' section changes it too (a passkey turns it on or off, a first one brings
 * recovery codes), and reading it again, unlike drawing the section anew, keeps what the
 * section holds, such as an authenticator app being added. */
export function useTwoFactor() {
  const [result, refetch] = useQuery({ query: TWO_FACTOR, requestPolicy: "network-only" });
  return { result, reload: () => refetch({ requestPolicy: "network-only" }) };
}

interface TwoFactorProps {
  /** From `useTwoFactor`. */
  twoFactor: ReturnType<typeof useTwoFactor>;
  /** Two-factor authentication was turned on or off, or a reauthentication changed the
   * session: the sessions list and the viewer are read again. */
  onChanged: () => void;
  /** The section's heading (absent on the page that is all about it, whose `h1` names it). */
  heading?: boolean;
}

export function TwoFactor({
  twoFactor: { result, reload: readAgain },
  onChanged,
  heading = true,
}: TwoFactorProps) {
  const { me } = useViewer();
  const [enrollment, setEnrollment] = useState<FragmentType<typeof ENROLLMENT> | null>(null);
  const [shown, setShown] = useState<ShownCodes | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const start = useAction(START_ENROLLMENT, {
    onSuccess: (data) => setEnrollment(data.startTotpEnrollment),
  });
  const remove = useAction(REMOVE_FACTOR);
  const regenerate = useAction(REGENERATE_CODES, {
    onSuccess: (data) => setShown(data.regenerateRecoveryCodes),
  });
  const reload = () => {
    readAgain();
    onChanged();
  };
  const account = result.data?.me;
  function confirmed(confirmation: Confirmed) {
    setEnrollment(null);
    if (confirmation.recoveryCodes) {
      setShown({ codes: confirmation.recoveryCodes, generatedAt: new Date().toISOString() });
      setAdded("Two-factor authentication is on. Your other devices were signed out.");
    } else {
      setAdded(`${confirmation.factor.label} added.`);
    }
    reload();
  }
  async function removeFactor(id: string, label: string) {
    if (!window.confirm(`Remove ${label}? Its codes will no longer sign you in.`)) return;
    setAdded(null);
    // A passkey is a second factor too: with one, two-factor authentication stays on.
    const last = account?.totpFactors?.length === 1 && !account.passkeys?.length;
    await remove.run(
      { id },
      last ? `${label} removed. Two-factor authentication is off.` : `${label} removed.`,
    );
    // A reauthentication may have used a recovery code: the count is read again either way.
    reload();
  }
  async function newCodes() {
    setAdded(null);
    await regenerate.run({});
    reload();
  }
  const factors = account?.totpFactors ?? [];
  // An account a provider sign-in made has no password: its first step is the provider.
  const firstStep = me?.hasPassword === false ? "your provider's sign-in" : "the password";
  return (
    <section aria-labelledby={heading ? "two-factor-heading" : undefined}>
      {heading && <h2 id="two-factor-heading">Two-factor authentication</h2>}
      <ProblemNote problem={problemOf(result.error)} />
      {account && (
        <p>
          {account.mfaEnabled ? (
            <>
              Two-factor authentication is <strong>on</strong>: signing in asks for a code from your
              authenticator app or a passkey after {firstStep}.
            </>
          ) : (
            <>
              Two-factor authentication is <strong>off</strong>: signing in asks only for{" "}
              {firstStep}. Add an authenticator app or a passkey to turn it on.
            </>
          )}
        </p>
      )}
      <Outcome of={[start, remove, regenerate]} />
      {added && (
        <p className="notice" role="status">
          {added}
        </p>
      )}
      {shown && (
        <RecoveryCodes
          codes={shown.codes}
          account={account?.email ?? me?.email ?? ""}
          generatedAt={shown.generatedAt}
          onSaved={() => setShown(null)}
        />
      )}
      {factors.length > 0 && (
        <Table columns={["Authenticator app", "Added", "Last used", <Hidden>Actions</Hidden>]}>
          {factors.map((factor) => (
            <tr key={factor.id}>
              <td>{factor.label}</td>
              <td>{when(factor.createdAt)}</td>
              <td>{when(factor.lastUsedAt)}</td>
              <td>
                <button
                  type="button"
                  disabled={remove.busy}
                  onClick={() => void removeFactor(factor.id, factor.label)}
                  aria-label={`Remove ${factor.label}`}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
      {account?.mfaEnabled && (
        <p>
          {account.recoveryCodesRemaining === null
            ? "You have no recovery codes."
            : `You have ${count(account.recoveryCodesRemaining, "unused recovery code")}.`}{" "}
          <button type="button" disabled={regenerate.busy} onClick={() => void newCodes()}>
            Generate new recovery codes
          </button>
        </p>
      )}
      {enrollment ? (
        <Enrollment
          key={getFragmentData(ENROLLMENT, enrollment).enrollmentId}
          enrollment={enrollment}
          onConfirmed={confirmed}
          onRestart={() => void start.run({})}
          onCancel={() => setEnrollment(null)}
        />
      ) : (
        <button
          type="button"
          disabled={start.busy}
          onClick={() => {
            setAdded(null);
            void start.run({});
          }}
        >
          Add an authenticator app
        </button>
      )}
    </section>
  );
}
