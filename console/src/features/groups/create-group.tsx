// Creating a group, and on to its page to give it permissions.
import { useLocation } from "wouter";
import { graphql } from "../../gql";
import { useAction } from "../../app/use-action";
import { Field, Form, Outcome, Submit, fieldText } from "../../components/form";

const CREATE_GROUP = graphql(`
  mutation CreateGroup($input: GroupInput!) {
    createGroup(input: $input) {
      id
    }
  }
`);

export function CreateGroup() {
  const [, navigate] = useLocation();
  const create = useAction(CREATE_GROUP, {
    onSuccess: (data) => navigate(`/admin/groups/${data.createGroup.id}`),
  });
  return (
    <Form
      onSubmit={(form) =>
        create.run({
          input: {
            name: fieldText(form, "name"),
            description: fieldText(form, "description") || undefined,
          },
        })
      }
      className="panel"
      aria-label="New group"
    >
      <Outcome of={[create]} />
      <div className="grid">
        <Field label="New group's name" name="name" required problem={create.problem} />
        <Field label="Description" name="description" problem={create.problem} />
      </div>
      <Submit busy={create.busy}>Create group</Submit>
    </Form>
  );
}
