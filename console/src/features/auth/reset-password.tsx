// Choosing a new password from a mailed link: every device is signed out, and this one is
// signed in afresh, after the second step for an account with a second factor (the new
// password is set either way).
import { useState } from "react";
import { Link, useLocation } from "wouter";
import { graphql, type FragmentType } from "../../gql";
import { useAction } from "../../app/use-action";
import { useSession } from "../../app/use-session";
import { Form, Outcome, Submit, fieldText, PasswordField } from "../../components/form";
import { useLinkToken } from "./mailed-link";
import { SecondStep, type CHALLENGE } from "./second-step";

const RESET = graphql(`
  mutation CompletePasswordReset($token: String!, $newPassword: String!) {
    completePasswordReset(token: $token, newPassword: $newPassword) {
      __typename
      ... on AuthPayload {
        ...Tokens
      }
      ... on SecondFactorRequired {
        ...Challenge
      }
    }
  }
`);

/** Where a completed reset lands: the account page says the password is set. */
const AFTER_RESET = "/account?reset=1";

export function ResetPassword() {
  const token = useLinkToken();
  const session = useSession();
  const [, navigate] = useLocation();
  const reset = useAction(RESET);
  const [challenge, setChallenge] = useState<FragmentType<typeof CHALLENGE> | null>(null);
  async function submit(form: HTMLFormElement) {
    const newPassword = fieldText(form, "newPassword");
    if (newPassword !== fieldText(form, "repeat")) {
      reset.fail({
        code: "BAD_USER_INPUT",
        message: "Please correct the fields marked below.",
        fields: { repeat: ["does not match the password"] },
      });
      return;
    }
    const data = await reset.run({ token, newPassword });
    if (!data) return;
    const result = data.completePasswordReset;
    if (result.__typename === "SecondFactorRequired") setChallenge(result);
    else session.begin(result, AFTER_RESET);
  }
  const problem = reset.problem;
  return (
    <section className="narrow">
      <h1>Choose a new password</h1>
      {challenge ? (
        <SecondStep
          challenge={challenge}
          intro="Your new password is set, and every device was signed out. To sign in here, confirm it is you with your second factor."
          onSignedIn={(payload) => session.begin(payload, AFTER_RESET)}
          onRestart={() => navigate("/sign-in")}
          restartText="Sign in with the new password instead"
        />
      ) : !token ? (
        <p className="problem" role="alert">
          This link has no token. Open the link from the mail again, or{" "}
          <Link href="/forgot-password">ask for a new one</Link>.
        </p>
      ) : (
        <Form onSubmit={submit}>
          <Outcome of={[reset]} />
          {problem?.fields.token && (
            <p className="problem">
              The link {problem.fields.token.join("; ")}.{" "}
              <Link href="/forgot-password">Ask for a new link</Link>
            </p>
          )}
          <PasswordField fresh label="New password" name="newPassword" problem={problem} />
          <PasswordField fresh label="Repeat the new password" name="repeat" problem={problem} />
          <p className="hint">Every device signed in to this account will be signed out.</p>
          <Submit busy={reset.busy}>Set the new password</Submit>
        </Form>
      )}
    </section>
  );
}
