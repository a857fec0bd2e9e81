// Creating an account as an administrator: a button that opens the form, and on to the new
// account's page.
import { useState } from "react";
import { useLocation } from "wouter";
import { graphql } from "../../gql";
import type { Role } from "../../gql/graphql";
import { useAction } from "../../app/use-action";
import {
  Field,
  Form,
  Outcome,
  Select,
  Submit,
  fieldText,
  optionalText,
  PasswordField,
} from "../../components/form";

const CREATE_USER = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      id
    }
  }
`);

export function CreateUser() {
  const [, navigate] = useLocation();
  const [open, setOpen] = useState(false);
  const create = useAction(CREATE_USER, {
    onSuccess: (data) => navigate(`/admin/users/${data.createUser.id}`),
  });
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        New user
      </button>
    );
  }
  const problem = create.problem;
  return (
    <Form
      onSubmit={(form) =>
        create.run({
          input: {
            email: fieldText(form, "email"),
            password: fieldText(form, "password"),
            username: optionalText(form, "username"),
            firstName: optionalText(form, "firstName"),
            lastName: optionalText(form, "lastName"),
            role: (fieldText(form, "role") || "USER") as Role,
            emailVerified: fieldText(form, "emailVerified") === "on",
          },
        })
      }
      className="panel"
      aria-label="New user"
    >
      <h2>New user</h2>
      <Outcome of={[create]} />
      <div className="grid">
        <Field label="Email" name="email" type="email" required problem={problem} autoFocus />
        <PasswordField fresh label="Password" name="password" problem={problem} />
        <Field label="Username" name="username" problem={problem} />
        <Field label="First name" name="firstName" problem={problem} />
        <Field label="Last name" name="lastName" problem={problem} />
        <Select label="New user's role" name="role" defaultValue="USER">
          <option value="USER">User</option>
          <option value="ADMIN">Admin</option>
        </Select>
      </div>
      <label className="check">
        <input type="checkbox" name="emailVerified" /> The address is known to be theirs (no
        confirmation mail)
      </label>
      <Submit busy={create.busy}>Create user</Submit>{" "}
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </Form>
  );
}
