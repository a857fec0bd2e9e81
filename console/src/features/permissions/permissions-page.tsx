// Every permission that exists, for those who may view them; an ADMIN creates and deletes
// them.
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { problemOf } from "../../app/errors";
import { useAction } from "../../app/use-action";
import { useViewer } from "../../app/viewer";
import { Outcome, ProblemNote } from "../../components/form";
import { Hidden, Table } from "../../components/table";
import { CreatePermission } from "./create-permission";

const ALL_PERMISSIONS = graphql(`
  query Permissions {
    permissions {
      id
      codename
      name
      description
    }
  }
`);

const DELETE_PERMISSION = graphql(`
  mutation DeletePermission($id: ID!) {
    deletePermission(id: $id)
  }
`);

export function PermissionsPage() {
  const { me } = useViewer();
  const [result, refetch] = useQuery({ query: ALL_PERMISSIONS });
  const reload = () => refetch({ requestPolicy: "network-only" });
  const remove = useAction(DELETE_PERMISSION, { onSuccess: reload });
  const admin = Boolean(me?.isAdmin);
  function confirmDelete(permission: { id: string; codename: string }) {
    if (!window.confirm(`Delete ${permission.codename}? Every user and group loses it.`)) return;
    void remove.run({ id: permission.id });
  }
  return (
    <>
      <h1>Permissions</h1>
      {admin && <CreatePermission onCreated={reload} />}
      <ProblemNote problem={problemOf(result.error)} />
      <Outcome of={[remove]} />
      <Table
        columns={["Codename", "Name", "Description", ...(admin ? [<Hidden>Actions</Hidden>] : [])]}
      >
        {result.data?.permissions.map((permission) => (
          <tr key={permission.id}>
            <td>
              <code>{permission.codename}</code>
            </td>
            <td>{permission.name}</td>
            <td>{permission.description}</td>
            {admin && (
              <td>
                <button
                  type="button"
                  aria-label={`Delete ${permission.codename}`}
                  onClick={() => confirmDelete(permission)}
                >
                  Delete
                </button>
              </td>
            )}
          </tr>
        ))}
      </Table>
    </>
  );
}
