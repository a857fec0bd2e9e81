// One account, as an administrator sees and changes it: its profile, its access, its groups,
// its direct permissions, its sign-in methods and its recent events, each shown to those who
// may see it.
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { problemOf } from "../../app/errors";
import { PERMISSIONS } from "../../app/permissions";
import { allowed, useViewer } from "../../app/viewer";
import { when } from "../../components/format";
import { ProblemNote } from "../../components/form";
import { UserAccess } from "./user-access";
import { UserEvents } from "./user-events";
import { UserGroups } from "./user-groups";
import { UserIdentities } from "./user-identities";
import { UserPermissions } from "./user-permissions";
import { UserProfile } from "./user-profile";

const USER = graphql(`
  query UserDetail($id: ID!) {
    user(id: $id) {
      id
      email
      emailVerified
      role
      isActive
      isDeleted
      mfaEnabled
      deletedAt
      lastLoginAt
      createdAt
      ...UserProfile
      ...UserAccess
      ...UserGroups
      ...UserPermissions
    }
  }
`);

export function UserPage({ id }: { id: string }) {
  const { me } = useViewer();
  const [result, refetch] = useQuery({ query: USER, variables: { id } });
  const reload = () => refetch({ requestPolicy: "network-only" });
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
  const status = user.isDeleted
    ? `Deleted ${when(user.deletedAt)}`
    : user.isActive
      ? "Active"
      : "Deactivated";
  return (
    <>
      <h1>{user.email}</h1>
      <p>
        {user.role} · {status} · joined {when(user.createdAt)} · last sign-in{" "}
        {when(user.lastLoginAt)} · email {user.emailVerified ? "confirmed" : "not confirmed"} ·
        Two-factor: {user.mfaEnabled ? "on" : "off"}
      </p>
      <UserProfile user={user} onSaved={reload} />
      <UserAccess user={user} onChanged={reload} />
      {allowed(me, PERMISSIONS.GROUPS_VIEW) && <UserGroups user={user} onSaved={reload} />}
      {me?.isAdmin && <UserPermissions user={user} onSaved={reload} />}
      {me?.isAdmin && <UserIdentities id={id} />}
      {allowed(me, PERMISSIONS.AUDIT_VIEW) && <UserEvents userId={id} />}
    </>
  );
}
