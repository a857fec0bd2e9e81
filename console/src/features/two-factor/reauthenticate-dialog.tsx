// The dialog that asks the viewer to confirm it is you when an action needs a recent sign-in
// (`REAUTHENTICATION_REQUIRED`): the password, or for an account with a second factor its
// authenticator code, a recovery code or a passkey, as the refusal's `methods` say (an account
// with neither, made by a provider sign-in, is told to sign in again). Confirmed, the action
// that asked runs once more; cancelled, it shows why it did not happen.
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { graphql } from "../../gql";
import { StepUpContext, type Reauthenticate } from "../../app/step-up";
import { latest, useAction } from "../../app/use-action";
import { Form, PasswordField, Submit, fieldText } from "../../components/form";
import { PasskeyNote } from "../passkeys/passkey-outcome";
import { answerProblem } from "../passkeys/problems";
import { usePasskeyPrompt } from "../passkeys/webauthn";
import { firstMethod, withCodeFields } from "./second-factor";
import { SecondFactorFields, blankCode, codeInput } from "./second-factor-fields";

const REAUTHENTICATE = graphql(`
  mutation Reauthenticate($input: ReauthenticateInput!) {
    reauthenticate(input: $input) {
      id
      authenticatedAt
      assuranceLevel
      authenticationMethods
    }
  }
`);

const START_PASSKEY_REAUTHENTICATION = graphql(`
  mutation StartPasskeyReauthentication {
    startPasskeyReauthentication {
      ceremonyId
      options
    }
  }
`);

interface Request {
  methods: string[];
  done: (confirmed: boolean) => void;
}

/** Makes the dialog available to every action below it (`useAction`). */
export function StepUpProvider({ children }: { children: ReactNode }) {
  const [request, setRequest] = useState<Request | null>(null);
  const pending = useRef<Request | null>(null);
  const ask = useCallback<Reauthenticate>(
    (methods) =>
      new Promise((resolve) => {
        // One question at a time: an earlier one still open counts as cancelled.
        pending.current?.done(false);
        pending.current = { methods, done: resolve };
        setRequest(pending.current);
      }),
    [],
  );
  function finish(confirmed: boolean) {
    pending.current?.done(confirmed);
    pending.current = null;
    setRequest(null);
  }
  return (
    <StepUpContext value={ask}>
      {children}
      {request && (
        <ReauthenticateDialog
          methods={request.methods}
          onConfirmed={() => finish(true)}
          onCancel={() => finish(false)}
        />
      )}
    </StepUpContext>
  );
}

interface ReauthenticateDialogProps {
  methods: string[];
  onConfirmed: () => void;
  onCancel: () => void;
}

function ReauthenticateDialog({ methods, onConfirmed, onCancel }: ReauthenticateDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const reauthenticate = useAction(REAUTHENTICATE);
  const startPasskey = useAction(START_PASSKEY_REAUTHENTICATION);
  const prompt = usePasskeyPrompt();
  // Which proof the problem shown is about: a wrong code shows beside its field.
  const [withPasskey, setWithPasskey] = useState(false);
  const withPassword = methods.includes("PASSWORD");
  const codes = firstMethod(methods) !== null;
  const passkeys = methods.includes("PASSKEY");
  // An account a provider sign-in made, without a password or second factor, proves itself by
  // signing in again, which this dialog cannot do for it.
  const signInAgain = !withPassword && !codes && !passkeys;
  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);
  async function submit(form: HTMLFormElement) {
    setWithPasskey(false);
    let input;
    if (withPassword) {
      input = { password: fieldText(form, "password") };
    } else {
      input = codeInput(form);
      if (!input) {
        reauthenticate.fail(blankCode());
        return;
      }
    }
    if (await reauthenticate.run({ input })) onConfirmed();
  }
  async function answerWithPasskey() {
    setWithPasskey(true);
    const started = await startPasskey.run({});
    if (!started) return;
    const { ceremonyId, options } = started.startPasskeyReauthentication;
    const answer = await prompt.get(options);
    if (answer.problem) {
      reauthenticate.fail(answer.problem);
      return;
    }
    const input = { passkey: { ceremonyId, credential: answer.credential } };
    if (await reauthenticate.run({ input })) onConfirmed();
  }
  const problem = withPasskey
    ? answerProblem(latest([startPasskey, reauthenticate]).problem)
    : withCodeFields(reauthenticate.problem);
  let ask = "Enter a code of your second factor and it goes ahead.";
  if (withPassword) ask = "Enter your password and it goes ahead.";
  else if (passkeys) {
    ask = codes
      ? "Use a passkey, or enter a code of your second factor, and it goes ahead."
      : "Use your passkey and it goes ahead.";
  }
  return (
    <dialog
      ref={dialog}
      aria-labelledby="reauthenticate-heading"
      onCancel={(event) => {
        // Escape: the dialog closes through the page's state, as Cancel does.
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id="reauthenticate-heading">Confirm it is you</h2>
      {signInAgain ? (
        <>
          <p>
            This change needs a recent sign-in. Sign out, sign in again with your provider, and try
            once more.
          </p>
          <button type="button" onClick={onCancel}>
            Close
          </button>
        </>
      ) : (
        <>
          <p>This change needs a recent proof that it is you. {ask}</p>
          <Form onSubmit={submit}>
            <PasskeyNote problem={problem} />
            {withPassword ? (
              <PasswordField label="Your password" name="password" autoFocus problem={problem} />
            ) : (
              <SecondFactorFields
                methods={methods}
                problem={problem}
                passkey={{
                  use: () => void answerWithPasskey(),
                  busy: startPasskey.busy || prompt.open || (withPasskey && reauthenticate.busy),
                }}
              />
            )}
            {(withPassword || codes) && <Submit busy={reauthenticate.busy}>Confirm</Submit>}
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          </Form>
        </>
      )}
    </dialog>
  );
}
