// The account page's "Passkeys": the viewer's passkeys (each can be renamed or removed), and
// adding one with this device's passkey prompt. Adding and removing change the ways into the
// account, so they may ask to confirm it is you first (`useAction`). A first passkey turns
// two-factor authentication on without recovery codes: a set is made and shown at once, as a
// first authenticator app's is.
import { useRef, useState } from "react";
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { problemOf, type Problem } from "../../app/errors";
import { useAction } from "../../app/use-action";
import { useViewer } from "../../app/viewer";
import {
  Field,
  Form,
  Notice,
  ProblemNote,
  Submit,
  fieldText,
  optionalText,
} from "../../components/form";
import { when } from "../../components/format";
import { Hidden, Table } from "../../components/table";
import { RecoveryCodes } from "../two-factor/recovery-codes";
import { REGENERATE_CODES } from "../two-factor/two-factor";
import { PasskeyOutcome } from "./passkey-outcome";
import { registrationProblem, removeProblem } from "./problems";
import { syncText } from "./texts";
import { usePasskeyPrompt } from "./webauthn";

const PASSKEYS = graphql(`
  query Passkeys {
    me {
      id
      passkeys {
        id
        label
        createdAt
        lastUsedAt
        backupEligible
        backedUp
      }
    }
  }
`);

const START_REGISTRATION = graphql(`
  mutation StartPasskeyRegistration {
    startPasskeyRegistration {
      ceremonyId
      options
    }
  }
`);

const FINISH_REGISTRATION = graphql(`
  mutation FinishPasskeyRegistration($ceremonyId: ID!, $credential: JSON!, $label: String) {
    finishPasskeyRegistration(ceremonyId: $ceremonyId, credential: $credential, label: $label) {
      id
      label
    }
  }
`);

const RENAME_PASSKEY = graphql(`
  mutation RenamePasskey($id: ID!, $label: String!) {
    renamePasskey(id: $id, label: $label) {
      id
      label
    }
  }
`);

const DELETE_PASSKEY = graphql(`
  mutation DeletePasskey($id: ID!) {
    deletePasskey(id: $id)
  }
`);

/** A set of recovery codes being shown, this once. */
interface ShownCodes {
  codes: string[];
  generatedAt: string;
}

interface PasskeysProps {
  /** A passkey was added or removed: the sessions, two-factor authentication and the viewer
   * are read again. */
  onChanged: () => void;
}

const say = (problem: Problem | null) => removeProblem(registrationProblem(problem));

/** A rename's problem as its field shows it: the field's own messages, or what else went
 * wrong (the passkey is gone, too many attempts). */
function onLabel(problem: Problem | null): Problem | null {
  if (!problem || "label" in problem.fields) return problem;
  return { ...problem, fields: { label: [problem.message] } };
}

