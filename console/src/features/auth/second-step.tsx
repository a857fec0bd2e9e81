// Sign-in's second step: the password checked out and the account has a second factor, so
// `verifySecondFactor` finishes the sign-in with the challenge `signIn` (or
// `completePasswordReset`) answered. An expired challenge starts again.
import type { ReactNode } from "react";
import { getFragmentData, graphql, type FragmentType } from "../../gql";
import type { TOKENS } from "../../app/tokens";
import { useAction } from "../../app/use-action";
import { Form, ProblemNote, Submit } from "../../components/form";
import { withCodeFields } from "../two-factor/second-factor";
import { SecondFactorFields, blankCode, codeInput } from "../two-factor/second-factor-fields";

export const CHALLENGE = graphql(`
  fragment Challenge on SecondFactorRequired {
    challengeToken
    expiresAt
    methods
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
  const verify = useAction(VERIFY_SECOND_FACTOR);
  async function submit(form: HTMLFormElement) {
    const input = codeInput(form);
    if (!input) {
      verify.fail(blankCode());
      return;
    }
    const data = await verify.run({ challengeToken: challenge.challengeToken, input });
    if (data) onSignedIn(data.verifySecondFactor);
  }
  const problem = withCodeFields(verify.problem);
  const expired = problem?.reason === "CHALLENGE_EXPIRED";
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
          <ProblemNote problem={problem} />
          <SecondFactorFields methods={challenge.methods} problem={problem} />
          <Submit busy={verify.busy}>Continue</Submit>
          <button type="button" onClick={onRestart}>
            {restartText}
          </button>
        </Form>
      )}
    </>
  );
}
