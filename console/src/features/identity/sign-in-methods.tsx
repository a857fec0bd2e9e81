// The account page's "Sign-in methods": the password (or, for an account a provider sign-in
// made, setting one), the identities linked at providers (each can be unlinked, though never
// the last way in), and a "Link" button for each provider not linked yet. Each is a credential
// change, so it may ask to confirm it is you first (`useAction`).
import { useState } from "react";
import { useQuery } from "urql";
import { useSearch } from "wouter";
import { graphql } from "../../gql";
import { problemOf } from "../../app/errors";
import { tokensOf } from "../../app/tokens";
import { useAction } from "../../app/use-action";
import { useViewer } from "../../app/viewer";
import {
  Form,
  Notice,
  Outcome,
  PasswordField,
  ProblemNote,
  Submit,
  fieldText,
} from "../../components/form";
import { when } from "../../components/format";
import { Hidden, Table } from "../../components/table";
import { unlinkProblem } from "./reasons";
import { useStartOAuth } from "./start-oauth";

const SIGN_IN_METHODS = graphql(`
  query SignInMethods {
    me {
      id
      hasPassword
      identities {
        id
        provider {
          slug
          displayName
          kind
        }
        email
        linkedAt
        lastUsedAt
      }
    }
    signInProviders {
      slug
      displayName
      kind
    }
  }
`);

const UNLINK_IDENTITY = graphql(`
  mutation UnlinkIdentity($id: ID!) {
    unlinkIdentity(id: $id)
  }
`);

const SET_PASSWORD = graphql(`
  mutation SetPassword($newPassword: String!) {
    setPassword(newPassword: $newPassword) {
      ...Tokens
    }
  }
`);

interface SignInMethodsProps {
  /** A password was set, which changes the sessions: the sessions list is read again. */
  onChanged: () => void;
}

export function SignInMethods({ onChanged }: SignInMethodsProps) {
  const { me } = useViewer();
  const linked = new URLSearchParams(useSearch()).get("linked");
  const [result, refetch] = useQuery({ query: SIGN_IN_METHODS, requestPolicy: "network-only" });
  const reload = () => refetch({ requestPolicy: "network-only" });
  const unlink = useAction(UNLINK_IDENTITY, { onSuccess: reload });
  const start = useStartOAuth("LINK");
  const identities = result.data?.me?.identities ?? [];
  const linkable = (result.data?.signInProviders ?? []).filter(
    (provider) => !identities.some((identity) => identity.provider.slug === provider.slug),
  );
  const [passwordSet, setPasswordSet] = useState(false);
  const justLinked = identities.find((identity) => identity.provider.slug === linked);
  function confirmUnlink(identity: (typeof identities)[number]) {
    const name = identity.provider.displayName;
    if (!window.confirm(`Unlink ${name}? It will no longer sign you in.`)) return;
    void unlink.run({ id: identity.id }, `${name} unlinked.`);
  }
  return (
    <section aria-labelledby="sign-in-methods-heading">
      <h2 id="sign-in-methods-heading">Sign-in methods</h2>
      <ProblemNote problem={problemOf(result.error)} />
      {justLinked && (
        <Notice>{justLinked.provider.displayName} is linked: you can sign in with it.</Notice>
      )}
      {passwordSet && <Notice>Your password is set: you can sign in with it too.</Notice>}
      <Outcome of={[{ ...unlink, problem: unlinkProblem(unlink.problem) }]} />
      <ProblemNote problem={start.problem} />
      {me && (
        <p>
          {me.hasPassword
            ? "Password: set. You can sign in with your email address or username and it."
            : "Your account has no password: you sign in with a provider."}
        </p>
      )}
      {identities.length > 0 ? (
        <Table
          columns={[
            "Provider",
            "Email at the provider",
            "Linked",
            "Last used",
            <Hidden>Actions</Hidden>,
          ]}
        >
          {identities.map((identity) => (
            <tr key={identity.id}>
              <td>{identity.provider.displayName}</td>
              <td>{identity.email ?? "—"}</td>
              <td>{when(identity.linkedAt)}</td>
              <td>{when(identity.lastUsedAt)}</td>
              <td>
                <button
                  type="button"
                  disabled={unlink.busy}
                  onClick={() => confirmUnlink(identity)}
                  aria-label={`Unlink ${identity.provider.displayName}`}
                >
                  Unlink
                </button>
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        result.data && <p>No identity at a provider is linked to your account.</p>
      )}
      {linkable.length > 0 && (
        <p className="actions">
          {linkable.map((provider) => (
            <button
              key={provider.slug}
              type="button"
              disabled={start.busy}
              onClick={() => void start.go(provider, "/account")}
            >
              Link {provider.displayName}
            </button>
          ))}
        </p>
      )}
      {me && !me.hasPassword && (
        <SetPassword
          onSet={() => {
            setPasswordSet(true);
            onChanged();
          }}
        />
      )}
    </section>
  );
}

/** For an account without a password: choosing one, after which the console goes on with the
 * fresh pair `setPassword` answers. */
function SetPassword({ onSet }: { onSet: () => void }) {
  const { session, refetch } = useViewer();
  const set = useAction(SET_PASSWORD);
  async function submit(form: HTMLFormElement) {
    const newPassword = fieldText(form, "newPassword");
    if (newPassword !== fieldText(form, "repeat")) {
      set.fail({
        code: "BAD_USER_INPUT",
        message: "Please correct the fields marked below.",
        fields: { repeat: ["does not match the password"] },
      });
      return;
    }
    const data = await set.run({ newPassword });
    if (!data) return;
    session.start(tokensOf(data.setPassword));
    onSet();
    // `me.hasPassword` changes: the password form takes this one's place.
    refetch();
  }
  return (
    <Form onSubmit={submit} className="panel" aria-label="Set a password">
      <h3>Set a password</h3>
      <p className="hint">Then you can also sign in with your email address and the password.</p>
      <Outcome of={[set]} />
      <PasswordField fresh label="New password" name="newPassword" problem={set.problem} />
      <PasswordField fresh label="Repeat the new password" name="repeat" problem={set.problem} />
      <Submit busy={set.busy}>Set password</Submit>
    </Form>
  );
}
