// A user's profile as an administrator edits it (with `users.update`). One's own address is
// changed on the account page instead, where the current password goes with it.
import { getFragmentData, graphql, type FragmentType } from "../../gql";
import { PERMISSIONS } from "../../app/permissions";
import { useAction } from "../../app/use-action";
import { allowed, useViewer } from "../../app/viewer";
import { Form, Outcome, Submit } from "../../components/form";
import { ProfileFields, profileInput, profileKey } from "../../components/profile-fields";

const USER_PROFILE = graphql(`
  fragment UserProfile on User {
    id
    ...ProfileFields
  }
`);

const UPDATE_USER = graphql(`
  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {
    updateUser(id: $id, input: $input) {
      id
    }
  }
`);

interface UserProfileProps {
  user: FragmentType<typeof USER_PROFILE>;
  onSaved: () => void;
}

export function UserProfile({ user: ref, onSaved }: UserProfileProps) {
  const user = getFragmentData(USER_PROFILE, ref);
  const { me } = useViewer();
  const edit = useAction(UPDATE_USER, { onSuccess: onSaved });
  const canUpdate = allowed(me, PERMISSIONS.USERS_UPDATE);
  const own = user.id === me?.id;
  return (
    <section aria-labelledby="edit-heading">
      <h2 id="edit-heading">Profile</h2>
      <Form
        onSubmit={(form) => edit.run({ id: user.id, input: profileInput(form) }, "Saved.")}
        key={profileKey(user)}
      >
        <Outcome of={[edit]} />
        <div className="grid">
          <ProfileFields
            profile={user}
            problem={edit.problem}
            disabled={!canUpdate}
            email={{
              disabled: !canUpdate || own,
              hint: own ? "Change your own address on your account page." : undefined,
            }}
          />
        </div>
        {canUpdate && <Submit busy={edit.busy}>Save</Submit>}
      </Form>
    </section>
  );
}