export function Passkeys({ onChanged }: PasskeysProps) {
  const { me } = useViewer();
  const [result, refetch] = useQuery({ query: PASSKEYS, requestPolicy: "network-only" });
  const heading = useRef<HTMLHeadingElement>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  // The passkey whose Rename button takes focus back once it is drawn again (the rename was
  // saved or cancelled), so focus stays in the row rather than falling to the page.
  const renamed = useRef<string | null>(null);
  const [shown, setShown] = useState<ShownCodes | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const prompt = usePasskeyPrompt();
  const start = useAction(START_REGISTRATION);
  const finish = useAction(FINISH_REGISTRATION);
  const rename = useAction(RENAME_PASSKEY, {
    onSuccess: (data) => stopRenaming(data.renamePasskey.id),
  });
  const remove = useAction(DELETE_PASSKEY);
  const regenerate = useAction(REGENERATE_CODES, {
    onSuccess: (data) => setShown(data.regenerateRecoveryCodes),
  });
  const reload = () => refetch({ requestPolicy: "network-only" });
  function stopRenaming(id: string) {
    renamed.current = id;
    setRenaming(null);
  }
  const passkeys = result.data?.me?.passkeys ?? [];

  async function add(form: HTMLFormElement) {
    setAdded(null);
    setShown(null);
    const label = optionalText(form, "label");
    // The account's first second factor: its recovery codes are made next.
    const first = me?.mfaEnabled === false;
    const started = await start.run({});
    if (!started) return;
    const { ceremonyId, options } = started.startPasskeyRegistration;
    const answer = await prompt.create(options);
    if (answer.problem) {
      finish.fail(answer.problem);
      return;
    }
    const data = await finish.run({ ceremonyId, credential: answer.credential, label });
    if (!data) return;
    form.reset();
    const name = data.finishPasskeyRegistration.label;
    setAdded(
      first
        ? `${name} added. Two-factor authentication is on: your other devices were signed out.`
        : `${name} added: you can sign in with it.`,
    );
    reload();
    if (first) await regenerate.run({});
    onChanged();
  }

  async function removePasskey(id: string, label: string) {
    if (!window.confirm(`Remove ${label}? It will no longer sign you in.`)) return;
    setAdded(null);
    setShown(null);
    if (await remove.run({ id }, `${label} removed. Your other devices were signed out.`)) {
      // Its row goes, and its button with it: focus moves to the section, whose notice says so.
      heading.current?.focus();
      onChanged();
    }
    reload();
  }

  const busy = start.busy || prompt.open || finish.busy;
  return (
    <section aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading" ref={heading} tabIndex={-1}>
        Passkeys
      </h2>
      <p>
        A passkey signs you in with this device&apos;s screen lock, a security key or your password
        manager, without your password. It also counts as your second factor.
      </p>
      <ProblemNote problem={problemOf(result.error)} />
      {/* A rename's problem shows on its field, in the row. */}
      <PasskeyOutcome
        of={[start, finish, { ...rename, problem: null }, remove, regenerate]}
        says={say}
      />
      {added && <Notice>{added}</Notice>}
      {shown && (
        <RecoveryCodes
          codes={shown.codes}
          account={me?.email ?? ""}
          generatedAt={shown.generatedAt}
          onSaved={() => setShown(null)}
        />
      )}
      {passkeys.length > 0 ? (
        <Table columns={["Passkey", "Added", "Last used", "Synced", <Hidden>Actions</Hidden>]}>
          {passkeys.map((passkey) => (
            <tr key={passkey.id}>
              <td>
                {renaming === passkey.id ? (
                  <Form
                    aria-label={`Rename ${passkey.label}`}
                    onSubmit={(form) =>
                      rename.run(
                        { id: passkey.id, label: fieldText(form, "label") },
                        (data) => `Renamed to ${data.renamePasskey.label}.`,
                      )
                    }
                  >
                    <Field
                      label="New name"
                      name="label"
                      defaultValue={passkey.label}
                      maxLength={100}
                      required
                      autoFocus
                      problem={onLabel(rename.problem)}
                    />
                    <Submit busy={rename.busy}>Save</Submit>
                    <button type="button" onClick={() => stopRenaming(passkey.id)}>
                      Cancel
                    </button>
                  </Form>
                ) : (
                  passkey.label
                )}
              </td>
              <td>{when(passkey.createdAt)}</td>
              <td>{when(passkey.lastUsedAt)}</td>
              <td>{syncText(passkey)}</td>
              <td>
                {renaming !== passkey.id && (
                  <button
                    type="button"
                    ref={(button) => {
                      if (button && renamed.current === passkey.id) {
                        renamed.current = null;
                        button.focus();
                      }
                    }}
                    onClick={() => setRenaming(passkey.id)}
                    aria-label={`Rename ${passkey.label}`}
                  >
                    Rename
                  </button>
                )}
                <button
                  type="button"
                  disabled={remove.busy}
                  onClick={() => void removePasskey(passkey.id, passkey.label)}
                  aria-label={`Remove ${passkey.label}`}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        result.data && <p>You have no passkey yet.</p>
      )}
      <Form onSubmit={add} aria-label="Add a passkey">
        <div className="grid">
          <Field
            label="Name for the new passkey (optional)"
            name="label"
            maxLength={100}
            hint="To tell your passkeys apart, such as “Laptop” or “Phone”."
            problem={finish.problem}
          />
        </div>
        <Submit busy={busy}>Add a passkey</Submit>
      </Form>
    </section>
  );
}
