// A group's name, description and the permissions it grants, changed by those who manage
// groups.
import { getFragmentData, graphql, type FragmentType } from "../../gql";
import type { GroupDetailQuery } from "../../gql/graphql";
import { useAction } from "../../app/use-action";
import {
  Checkboxes,
  Field,
  Form,
  Outcome,
  Submit,
  checkedValues,
  fieldText,
} from "../../components/form";

const GROUP_FORM = graphql(`
  fragment GroupForm on Group {
    id
    name
    description
    permissions {
      id
      codename
    }
  }
`);

const UPDATE_GROUP = graphql(`
  mutation UpdateGroup($id: ID!, $input: GroupInput!) {
    updateGroup(id: $id, input: $input) {
      id
    }
  }
`);

interface GroupFormProps {
  group: FragmentType<typeof GROUP_FORM>;
  /** Every permission, for those who may list them; else only the group's are shown. */
  permissions: GroupDetailQuery["permissions"];
  manage: boolean;
  onSaved: () => void;
}

export function GroupForm({ group: ref, permissions, manage, onSaved }: GroupFormProps) {
  const group = getFragmentData(GROUP_FORM, ref);
  const update = useAction(UPDATE_GROUP, { onSuccess: onSaved });
  function save(form: HTMLFormElement) {
    const input = {
      name: fieldText(form, "name"),
      description: fieldText(form, "description") || undefined,
      permissionIds: checkedValues(form, "permission"),
    };
    return update.run({ id: group.id, input }, "Saved.");
  }
  return (
    <Form onSubmit={save} key={group.name + group.permissions.map((p) => p.id).join()}>
      <Outcome of={[update]} />
      <div className="grid">
        <Field
          label="Name"
          name="name"
          defaultValue={group.name}
          required
          problem={update.problem}
          disabled={!manage}
        />
        <Field
          label="Description"
          name="description"
          defaultValue={group.description ?? ""}
          problem={update.problem}
          disabled={!manage}
          multiline
        />
      </div>
      <Checkboxes
        legend="Permissions this group grants"
        name="permission"
        choices={(permissions ?? group.permissions).map((permission) => ({
          id: permission.id,
          label: <code>{permission.codename}</code>,
        }))}
        checked={group.permissions}
        disabled={!manage}
      />
      {manage && <Submit busy={update.busy}>Save group</Submit>}
    </Form>
  );
}
