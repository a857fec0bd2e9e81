// The account holder's own pages: profile, password, sessions, recent activity, deletion.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { useLocation, useSearch } from "wouter";
import { graphql } from "../gql";
import { problemOf, type Problem } from "../errors";
import { Field, Notice, ProblemNote, Submit, when } from "../components/ui";
import { useViewer, type Me } from "../viewer";

const UPDATE_PROFILE = graphql(`
  mutation UpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      id
      email
      emailVerified
      username
      firstName
      lastName
      fullName
      phoneNumber
      address
      company
      designation
    }
  }
`);

const CHANGE_PASSWORD = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {
      accessToken
      refreshToken
      expiresIn
    }
  }
`);

const SEND_VERIFICATION = graphql(`
  mutation SendVerificationEmail {
    sendVerificationEmail
  }
`);

const SESSIONS = graphql(`
  query MySessions {
    mySessions {
      id
      createdAt
      lastUsedAt
      expiresAt
      userAgent
      ipAddress
      current
    }
  }
`);

const REVOKE = graphql(`
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`);

const LOGOUT = graphql(`
  mutation Logout($allSessions: Boolean) {
    logout(allSessions: $allSessions)
  }
`);

const ACTIVITY = graphql(`
  query MyActivity($after: String) {
    myAuditEvents(first: 20, after: $after) {
      nodes {
        id
        occurredAt
        action
        ipAddress
        userAgent
        details
        actor {
          email
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const DELETE_ACCOUNT = graphql(`
  mutation DeleteAccount($password: String!) {
    deleteAccount(password: $password)
  }
`);

const PROFILE_FIELDS = [
  ["email", "Email", "email"],
  ["username", "Username", "username"],
  ["firstName", "First name", "given-name"],
  ["lastName", "Last name", "family-name"],
  ["phoneNumber", "Phone number", "tel"],
  ["company", "Company", "organization"],
  ["designation", "Designation", "organization-title"],
  ["address", "Address", "street-address"],
] as const;

export function Account() {
  const { me } = useViewer();
  const reset = new URLSearchParams(useSearch()).has("reset");
  const [passwordChanges, setPasswordChanges] = useState(0);
  if (!me) return null;
  return (
    <>
      <h1>Your account</h1>
      {reset && <Notice>Your new password is set, and every other device was signed out.</Notice>}
      <Profile me={me} />
      <ChangePassword onChanged={() => setPasswordChanges((n) => n + 1)} />
      {/* A password change ends the other sessions: list them anew. */}
      <Sessions key={passwordChanges} />
      <Activity />
      <DeleteAccount />
    </>
  );
}

function Profile({ me }: { me: Me }) {
  const { refetch } = useViewer();
  const [state, update] = useMutation(UPDATE_PROFILE);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState(false);
  const [verification, sendVerification] = useMutation(SEND_VERIFICATION);
  const [verificationNote, setVerificationNote] = useState<string | null>(null);
  // A new address is a credential change: the API asks for the current password with it.
  const [emailDraft, setEmailDraft] = useState(me.email);
  const emailChanges = emailDraft.trim().toLowerCase() !== me.email;
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const input: Record<string, string> = {};
    for (const [name] of PROFILE_FIELDS) input[name] = String(data.get(name) ?? "");
    if (emailChanges) input.currentPassword = String(data.get("currentPassword") ?? "");
    const result = await update({ input });
    setProblem(problemOf(result.error));
    setSaved(Boolean(result.data));
    if (result.data) refetch();
  }
  async function resend() {
    const result = await sendVerification({});
    const problem = problemOf(result.error);
    setVerificationNote(
      problem
        ? problem.message
        : result.data?.sendVerificationEmail
          ? "A new link is on its way."
          : "Your address is already confirmed.",
    );
  }
  return (
    <section aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      {!me.emailVerified && (
        <p className="notice">
          Your email address is not confirmed yet.{" "}
          <button type="button" className="link" onClick={resend} disabled={verification.fetching}>
            Send the link again
          </button>
          {verificationNote && <span role="status"> {verificationNote}</span>}
        </p>
      )}
      <form onSubmit={submit} noValidate key={me.email + (me.username ?? "")}>
        <ProblemNote problem={problem} />
        {saved && !problem && <Notice>Saved.</Notice>}
        <div className="grid">
          {PROFILE_FIELDS.map(([name, label, autoComplete]) => (
            <Field
              key={name}
              label={label}
              name={name}
              autoComplete={autoComplete}
              defaultValue={me[name] ?? ""}
              problem={problem}
              multiline={name === "address"}
              onChange={
                name === "email" ? (event) => setEmailDraft(event.currentTarget.value) : undefined
              }
            />
          ))}
          {emailChanges && (
            <Field
              label="Current password"
              name="currentPassword"
              type="password"
              autoComplete="current-password"
              hint="Needed to change your email address."
              required
              problem={problem}
            />
          )}
        </div>
        <Submit busy={state.fetching}>Save profile</Submit>
      </form>
    </section>
  );
}

function ChangePassword({ onChanged }: { onChanged: () => void }) {
  const { session } = useViewer();
  const [state, change] = useMutation(CHANGE_PASSWORD);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const result = await change({
      currentPassword: String(data.get("currentPassword")),
      newPassword: String(data.get("newPassword")),
    });
    setProblem(problemOf(result.error));
    if (result.data) {
      // Every session ended; this one continues with the fresh pair.
      session.start(result.data.changePassword);
      setDone(true);
      onChanged();
      form.reset();
    }
  }
  return (
    <section aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <form onSubmit={submit} noValidate>
        <ProblemNote problem={problem} />
        {done && !problem && <Notice>Password changed. Your other devices were signed out.</Notice>}
        <Field
          label="Current password"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          problem={problem}
        />
        <Field
          label="New password"
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          problem={problem}
        />
        <Submit busy={state.fetching}>Change password</Submit>
      </form>
    </section>
  );
}

function Sessions() {
  const { session } = useViewer();
  const [, navigate] = useLocation();
  const [sessions, refetch] = useQuery({ query: SESSIONS, requestPolicy: "network-only" });
  const [, revoke] = useMutation(REVOKE);
  const [, logout] = useMutation(LOGOUT);
  const [problem, setProblem] = useState<Problem | null>(null);
  async function end(id: string) {
    const result = await revoke({ id });
    setProblem(problemOf(result.error));
    refetch({ requestPolicy: "network-only" });
  }
  async function everywhere() {
    const result = await logout({ allSessions: true });
    setProblem(problemOf(result.error));
    if (!result.error) {
      session.end();
      navigate("/sign-in");
    }
  }
  return (
    <section aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Where you are signed in</h2>
      <ProblemNote problem={problem ?? problemOf(sessions.error)} />
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Address</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.data?.mySessions.map((s) => (
              <tr key={s.id}>
                <td>{s.userAgent ?? "unknown"}</td>
                <td>{s.ipAddress ?? "unknown"}</td>
                <td>{when(s.lastUsedAt)}</td>
                <td>
                  {s.current ? (
                    <strong>This device</strong>
                  ) : (
                    <button
                      type="button"
                      onClick={() => end(s.id)}
                      aria-label={`Sign out the session from ${s.userAgent ?? "an unknown device"}, last used ${when(s.lastUsedAt)}`}
                    >
                      Sign out
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" onClick={everywhere}>
        Sign out everywhere
      </button>
    </section>
  );
}

/** An event's action, for people. */
export function actionText(action: string): string {
  return action.charAt(0) + action.slice(1).toLowerCase().replaceAll("_", " ");
}

function Activity() {
  const [after, setAfter] = useState<string | null>(null);
  const [activity] = useQuery({
    query: ACTIVITY,
    variables: { after },
    requestPolicy: "cache-and-network",
  });
  const page = activity.data?.myAuditEvents;
  return (
    <section aria-labelledby="activity-heading">
      <h2 id="activity-heading">Recent activity</h2>
      <ProblemNote problem={problemOf(activity.error)} />
      <ul className="events">
        {page?.nodes.map((event) => (
          <li key={event.id}>
            <strong>{actionText(event.action)}</strong> · {when(event.occurredAt)}
            {event.ipAddress && <> · from {event.ipAddress}</>}
            {event.actor && event.actor.email && <> · by {event.actor.email}</>}
          </li>
        ))}
      </ul>
      {after && (
        <button type="button" onClick={() => setAfter(null)}>
          Newest
        </button>
      )}
      {page?.pageInfo.hasNextPage && (
        <button type="button" onClick={() => setAfter(page.pageInfo.endCursor ?? null)}>
          Older
        </button>
      )}
    </section>
  );
}

function DeleteAccount() {
  const { session } = useViewer();
  const [, navigate] = useLocation();
  const [state, remove] = useMutation(DELETE_ACCOUNT);
  const [problem, setProblem] = useState<Problem | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = await remove({
      password: String(new FormData(event.currentTarget).get("password")),
    });
    setProblem(problemOf(result.error));
    if (result.data?.deleteAccount) {
      session.end();
      navigate("/sign-in");
    }
  }
  return (
    <section aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete your account</h2>
      <p>
        You will be signed out everywhere and cannot sign in again. An administrator can restore the
        account.
      </p>
      <form onSubmit={submit} noValidate>
        <ProblemNote problem={problem} />
        <Field
          label="Your password, to confirm"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          problem={problem}
        />
        <Submit busy={state.fetching}>Delete my account</Submit>
      </form>
    </section>
  );
}
