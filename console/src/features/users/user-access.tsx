// Whether and how a user may sign in: role, activation, the failed sign-ins that lock them
// out, their second factor (an ADMIN resets it for someone who lost it), deletion and
// restoring. What cannot be taken back is confirmed first; the section shows
// what the last of its buttons did.
import { useLocation } from "wouter";
import { getFragmentData, graphql, type FragmentType } from "../../gql";
import { PERMISSIONS } from "../../app/permissions";
import { useAction } from "../../app/use-action";
import { allowed, useViewer } from "../../app/viewer";
import { Outcome } from "../../components/form";

const USER_ACCESS = graphql(`
  fragment UserAccess on User {
    id
    email
    role
    isActive
    isDeleted
    mfaEnabled
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
const RESET_MFA = graphql(`
  mutation ResetUserMfa($userId: ID!) {
    resetUserMfa(userId: $userId) {
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

interface UserAccessProps {
  user: FragmentType<typeof USER_ACCESS>;
  onChanged: () => void;
}

export function UserAccess({ user: ref, onChanged }: UserAccessProps) {
  const user = getFragmentData(USER_ACCESS, ref);
  const { id } = user;
  const { me } = useViewer();
  const [, navigate] = useLocation();
  const done = { onSuccess: onChanged };
  const role = useAction(SET_ROLE, done);
  const active = useAction(SET_ACTIVE, done);
  const unlock = useAction(CLEAR_LOGIN_THROTTLE, done);
  const resetMfa = useAction(RESET_MFA, done);
  const remove = useAction(DELETE_USER, done);
  const restore = useAction(RESTORE_USER, done);
  const self = user.id === me?.id;
  const mayDelete = allowed(me, PERMISSIONS.USERS_DELETE);

  function toggleRole() {
    const to = user.role === "ADMIN" ? "USER" : "ADMIN";
    const warning = to === "USER" && self ? " You will lose administration at once." : "";
    if (
      !window.confirm(`Make ${user.email} ${to === "ADMIN" ? "an admin" : "a user"}?${warning}`)
    ) {
      return;
    }
    void role.run({ id, role: to }, to === "ADMIN" ? "Now an admin." : "Now a user.");
  }
  function toggleActive() {
    if (user.isActive) {
      const warning = self
        ? " This is your own account: you will be signed out and cannot sign in again."
        : "";
      if (!window.confirm(`Deactivate ${user.email}? Their sessions end at once.${warning}`))
        return;
    }
    void active.run(
      { id, active: !user.isActive },
      user.isActive ? "Deactivated; their sessions ended." : "Activated.",
    );
  }
  function resetTwoFactor() {
    if (
      !window.confirm(
        `Reset two-factor authentication of ${user.email}? Their authenticator apps and recovery codes are removed, their sessions end, and they are told by mail.`,
      )
    ) {
      return;
    }
    void resetMfa.run(
      { userId: id },
      "Two-factor authentication reset; their sessions ended. They sign in with the password alone until they set it up again.",
    );
  }
  async function deleteForGood() {
    if (!window.confirm(`Delete ${user.email} for good? This cannot be undone.`)) return;
    if (await remove.run({ id, permanent: true }, "Deleted for good.")) navigate("/admin/users");
  }

  return (
    <section aria-labelledby="access-heading">
      <h2 id="access-heading">Access</h2>
      <Outcome of={[role, active, remove, restore, unlock, resetMfa]} />
      <div className="actions">
        {me?.isAdmin && (
          <button type="button" disabled={role.busy} onClick={toggleRole}>
            {user.role === "ADMIN" ? "Make user" : "Make admin"}
          </button>
        )}
        {allowed(me, PERMISSIONS.USERS_UPDATE) && (
          <button type="button" disabled={active.busy} onClick={toggleActive}>
            {user.isActive ? "Deactivate" : "Activate"}
          </button>
        )}
        {me?.isAdmin && (
          <button
            type="button"
            disabled={unlock.busy}
            onClick={() =>
              void unlock.run({ userId: id }, (data) =>
                data.clearLoginThrottle
                  ? "Failed sign-ins forgotten: any lockout is over."
                  : "There were no failed sign-ins to forget.",
              )
            }
          >
            Clear failed sign-ins
          </button>
        )}
        {me?.isAdmin && user.mfaEnabled && !self && (
          <button type="button" disabled={resetMfa.busy} onClick={resetTwoFactor}>
            Reset two-factor
          </button>
        )}
        {mayDelete &&
          (user.isDeleted ? (
            <button
              type="button"
              disabled={restore.busy}
              onClick={() => void restore.run({ id }, "Restored.")}
            >
              Restore
            </button>
          ) : (
            <button
              type="button"
              disabled={remove.busy}
              onClick={() =>
                void remove.run({ id, permanent: false }, "Deleted; it can be restored.")
              }
            >
              Delete
            </button>
          ))}
        {mayDelete && (
          <button type="button" className="danger" onClick={() => void deleteForGood()}>
            Delete for good
          </button>
        )}
      </div>
    </section>
  );
}
