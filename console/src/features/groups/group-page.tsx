// One group: its name, description and permissions, its members, and deleting it.
import { useQuery } from "urql";
import { useLocation } from "wouter";
import { graphql } from "../../gql";
import { problemOf } from "../../app/errors";
import { PERMISSIONS } from "../../app/permissions";
import { useAction } from "../../app/use-action";
import { allowed, useViewer } from "../../app/viewer";
import { Outcome, ProblemNote } from "../../components/form";
import { GroupForm } from "./group-form";
import { GroupMembers } from "./group-members";

const GROUP = graphql(`
  query GroupDetail($id: ID!, $members: Boolean!, $permissions: Boolean!) {
    group(id: $id) {
      id
      name
      ...GroupForm
      ...GroupMembers
    }
    permissions @include(if: $permissions) {
      id
      codename
    }
  }
`);

const DELETE_GROUP = graphql(`
  mutation DeleteGroup($id: ID!) {
    deleteGroup(id: $id)
  }
`);

export function GroupPage({ id }: { id: string }) {
  const { me } = useViewer();
  const [, navigate] = useLocation();
  const [result, refetch] = useQuery({
    query: GROUP,
    // Members are users (`users.view`); the list of every permission is `permissions.view`'s.
    variables: {
      id,
      members: allowed(me, PERMISSIONS.USERS_VIEW),
      permissions: allowed(me, PERMISSIONS.PERMISSIONS_VIEW),
    },
  });
  const reload = () => refetch({ requestPolicy: "network-only" });
  const remove = useAction(DELETE_GROUP, { onSuccess: () => navigate("/admin/groups") });
  const group = result.data?.group;
  if (result.error && !group) return <ProblemNote problem={problemOf(result.error)} />;
  if (!group) return <p>{result.fetching ? "Loading…" : "No such group."}</p>;
  const manage = allowed(me, PERMISSIONS.GROUPS_MANAGE);
  return (
    <>
      <h1>{group.name}</h1>
      <GroupForm
        group={group}
        permissions={result.data?.permissions}
        manage={manage}
        onSaved={reload}
      />
      <GroupMembers group={group} manage={manage} onRemoved={reload} />
      {manage && (
        <>
          <Outcome of={[remove]} />
          <button
            type="button"
            className="danger"
            onClick={() => {
              const question = `Delete the group ${group.name}? Its members lose what it grants.`;
              if (window.confirm(question)) void remove.run({ id });
            }}
          >
            Delete group
          </button>
        </>
      )}
    </>
  );
}
