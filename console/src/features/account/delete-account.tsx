// Deleting one's own account, confirmed with the password: signed out everywhere at once. An
// account a provider sign-in made has none: a recent sign-in confirms it instead (the server
// answers REAUTHENTICATION_REQUIRED when the sign-in is too old, which the page shows).
import { graphql } from "../../gql";
import { useAction } from "../../app/use-action";
import { useSession } from "../../app/use-session";
import { Form, Outcome, Submit, fieldText, PasswordField } from "../../components/form";

const DELETE_ACCOUNT = graphql(`
  mutation DeleteAccount($password: String!) {
    deleteAccount(password: $password)
  }
`);

export function DeleteAccount({ hasPassword }: { hasPassword: boolean }) {
  const session = useSession();
  const remove = useAction(DELETE_ACCOUNT);
  async function submit(form: HTMLFormElement) {
    const data = await remove.run({ password: hasPassword ? fieldText(form, "password") : "" });
    if (data?.deleteAccount) session.end();
  }
  return (
    <section aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete your account</h2>
      <p>
        You will be signed out everywhere and cannot sign in again. An administrator can restore the
        account.
      </p>
      {hasPassword ? (
        <Form onSubmit={submit}>
          <Outcome of={[remove]} />
          <PasswordField
            label="Your password, to confirm"
            name="password"
            problem={remove.problem}
          />
          <Submit busy={remove.busy}>Delete my account</Submit>
        </Form>
      ) : (
        <Form onSubmit={submit}>
          <Outcome of={[remove]} />
          <p className="hint">
            Your account has no password: a sign-in within the last few minutes confirms it is you.
            If it is older, sign out and sign in again with your provider first.
          </p>
          <Submit busy={remove.busy}>Delete my account</Submit>
        </Form>
      )}
    </section>
  );
}
