// One account, as an administrator sees and changes it.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery, type AnyVariables, type TypedDocumentNode } from "urql";
import { useLocation } from "wouter";
import { graphql } from "../gql";
import { problemOf, type Problem } from "../errors";
import { Field, Forbidden, Notice, ProblemNote, Submit, when } from "../components/ui";
import { allowed, useViewer } from "../viewer";
import { actionText } from "./account";

const USER = graphql(`
  query UserDetail($id: ID!) {
    user(id: $id) {
      id
      email
      emailVerified
      username
      firstName
      lastName
      phoneNumber
      company
      designation
      address
      role
      isActive
      isDeleted
      deletedAt
      lastLoginAt
      createdAt
      groups {
        id
        name
      }
      directPermissions {
        id
        codename
      }
    }
  }
`);

const CHOICES = graphql(`
  query UserChoices($groups: Boolean!, $permissions: Boolean!) {
    groups(first: 100) @include(if: $groups) {
      nodes {
        id
        name
      }
    }
    permissions @include(if: $permissions) {
      id
      codename
      name
    }
  }
`);

const USER_EVENTS = graphql(`
  query UserEvents($userId: ID!) {
    auditEvents(first: 10, filter: { userId: $userId }) {
      nodes {
        id
        occurredAt
        action
        details
        actor {
          email
        }
      }
    }
  }
`);

const UPDATE_USER = graphql(`
  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {
    updateUser(id: $id, input: $input) {
      id
    }
  }
`);
const SET_ROLE = graphql(`
  mutation SetUserRole($id: ID!, $role: Role!) {
    setUserRole(id: $id, role: $role) {
      id
    }
  }
`);
const SET_ACTIVE = graphql(`
  mutation SetUserActive($id: ID!, $active: Boolean!) {
    setUserActive(id: $id, active: $active) {
      id
    }
  }
`);
const CLEAR_LOGIN_THROTTLE = graphql(`
  mutation ClearLoginThrottle($userId: ID!) {
    clearLoginThrottle(userId: $userId)
  }
`);
const SET_GROUPS = graphql(`
  mutation SetUserGroups($userId: ID!, $groupIds: [ID!]!) {
    setUserGroups(userId: $userId, groupIds: $groupIds) {
      id
    }
  }
`);
const SET_PERMISSIONS = graphql(`
  mutation SetUserPermissions($userId: ID!, $permissionIds: [ID!]!) {
    setUserPermissions(userId: $userId, permissionIds: $permissionIds) {
      id
    }
  }
`);
const DELETE_USER = graphql(`
  mutation DeleteUser($id: ID!, $permanent: Boolean) {
    deleteUser(id: $id, permanent: $permanent)
  }
`);
const RESTORE_USER = graphql(`
  mutation RestoreUser($id: ID!) {
    restoreUser(id: $id) {
      id
    }
  }
`);

const EDIT_FIELDS = [
  ["email", "Email"],
  ["username", "Username"],
  ["firstName", "First name"],
  ["lastName", "Last name"],
  ["phoneNumber", "Phone number"],
  ["company", "Company"],
  ["designation", "Designation"],
  ["address", "Address"],
] as const;

/** A mutation whose outcome is shown as one problem or one notice, then the page reloads. */
function useAction<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  done: () => void,
) {
  const [state, run] = useMutation(document);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [at, setAt] = useState(0);
  async function act(variables: Variables, success: string | ((data: Data) => string)) {
    setAt(Date.now());
    const result = await run(variables);
    setProblem(problemOf(result.error));
    const said =
      typeof success === "function" && result.data ? success(result.data) : String(success);
    setNotice(result.error ? null : said);
    if (!result.error) done();
    return !result.error;
  }
  return { busy: state.fetching, problem, notice, act, at };
}

