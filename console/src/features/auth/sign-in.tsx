// Signing in with an email or username and the password.
import { Link, useSearch } from "wouter";
import { graphql } from "../../gql";
import { useAction } from "../../app/use-action";
import { useSession } from "../../app/use-session";
import { Field, Form, Outcome, Submit, fieldText, PasswordField } from "../../components/form";
import { returnTo } from "./return-to";

const LOGIN = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      ...Tokens
    }
  }
`);

export function SignIn() {
  const next = new URLSearchParams(useSearch()).get("next");
  const session = useSession();
  const login = useAction(LOGIN);
  async function submit(form: HTMLFormElement) {
    const input = { login: fieldText(form, "login"), password: fieldText(form, "password") };
    const data = await login.run({ input });
    if (data) session.begin(data.login, returnTo(next));
  }
  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <Form onSubmit={submit}>
        <Outcome of={[login]} />
        <Field
          label="Email or username"
          name="login"
          autoComplete="username"
          required
          problem={login.problem}
        />
        <PasswordField label="Password" name="password" problem={login.problem} />
        <Submit busy={login.busy}>Sign in</Submit>
      </Form>
      <p>
        <Link href="/forgot-password">Forgot your password?</Link> ·{" "}
        <Link href="/register">Create an account</Link>
      </p>
    </section>
  );
}
