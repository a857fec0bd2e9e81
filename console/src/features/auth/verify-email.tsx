// Confirming an email address from a mailed link, signed in or not.
import { Link } from "wouter";
import { graphql } from "../../gql";
import { useAction } from "../../app/use-action";
import { useViewer } from "../../app/viewer";
import { Notice, Outcome } from "../../components/form";
import { useLinkToken } from "./mailed-link";

const VERIFY = graphql(`
  mutation VerifyEmail($token: String!) {
    verifyEmail(token: $token)
  }
`);

export function VerifyEmail() {
  const token = useLinkToken();
  const { me, refetch } = useViewer();
  // Signed in: `me` says the address is confirmed now.
  const verify = useAction(VERIFY, { onSuccess: () => me && refetch() });
  return (
    <section className="narrow">
      <h1>Confirm your email address</h1>
      {verify.notice ? (
        <Notice>
          {verify.notice} <Link href={me ? "/account" : "/sign-in"}>Continue</Link>
        </Notice>
      ) : !token ? (
        <p className="problem" role="alert">
          This link has no token. Open the link from the mail again.
        </p>
      ) : (
        <>
          <Outcome of={[verify]} />
          {verify.problem?.fields.token?.map((message) => (
            <p key={message} className="problem">
              The link {message}.
            </p>
          ))}
          <p>Press the button to confirm that this address is yours.</p>
          <button
            type="button"
            onClick={() => void verify.run({ token }, "Your address is confirmed.")}
            disabled={verify.busy}
          >
            Confirm my address
          </button>
        </>
      )}
    </section>
  );
}
