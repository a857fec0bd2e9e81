// Creating a permission (an ADMIN's): a codename the server's rules accept, a name and a
// description.
import { graphql } from "../../gql";
import { useAction } from "../../app/use-action";
import { Field, Form, Outcome, Submit, fieldText } from "../../components/form";

const CREATE_PERMISSION = graphql(`
  mutation CreatePermission($input: PermissionInput!) {
    createPermission(input: $input) {
      id
    }
  }
`);

export function CreatePermission({ onCreated }: { onCreated: () => void }) {
  const create = useAction(CREATE_PERMISSION, { onSuccess: onCreated });
  async function submit(form: HTMLFormElement) {
    const input = {
      codename: fieldText(form, "codename"),
      name: fieldText(form, "name"),
      description: fieldText(form, "description") || undefined,
    };
    if (await create.run({ input })) form.reset();
  }
  return (
    <Form onSubmit={submit} className="panel" aria-label="New permission">
      <Outcome of={[create]} />
      <div className="grid">
        <Field
          label="Codename"
          name="codename"
          required
          problem={create.problem}
          hint="Lower-case letters, digits, '.' and '_', e.g. reports.view"
        />
        <Field label="Name" name="name" required problem={create.problem} />
        <Field label="Description" name="description" problem={create.problem} />
      </div>
      <Submit busy={create.busy}>Create permission</Submit>
    </Form>
  );
}
