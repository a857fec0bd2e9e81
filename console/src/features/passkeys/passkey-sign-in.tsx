// The sign-in page's "Sign in with a passkey": without a login name the browser offers every
// passkey it holds for this site (a discoverable one names its account); with the name typed
// above, only that account's. A user-verified passkey is both factors: no second step follows.
import { graphql, type FragmentType } from "../../gql";
import type { TOKENS } from "../../app/tokens";
import { useAction } from "../../app/use-action";
import { PasskeyOutcome } from "./passkey-outcome";
import { signInProblem } from "./problems";
import { usePasskeyPrompt } from "./webauthn";

const START_SIGN_IN = graphql(`
  mutation StartPasskeySignIn($login: String) {
    startPasskeySignIn(login: $login) {
      ceremonyId
      options
    }
  }
`);

const FINISH_SIGN_IN = graphql(`
  mutation FinishPasskeySignIn($ceremonyId: ID!, $credential: JSON!) {
    finishPasskeySignIn(ceremonyId: $ceremonyId, credential: $credential) {
      ...Tokens
    }
  }
`);

interface PasskeySignInProps {
  /** The email or username typed on the page ("" for any passkey this browser holds). */
  login: string;
  onSignedIn: (payload: FragmentType<typeof TOKENS>) => void;
}

export function PasskeySignIn({ login, onSignedIn }: PasskeySignInProps) {
  const start = useAction(START_SIGN_IN);
  const finish = useAction(FINISH_SIGN_IN);
  const prompt = usePasskeyPrompt();
  async function signIn() {
    const started = await start.run({ login: login.trim() || null });
    if (!started) return;
    const { ceremonyId, options } = started.startPasskeySignIn;
    const answer = await prompt.get(options);
    if (answer.problem) {
      finish.fail(answer.problem);
      return;
    }
    const data = await finish.run({ ceremonyId, credential: answer.credential });
    if (data) onSignedIn(data.finishPasskeySignIn);
  }
  const busy = start.busy || prompt.open || finish.busy;
  return (
    <>
      <PasskeyOutcome of={[start, finish]} says={signInProblem} />
      <p>
        <button
          type="button"
          disabled={busy}
          aria-busy={busy || undefined}
          onClick={() => void signIn()}
        >
          Sign in with a passkey
        </button>
      </p>
    </>
  );
}
