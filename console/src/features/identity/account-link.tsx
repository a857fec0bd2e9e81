// The account-link step: a provider vouched for an email address that an account here already
// has, so the identity is linked only once that account's password (and second factor, if
// any) proves it is yours: `signIn` with the `linkToken`, which links inside the sign-in.
import { useState } from "react";
import { Link } from "wouter";
import { getFragmentData, graphql, type FragmentType } from "../../gql";
import { useAction } from "../../app/use-action";
import { useSession } from "../../app/use-session";
import { Form, Outcome, PasswordField, Submit, fieldText } from "../../components/form";
import { SIGN_IN } from "../auth/sign-in";
import { SecondStep, type CHALLENGE } from "../auth/second-step";
import { linkedPage } from "./flow";

export const LINK_REQUIRED = graphql(`
  fragment LinkRequired on AccountLinkRequired {
    linkToken
    email
    expiresAt
    provider {
      slug
      displayName
    }
  }
`);

export function AccountLink({ required }: { required: FragmentType<typeof LINK_REQUIRED> }) {
  const link = getFragmentData(LINK_REQUIRED, required);
  const session = useSession();
  const signIn = useAction(SIGN_IN);
  const [challenge, setChallenge] = useState<FragmentType<typeof CHALLENGE> | null>(null);
  const done = linkedPage(link.provider.slug);
  async function submit(form: HTMLFormElement) {
    const data = await signIn.run({
      input: {
        login: link.email,
        password: fieldText(form, "password"),
        linkToken: link.linkToken,
      },
    });
    if (!data) return;
    if (data.signIn.__typename === "SecondFactorRequired") setChallenge(data.signIn);
    else session.begin(data.signIn, done);
  }
  if (challenge) {
    return (
      <SecondStep
        challenge={challenge}
        intro={`Your password is right. Confirm it is you with your second factor, and ${link.provider.displayName} is linked.`}
        onSignedIn={(payload) => session.begin(payload, done)}
        onRestart={() => setChallenge(null)}
        restartText="Start again"
      />
    );
  }
  const expired = signIn.problem?.fields.linkToken;
  return (
    <>
      <h2>Link your account</h2>
      <p>
        An account with {link.email} already exists. Sign in with its password to link{" "}
        {link.provider.displayName}.
      </p>
      {expired ? (
        <>
          <p className="problem" role="alert">
            This link request has expired or was used already.
          </p>
          <p>
            <Link href="/sign-in">Start again</Link>
          </p>
        </>
      ) : (
        <Form onSubmit={submit} aria-label="Link your account">
          <Outcome of={[signIn]} />
          {/* For the password manager: the account the password belongs to. */}
          <input type="hidden" name="username" autoComplete="username" value={link.email} />
          <PasswordField label="Password" name="password" autoFocus problem={signIn.problem} />
          <Submit busy={signIn.busy}>Sign in and link</Submit>
        </Form>
      )}
      <p>
        <Link href="/forgot-password">Forgot your password?</Link> ·{" "}
        <Link href="/sign-in">Cancel</Link>
      </p>
    </>
  );
}
