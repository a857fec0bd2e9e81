// The fields of a profile, as its owner edits it on the account page and an administrator on
// a user's page: one list of what they are and how they are labelled.
import { getFragmentData, graphql, type FragmentType } from "../gql";
import type { Problem } from "../app/errors";
import { Field, type FieldProps } from "./form";

const PROFILE_FIELDS = graphql(`
  fragment ProfileFields on User {
    email
    username
    firstName
    lastName
    phoneNumber
    company
    designation
    address
  }
`);

const FIELDS = [
  ["email", "Email", "email"],
  ["username", "Username", "username"],
  ["firstName", "First name", "given-name"],
  ["lastName", "Last name", "family-name"],
  ["phoneNumber", "Phone number", "tel"],
  ["company", "Company", "organization"],
  ["designation", "Designation", "organization-title"],
  ["address", "Address", "street-address"],
] as const;

interface ProfileFieldsProps {
  profile: FragmentType<typeof PROFILE_FIELDS>;
  problem: Problem | null;
  /** Let the browser fill in the viewer's own details (on their own account only). */
  own?: boolean;
  disabled?: boolean;
  /** What differs for the email field (its own hint, a listener). */
  email?: Partial<FieldProps>;
}

export function ProfileFields({ profile, problem, own, disabled, email }: ProfileFieldsProps) {
  const values = getFragmentData(PROFILE_FIELDS, profile);
  return FIELDS.map(([name, label, autoComplete]) => (
    <Field
      key={name}
      label={label}
      name={name}
      autoComplete={own ? autoComplete : undefined}
      defaultValue={values[name] ?? ""}
      problem={problem}
      disabled={disabled}
      multiline={name === "address"}
      {...(name === "email" ? email : {})}
    />
  ));
}

/** The profile a form holds, for `updateProfile` or `updateUser`: a disabled field is left
 * out, so it stays as it is. */
export function profileInput(form: HTMLFormElement): Record<string, string> {
  const data = new FormData(form);
  const input: Record<string, string> = {};
  for (const [name] of FIELDS) {
    const value = data.get(name);
    if (typeof value === "string") input[name] = value;
  }
  return input;
}

/** Changes when the saved email or username does (the server trims them, and lowercases an
 * address), so a form keyed on it shows them as they were saved. */
export function profileKey(profile: FragmentType<typeof PROFILE_FIELDS>): string {
  const { email, username } = getFragmentData(PROFILE_FIELDS, profile);
  return `${email}\n${username ?? ""}`;
}
