// The groups a user is a member of, changed by those who manage groups.
import { getFragmentData, graphql, type FragmentType } from "../../gql";
import { PERMISSIONS } from "../../app/permissions";
import { useAction } from "../../app/use-action";
import { allowed, useViewer } from "../../app/viewer";
import { Checkboxes, Form, Outcome, Submit, checkedValues } from "../../components/form";
import { useGroupChoices } from "./group-choices";

const USER_GROUPS = graphql(`
  fragment UserGroups on User {
    id
    groups {
      id
    }
  }
`);

const SET_GROUPS = graphql(`
  mutation SetUserGroups($userId: ID!, $groupIds: [ID!]!) {
    setUserGroups(userId: $userId, groupIds: $groupIds) {
      id
    }
  }
`);

interface UserGroupsProps {
  user: FragmentType<typeof USER_GROUPS>;
  onSaved: () => void;
}

export function UserGroups({ user: ref, onSaved }: UserGroupsProps) {
  const user = getFragmentData(USER_GROUPS, ref);
  const { me } = useViewer();
  const choices = useGroupChoices(true);
  const save = useAction(SET_GROUPS, { onSuccess: onSaved });
  if (!choices) return null;
  const manage = allowed(me, PERMISSIONS.GROUPS_MANAGE);
  return (
    <section aria-labelledby="groups-heading">
      <h2 id="groups-heading">Groups</h2>
      <Form
        onSubmit={(form) =>
          save.run({ userId: user.id, groupIds: checkedValues(form, "group") }, "Groups saved.")
        }
        key={user.groups.map((g) => g.id).join()}
      >
        <Outcome of={[save]} />
        <Checkboxes
          legend="Member of"
          name="group"
          choices={choices.map((group) => ({ id: group.id, label: group.name }))}
          checked={user.groups}
          disabled={!manage}
          empty="There are no groups yet."
        />
        {manage && <Submit busy={save.busy}>Save groups</Submit>}
      </Form>
    </section>
  );
}
