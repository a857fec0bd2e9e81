// A group's members (listed to those who may view users), each removable by those who manage
// groups. Members are added from a user's page.
import { Link } from "wouter";
import { getFragmentData, graphql, type FragmentType } from "../../gql";
import { useAction } from "../../app/use-action";
import { Outcome } from "../../components/form";

const GROUP_MEMBERS = graphql(`
  fragment GroupMembers on Group {
    id
    name
    memberCount
    members(first: 50) @include(if: $members) {
      nodes {
        id
        email
        fullName
      }
    }
  }
`);

const REMOVE_MEMBER = graphql(`
  mutation RemoveMember($userId: ID!, $groupId: ID!) {
    removeUserFromGroup(userId: $userId, groupId: $groupId) {
      id
    }
  }
`);

interface GroupMembersProps {
  group: FragmentType<typeof GROUP_MEMBERS>;
  manage: boolean;
  onRemoved: () => void;
}

export function GroupMembers({ group: ref, manage, onRemoved }: GroupMembersProps) {
  const group = getFragmentData(GROUP_MEMBERS, ref);
  const remove = useAction(REMOVE_MEMBER, { onSuccess: onRemoved });
  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members ({group.memberCount})</h2>
      <Outcome of={[remove]} />
      <ul className="cards">
        {group.members?.nodes.map((member) => (
          <li key={member.id}>
            <Link href={`/admin/users/${member.id}`}>{member.email}</Link>{" "}
            {member.fullName !== member.email && `(${member.fullName})`}
            {manage && (
              <button
                type="button"
                aria-label={`Remove ${member.email} from ${group.name}`}
                onClick={() => void remove.run({ userId: member.id, groupId: group.id })}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      <p className="hint">Add members from a user's page.</p>
    </section>
  );
}
