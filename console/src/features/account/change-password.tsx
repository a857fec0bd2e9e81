// Changing the password: every other session ends, and this one goes on with a fresh pair.
import { graphql } from "../../gql";
import { tokensOf } from "../../app/tokens";
import { useAction } from "../../app/use-action";
import { useViewer } from "../../app/viewer";
import { Form, Outcome, Submit, fieldText, PasswordField } from "../../components/form";

const CHANGE_PASSWORD = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {
      ...Tokens
    }
  }
`);

export function ChangePassword({ onChanged }: { onChanged: () => void }) {
  const { session } = useViewer();
  const change = useAction(CHANGE_PASSWORD);
  async function submit(form: HTMLFormElement) {
    const data = await change.run(
      {
        currentPassword: fieldText(form, "currentPassword"),
        newPassword: fieldText(form, "newPassword"),
      },
      "Password changed. Your other devices were signed out.",
    );
    if (data) {
      session.start(tokensOf(data.changePassword));
      onChanged();
      form.reset();
    }
  }
  return (
    <section aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <Form onSubmit={submit}>
        <Outcome of={[change]} />
        <PasswordField label="Current password" name="currentPassword" problem={change.problem} />
        <PasswordField fresh label="New password" name="newPassword" problem={change.problem} />
        <Submit busy={change.busy}>Change password</Submit>
      </Form>
    </section>
  );
}
