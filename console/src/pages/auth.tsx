// The pages of a signed-out visitor: sign in, register, forgot password, and the two pages
// mailed links open. Those two change nothing until the person confirms on the page, since
// mail scanners open links.
import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { Link, useLocation, useSearch } from "wouter";
import { graphql } from "../gql";
import { problemOf, type Problem } from "../errors";
import { Field, Notice, ProblemNote, Submit } from "../components/ui";
import { useViewer } from "../viewer";

const LOGIN = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      accessToken
      refreshToken
      expiresIn
    }
  }
`);

const REGISTER = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      accessToken
      refreshToken
      expiresIn
    }
  }
`);

const REQUEST_RESET = graphql(`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);

const RESET = graphql(`
  mutation ResetPassword($token: String!, $newPassword: String!) {
    resetPassword(token: $token, newPassword: $newPassword) {
      accessToken
      refreshToken
      expiresIn
    }
  }
`);

const VERIFY = graphql(`
  mutation VerifyEmail($token: String!) {
    verifyEmail(token: $token)
  }
`);

function value(form: HTMLFormElement, name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? "";
}

/** Where to go after signing in: the page that sent the visitor here, if it is one of ours. */
export function returnTo(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/account";
}

export function SignIn() {
  const next = new URLSearchParams(useSearch()).get("next");
  const { session } = useViewer();
  const [, navigate] = useLocation();
  const [state, login] = useMutation(LOGIN);
  const [problem, setProblem] = useState<Problem | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const result = await login({
      input: { login: value(form, "login"), password: value(form, "password") },
    });
    setProblem(problemOf(result.error));
    if (result.data) {
      session.begin(result.data.login);
      navigate(returnTo(next));
    }
  }
  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <form onSubmit={submit} noValidate>
        <ProblemNote problem={problem} />
        <Field
          label="Email or username"
          name="login"
          autoComplete="username"
          required
          problem={problem}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          problem={problem}
        />
        <Submit busy={state.fetching}>Sign in</Submit>
      </form>
      <p>
        <Link href="/forgot-password">Forgot your password?</Link> ·{" "}
        <Link href="/register">Create an account</Link>
      </p>
    </section>
  );
}

export function Register() {
  const { session } = useViewer();
  const [, navigate] = useLocation();
  const [state, register] = useMutation(REGISTER);
  const [problem, setProblem] = useState<Problem | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const optional = (name: string) => value(form, name).trim() || undefined;
    const result = await register({
      input: {
        email: value(form, "email"),
        password: value(form, "password"),
        passwordConfirmation: value(form, "passwordConfirmation"),
        username: optional("username"),
        firstName: optional("firstName"),
        lastName: optional("lastName"),
      },
    });
    setProblem(problemOf(result.error));
    if (result.data) {
      session.begin(result.data.register);
      navigate("/account");
    }
  }
  return (
    <section className="narrow">
      <h1>Create an account</h1>
      <form onSubmit={submit} noValidate>
        <ProblemNote problem={problem} />
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
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          problem={problem}
          hint="At least 8 characters; a phrase of a few unrelated words is strong."
        />
        <Field
          label="Repeat the password"
          name="passwordConfirmation"
          type="password"
          autoComplete="new-password"
          required
          problem={problem}
        />
        <Submit busy={state.fetching}>Create account</Submit>
      </form>
      <p>
        Already have one? <Link href="/sign-in">Sign in</Link>
      </p>
    </section>
  );
}

export function ForgotPassword() {
  const [state, request] = useMutation(REQUEST_RESET);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [sent, setSent] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = await request({ email: value(event.currentTarget, "email") });
    setProblem(problemOf(result.error));
    setSent(Boolean(result.data));
  }
  return (
    <section className="narrow">
      <h1>Forgot your password?</h1>
      {sent ? (
        <Notice>
          If an account has that address, a link to choose a new password is on its way. It works
          for 30 minutes.
        </Notice>
      ) : (
        <form onSubmit={submit} noValidate>
          <ProblemNote problem={problem} />
          <Field
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            required
            problem={problem}
          />
          <Submit busy={state.fetching}>Send me a link</Submit>
        </form>
      )}
      <p>
        <Link href="/sign-in">Back to sign in</Link>
      </p>
    </section>
  );
}

function useToken(): string {
  return new URLSearchParams(useSearch()).get("token") ?? "";
}

export function ResetPassword() {
  const token = useToken();
  const { session } = useViewer();
  const [, navigate] = useLocation();
  const [state, reset] = useMutation(RESET);
  const [problem, setProblem] = useState<Problem | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    if (value(form, "newPassword") !== value(form, "repeat")) {
      setProblem({
        code: "BAD_USER_INPUT",
        message: "Please correct the fields marked below.",
        fields: { repeat: ["does not match the password"] },
      });
      return;
    }
    const result = await reset({ token, newPassword: value(form, "newPassword") });
    setProblem(problemOf(result.error));
    if (result.data) {
      session.begin(result.data.resetPassword);
      navigate("/account?reset=1");
    }
  }
  return (
    <section className="narrow">
      <h1>Choose a new password</h1>
      {!token ? (
        <p className="problem" role="alert">
          This link has no token. Open the link from the mail again, or{" "}
          <Link href="/forgot-password">ask for a new one</Link>.
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <ProblemNote problem={problem} />
          {problem?.fields.token && (
            <p className="problem">
              The link {problem.fields.token.join("; ")}.{" "}
              <Link href="/forgot-password">Ask for a new link</Link>
            </p>
          )}
          <Field
            label="New password"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            required
            problem={problem}
          />
          <Field
            label="Repeat the new password"
            name="repeat"
            type="password"
            autoComplete="new-password"
            required
            problem={problem}
          />
          <p className="hint">Every device signed in to this account will be signed out.</p>
          <Submit busy={state.fetching}>Set the new password</Submit>
        </form>
      )}
    </section>
  );
}

export function VerifyEmail() {
  const token = useToken();
  const { me, refetch } = useViewer();
  const [state, verify] = useMutation(VERIFY);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState(false);
  async function confirm() {
    const result = await verify({ token });
    setProblem(problemOf(result.error));
    if (result.data) {
      setDone(true);
      if (me) refetch();
    }
  }
  return (
    <section className="narrow">
      <h1>Confirm your email address</h1>
      {done ? (
        <Notice>
          Your address is confirmed. <Link href={me ? "/account" : "/sign-in"}>Continue</Link>
        </Notice>
      ) : !token ? (
        <p className="problem" role="alert">
          This link has no token. Open the link from the mail again.
        </p>
      ) : (
        <>
          <ProblemNote problem={problem} />
          {problem?.fields.token?.map((message) => (
            <p key={message} className="problem">
              The link {message}.
            </p>
          ))}
          <p>Press the button to confirm that this address is yours.</p>
          <button type="button" onClick={confirm} disabled={state.fetching}>
            Confirm my address
          </button>
        </>
      )}
    </section>
  );
}
