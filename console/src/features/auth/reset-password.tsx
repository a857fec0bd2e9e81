// Choosing a new password from a mailed link: every device is signed out, and this one is
// signed in afresh.
import { Link } from "wouter";
import { graphql } from "../../gql";
import { useAction } from "../../app/use-action";
import { useSession } from "../../app/use-session";
import { Form, Outcome, Submit, fieldText, PasswordField } from "../../components/form";
import { useLinkToken } from "./mailed-link";

const RESET = graphql(`
  mutation ResetPassword($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) {
      ...Tokens
    }
  }
`);

export function ResetPassword() {
  const token = useLinkToken();
  const session = useSession();
  const reset = useAction(RESET);
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
    if (data) session.begin(data.resetPassword, "/account?reset=1");
  }
  const problem = reset.problem;
  return (
    <section className="narrow">
      <h1>Choose a new password</h1>
      {!token ? (
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