export function UserPage({ id }: { id: string }) {
  const { me } = useViewer();
  const [, navigate] = useLocation();
  const [result, refetch] = useQuery({
    query: USER,
    variables: { id },
    pause: !allowed(me, "users.view"),
  });
  const reload = () => refetch({ requestPolicy: "network-only" });
  const [choices] = useQuery({
    query: CHOICES,
    variables: { groups: allowed(me, "groups.view"), permissions: Boolean(me?.isAdmin) },
    pause: !allowed(me, "users.view"),
  });
  const [events] = useQuery({
    query: USER_EVENTS,
    variables: { userId: id },
    pause: !allowed(me, "audit.view"),
    requestPolicy: "cache-and-network",
  });
  const edit = useAction(UPDATE_USER, reload);
  const role = useAction(SET_ROLE, reload);
  const active = useAction(SET_ACTIVE, reload);
  const groups = useAction(SET_GROUPS, reload);
  const permissions = useAction(SET_PERMISSIONS, reload);
  const remove = useAction(DELETE_USER, reload);
  const restore = useAction(RESTORE_USER, reload);
  const unlock = useAction(CLEAR_LOGIN_THROTTLE, reload);
  if (!allowed(me, "users.view")) return <Forbidden />;
  const user = result.data?.user;
  if (result.error) {
    const problem = problemOf(result.error);
    return problem?.fields.id ? (
      <p className="problem">No such user: the id {problem.fields.id.join("; ")}.</p>
    ) : (
      <ProblemNote problem={problem} />
    );
  }
  if (!user) return <p>{result.fetching ? "Loading…" : "No such user."}</p>;
  const canUpdate = allowed(me, "users.update");
  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const input: Record<string, string> = {};
    for (const [name] of EDIT_FIELDS) {
      const value = data.get(name);
      // A disabled field (one's own email) is not sent: it stays as it is.
      if (value !== null) input[name] = String(value);
    }
    await edit.act({ id, input }, "Saved.");
  }
  function checked(form: HTMLFormElement, name: string): string[] {
    return [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map(
      (input) => input.value,
    );
  }
  return (
    <>
      <h1>{user.email}</h1>
      <p>
        {user.role} ·{" "}
        {user.isDeleted
          ? `Deleted ${when(user.deletedAt)}`
          : user.isActive
            ? "Active"
            : "Deactivated"}{" "}
        · joined {when(user.createdAt)} · last sign-in {when(user.lastLoginAt)} · email{" "}
        {user.emailVerified ? "confirmed" : "not confirmed"}
      </p>

      <section aria-labelledby="edit-heading">
        <h2 id="edit-heading">Profile</h2>
        <form onSubmit={save} noValidate key={`${user.email}${user.username}`}>
          <ProblemNote problem={edit.problem} />
          {edit.notice && <Notice>{edit.notice}</Notice>}
          <div className="grid">
            {EDIT_FIELDS.map(([name, label]) => {
              // One's own address changes on the account page, with the current password.
              const own = name === "email" && user.id === me?.id;
              return (
                <Field
                  key={name}
                  label={label}
                  name={name}
                  defaultValue={user[name] ?? ""}
                  problem={edit.problem}
                  disabled={!canUpdate || own}
                  hint={own ? "Change your own address on your account page." : undefined}
                  multiline={name === "address"}
                />
              );
            })}
          </div>
          {canUpdate && <Submit busy={edit.busy}>Save</Submit>}
        </form>
      </section>

      <section aria-labelledby="access-heading">
        <h2 id="access-heading">Access</h2>
        {/* What the last of these buttons did, only. */}
        {(() => {
          const last = [role, active, remove, restore, unlock].reduce((a, b) =>
            b.at > a.at ? b : a,
          );
          return last.at > 0 ? (
            <>
              <ProblemNote problem={last.problem} />
              {last.notice && <Notice>{last.notice}</Notice>}
            </>
          ) : null;
        })()}
        <div className="actions">
          {me?.isAdmin && (
            <button
              type="button"
              disabled={role.busy}
              onClick={() => {
                const to = user.role === "ADMIN" ? "USER" : "ADMIN";
                const self = user.id === me?.id ? " You will lose administration at once." : "";
                if (
                  window.confirm(
                    `Make ${user.email} ${to === "ADMIN" ? "an admin" : "a user"}?${to === "USER" ? self : ""}`,
                  )
                ) {
                  role.act({ id, role: to }, to === "ADMIN" ? "Now an admin." : "Now a user.");
                }
              }}
            >
              {user.role === "ADMIN" ? "Make user" : "Make admin"}
            </button>
          )}
          {canUpdate && (
            <button
              type="button"
              disabled={active.busy}
              onClick={() => {
                if (user.isActive) {
                  const self =
                    user.id === me?.id
                      ? " This is your own account: you will be signed out and cannot sign in again."
                      : "";
                  if (
                    !window.confirm(`Deactivate ${user.email}? Their sessions end at once.${self}`)
                  )
                    return;
                }
                active.act(
                  { id, active: !user.isActive },
                  user.isActive ? "Deactivated; their sessions ended." : "Activated.",
                );
              }}
            >
              {user.isActive ? "Deactivate" : "Activate"}
            </button>
          )}
          {me?.isAdmin && (
            <button
              type="button"
              disabled={unlock.busy}
              onClick={() =>
                unlock.act({ userId: id }, (data) =>
                  data.clearLoginThrottle
                    ? "Failed sign-ins forgotten: any lockout is over."
                    : "There were no failed sign-ins to forget.",
                )
              }
            >
              Clear failed sign-ins
            </button>
          )}
          {allowed(me, "users.delete") &&
            (user.isDeleted ? (
              <button
                type="button"
                disabled={restore.busy}
                onClick={() => restore.act({ id }, "Restored.")}
              >
                Restore
              </button>
            ) : (
              <button
                type="button"
                disabled={remove.busy}
                onClick={() => remove.act({ id, permanent: false }, "Deleted; it can be restored.")}
              >
                Delete
              </button>
            ))}
          {allowed(me, "users.delete") && (
            <button
              type="button"
              className="danger"
              onClick={async () => {
                if (
                  window.confirm(`Delete ${user.email} for good? This cannot be undone.`) &&
                  (await remove.act({ id, permanent: true }, "Deleted for good."))
                ) {
                  navigate("/admin/users");
                }
              }}
            >
              Delete for good
            </button>
          )}
        </div>
      </section>

      {choices.data?.groups && (
        <section aria-labelledby="groups-heading">
          <h2 id="groups-heading">Groups</h2>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              groups.act(
                { userId: id, groupIds: checked(event.currentTarget, "group") },
                "Groups saved.",
              );
            }}
            key={user.groups.map((g) => g.id).join()}
          >
            <ProblemNote problem={groups.problem} />
            {groups.notice && <Notice>{groups.notice}</Notice>}
            <fieldset>
              <legend>Member of</legend>
              {choices.data.groups.nodes.length === 0 && (
                <p className="hint">There are no groups yet.</p>
              )}
              {choices.data.groups.nodes.map((group) => (
                <label key={group.id} className="check">
                  <input
                    type="checkbox"
                    name="group"
                    value={group.id}
                    defaultChecked={user.groups.some((g) => g.id === group.id)}
                    disabled={!allowed(me, "groups.manage")}
                  />{" "}
                  {group.name}
                </label>
              ))}
            </fieldset>
            {allowed(me, "groups.manage") && <Submit busy={groups.busy}>Save groups</Submit>}
          </form>
        </section>
      )}

      {me?.isAdmin && choices.data?.permissions && (
        <section aria-labelledby="permissions-heading">
          <h2 id="permissions-heading">Direct permissions</h2>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              permissions.act(
                { userId: id, permissionIds: checked(event.currentTarget, "permission") },
                "Permissions saved.",
              );
            }}
            key={(user.directPermissions ?? []).map((p) => p.id).join()}
          >
            <ProblemNote problem={permissions.problem} />
            {permissions.notice && <Notice>{permissions.notice}</Notice>}
            <fieldset>
              <legend>Held directly (groups grant more)</legend>
              {choices.data.permissions.map((permission) => (
                <label key={permission.id} className="check">
                  <input
                    type="checkbox"
                    name="permission"
                    value={permission.id}
                    defaultChecked={(user.directPermissions ?? []).some(
                      (p) => p.id === permission.id,
                    )}
                  />{" "}
                  <code>{permission.codename}</code> {permission.name}
                </label>
              ))}
            </fieldset>
            <Submit busy={permissions.busy}>Save permissions</Submit>
          </form>
        </section>
      )}

      {events.data && (
        <section aria-labelledby="user-events-heading">
          <h2 id="user-events-heading">Recent events</h2>
          <ul className="events">
            {events.data.auditEvents.nodes.map((event) => (
              <li key={event.id}>
                <strong>{actionText(event.action)}</strong> · {when(event.occurredAt)}
                {event.actor && <> · by {event.actor.email}</>}
                {event.details && <code className="details">{event.details}</code>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
