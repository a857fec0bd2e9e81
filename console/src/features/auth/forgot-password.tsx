// Asking for a link to choose a new password. The answer is the same whether or not an
// account has the address, so the page cannot be used to find out who has one.
import { Link } from "wouter";
import { graphql } from "../../gql";
import { useAction } from "../../app/use-action";
import { Field, Form, Notice, Outcome, Submit, fieldText } from "../../components/form";

const REQUEST_RESET = graphql(`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);

export function ForgotPassword() {
  const request = useAction(REQUEST_RESET);
  return (
    <section className="narrow">
      <h1>Forgot your password?</h1>
      {request.notice ? (
        <Notice>{request.notice}</Notice>
      ) : (
        <Form
          onSubmit={(form) =>
            request.run(
              { email: fieldText(form, "email") },
              "If an account has that address, a link to choose a new password is on its way. It works for 30 minutes.",
            )
          }
        >
          <Outcome of={[request]} />
          <Field
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            required
            problem={request.problem}
          />
          <Submit busy={request.busy}>Send me a link</Submit>
        </Form>
      )}
      <p>
        <Link href="/sign-in">Back to sign in</Link>
      </p>
    </section>
  );
}
