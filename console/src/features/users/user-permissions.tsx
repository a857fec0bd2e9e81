// The permissions a user holds directly (groups grant more), changed by an ADMIN.
import { useQuery } from "urql";
import { getFragmentData, graphql, type FragmentType } from "../../gql";
import { useAction } from "../../app/use-action";
import { Checkboxes, Form, Outcome, Submit, checkedValues } from "../../components/form";

const USER_PERMISSIONS = graphql(`
  fragment UserPermissions on User {
    id
    directPermissions {
      id
    }
  }
`);

const PERMISSION_CHOICES = graphql(`
  query PermissionChoices {
    permissions {
      id
      codename
      name
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

interface UserPermissionsProps {
  user: FragmentType<typeof USER_PERMISSIONS>;
  onSaved: () => void;
}

export function UserPermissions({ user: ref, onSaved }: UserPermissionsProps) {
  const user = getFragmentData(USER_PERMISSIONS, ref);
  const [choices] = useQuery({ query: PERMISSION_CHOICES });
  const save = useAction(SET_PERMISSIONS, { onSuccess: onSaved });
  if (!choices.data) return null;
  const held = user.directPermissions ?? [];
  return (
    <section aria-labelledby="permissions-heading">
      <h2 id="permissions-heading">Direct permissions</h2>
      <Form
        onSubmit={(form) =>
          save.run(
            { userId: user.id, permissionIds: checkedValues(form, "permission") },
            "Permissions saved.",
          )
        }
        key={held.map((p) => p.id).join()}
      >
        <Outcome of={[save]} />
        <Checkboxes
          legend="Held directly (groups grant more)"
          name="permission"
          choices={choices.data.permissions.map((permission) => ({
            id: permission.id,
            label: (
              <>
                <code>{permission.codename}</code> {permission.name}
              </>
            ),
          }))}
          checked={held}
        />
        <Submit busy={save.busy}>Save permissions</Submit>
      </Form>
    </section>
  );
}
