// Creating an account: signed in at once, with a mail on its way to confirm the address.
import { Link } from "wouter";
import { graphql } from "../../gql";
import { useAction } from "../../app/use-action";
import { useSession } from "../../app/use-session";
import {
  Field,
  Form,
  Outcome,
  Submit,
  fieldText,
  optionalText,
  PasswordField,
} from "../../components/form";

const REGISTER = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      ...Tokens
    }
  }
`);

export function Register() {
  const session = useSession();
  const register = useAction(REGISTER);
  async function submit(form: HTMLFormElement) {
    const data = await register.run({
      input: {
        email: fieldText(form, "email"),
        password: fieldText(form, "password"),
        passwordConfirmation: fieldText(form, "passwordConfirmation"),
        username: optionalText(form, "username"),
        firstName: optionalText(form, "firstName"),
        lastName: optionalText(form, "lastName"),
      },
    });
    if (data) session.begin(data.register, "/account");
  }
  const problem = register.problem;
  return (
    <section className="narrow">
      <h1>Create an account</h1>
      <Form onSubmit={submit}>
        <Outcome of={[register]} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          problem={problem}
        />
        <Field
          label="Username (optional)"
          name="username"
          autoComplete="username"
          problem={problem}
        />
        <Field
          label="First name (optional)"
          name="firstName"
          autoComplete="given-name"
          problem={problem}
        />
        <Field
          label="Last name (optional)"
          name="lastName"
          autoComplete="family-name"
          problem={problem}
        />
        <PasswordField
          fresh
          label="Password"
          name="password"
          problem={problem}
          hint="At least 8 characters; a phrase of a few unrelated words is strong."
        />
        <PasswordField
          fresh
          label="Repeat the password"
          name="passwordConfirmation"
          problem={problem}
        />
        <Submit busy={register.busy}>Create account</Submit>
      </Form>
      <p>
        Already have one? <Link href="/sign-in">Sign in</Link>
      </p>
    </section>
  );
}
