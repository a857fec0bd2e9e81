// Sign-in's second step: the password checked out and the account has a second factor, so
// `verifySecondFactor` finishes the sign-in with the challenge `signIn` (or
// `completePasswordReset`) answered: with a code, or with a passkey (`startPasskeyChallenge`
// for the browser's prompt, then its answer). An expired challenge starts again.
import { useState, type ReactNode } from "react";
import { getFragmentData, graphql, type FragmentType } from "../../gql";
import type { TOKENS } from "../../app/tokens";
import { latest, useAction } from "../../app/use-action";
import { Form, ProblemNote, Submit } from "../../components/form";
import { PasskeyNote } from "../passkeys/passkey-outcome";
import { answerProblem } from "../passkeys/problems";
import { usePasskeyPrompt } from "../passkeys/webauthn";
import { firstMethod, withCodeFields } from "../two-factor/second-factor";
import { SecondFactorFields, blankCode, codeInput } from "../two-factor/second-factor-fields";

export const CHALLENGE = graphql(`
  fragment Challenge on SecondFactorRequired {
    challengeToken
    expiresAt
    methods
  }
`);

const START_PASSKEY_CHALLENGE = graphql(`
  mutation StartPasskeyChallenge($challengeToken: String!) {
    startPasskeyChallenge(challengeToken: $challengeToken) {
      ceremonyId
      options
    }
  }
`);

const VERIFY_SECOND_FACTOR = graphql(`
  mutation VerifySecondFactor($challengeToken: String!, $input: SecondFactorInput!) {
    verifySecondFactor(challengeToken: $challengeToken, input: $input) {
      ...Tokens
    }
  }
`);

interface SecondStepProps {
  challenge: FragmentType<typeof CHALLENGE>;
  /** Said above the field (what happened so far). */
  intro: ReactNode;
  onSignedIn: (payload: FragmentType<typeof TOKENS>) => void;
  /** Back to the first step: the challenge expired, or the visitor wants to. */
  onRestart: () => void;
  restartText: string;
}

export function SecondStep({
  challenge: ref,
  intro,
  onSignedIn,
  onRestart,
  restartText,
}: SecondStepProps) {
  const challenge = getFragmentData(CHALLENGE, ref);
  const { challengeToken } = challenge;
  const startPasskey = useAction(START_PASSKEY_CHALLENGE);
  const verify = useAction(VERIFY_SECOND_FACTOR);
  const prompt = usePasskeyPrompt();
  // Which proof the problem shown is about: a wrong code shows beside its field.
  const [withPasskey, setWithPasskey] = useState(false);
  async function submit(form: HTMLFormElement) {
    setWithPasskey(false);
    const input = codeInput(form);
    if (!input) {
      verify.fail(blankCode());
      return;
    }
    const data = await verify.run({ challengeToken, input });
    if (data) onSignedIn(data.verifySecondFactor);
  }
  async function answerWithPasskey() {
    setWithPasskey(true);
    const started = await startPasskey.run({ challengeToken });
    if (!started) return;
    const { ceremonyId, options } = started.startPasskeyChallenge;
    const answer = await prompt.get(options);
    if (answer.problem) {
      verify.fail(answer.problem);
      return;
    }
    const input = { passkey: { ceremonyId, credential: answer.credential } };
    const data = await verify.run({ challengeToken, input });
    if (data) onSignedIn(data.verifySecondFactor);
  }
  const problem = withPasskey
    ? answerProblem(latest([startPasskey, verify]).problem)
    : withCodeFields(verify.problem);
  const expired = problem?.reason === "CHALLENGE_EXPIRED";
  const codes = firstMethod(challenge.methods) !== null;
  return (
    <>
      <h2>Second step</h2>
      <p>{intro}</p>
      {expired ? (
        <>
          <ProblemNote problem={problem} />
          <button type="button" onClick={onRestart}>
            {restartText}
          </button>
        </>
      ) : (
        <Form onSubmit={submit} aria-label="Second step">
          <PasskeyNote problem={problem} />
          <SecondFactorFields
            methods={challenge.methods}
            problem={problem}
            passkey={{
              use: () => void answerWithPasskey(),
              busy: startPasskey.busy || prompt.open || (withPasskey && verify.busy),
            }}
          />
          {codes && <Submit busy={verify.busy}>Continue</Submit>}
          <button type="button" onClick={onRestart}>
            {restartText}
          </button>
        </Form>
      )}
    </>
  );
}
