// Signing in with an email or username and the password, then, for an account with a second
// factor, its code or passkey (`signIn` answers `SecondFactorRequired` instead of tokens); with
// a passkey alone; or with one of the identity providers an administrator turned on.
import { useState } from "react";
import { Link, useSearch } from "wouter";
import { graphql, type FragmentType } from "../../gql";
import { useAction } from "../../app/use-action";
import { useSession } from "../../app/use-session";
import { Field, Form, Outcome, Submit, fieldText, PasswordField } from "../../components/form";
import { SignInProviders } from "../identity/sign-in-providers";
import { PasskeySignIn } from "../passkeys/passkey-sign-in";
import { returnTo } from "./return-to";
import { SecondStep, type CHALLENGE } from "./second-step";

/** Also the account-link step's: the same sign-in, with the pending identity's `linkToken`. */
export const SIGN_IN = graphql(`
  mutation SignIn($input: LoginInput!) {
    signIn(input: $input) {
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

export function SignIn() {
  const next = new URLSearchParams(useSearch()).get("next");
  const session = useSession();
  const signIn = useAction(SIGN_IN);
  const [challenge, setChallenge] = useState<FragmentType<typeof CHALLENGE> | null>(null);
  // Kept for starting again after the second step (only the password is asked anew), and for
  // a passkey sign-in, which offers that account's passkeys.
  const [login, setLogin] = useState("");
  async function submit(form: HTMLFormElement) {
    const input = { login, password: fieldText(form, "password") };
    const data = await signIn.run({ input });
    if (!data) return;
    if (data.signIn.__typename === "SecondFactorRequired") setChallenge(data.signIn);
    else session.begin(data.signIn, returnTo(next));
  }
  return (
    <section className="narrow">
      <h1>Sign in</h1>
      {challenge ? (
        <SecondStep
          challenge={challenge}
          intro="Your password is right. Now confirm it is you with your second factor."
          onSignedIn={(payload) => session.begin(payload, returnTo(next))}
          onRestart={() => setChallenge(null)}
          restartText="Start again"
        />
      ) : (
        <>
          <Form onSubmit={submit}>
            <Outcome of={[signIn]} />
            <Field
              label="Email or username"
              name="login"
              autoComplete="username"
              value={login}
              onChange={(event) => setLogin(event.target.value)}
              required
              problem={signIn.problem}
            />
            <PasswordField label="Password" name="password" problem={signIn.problem} />
            <Submit busy={signIn.busy}>Sign in</Submit>
          </Form>
          <PasskeySignIn
            login={login}
            onSignedIn={(payload) => session.begin(payload, returnTo(next))}
          />
          <p>
            <Link href="/forgot-password">Forgot your password?</Link> ·{" "}
            <Link href="/register">Create an account</Link>
          </p>
          <SignInProviders next={returnTo(next)} />
        </>
      )}
    </section>
  );
}
