// The identity providers people may sign in with, for an ADMIN: the list (with each one's
// callback URL), adding one, changing one, deleting one.
import { useState } from "react";
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { problemOf } from "../../app/errors";
import { useAction } from "../../app/use-action";
import { Notice, Outcome, ProblemNote } from "../../components/form";
import { Hidden, Table } from "../../components/table";
import { ProviderForm } from "./provider-form";
import { callbackUrl } from "./provider-input";

const IDENTITY_PROVIDERS = graphql(`
  query IdentityProviders {
    identityProviders {
      id
      slug
      displayName
      kind
      enabled
      allowSignUp
      ...ProviderSettings
    }
  }
`);

const CREATE_PROVIDER = graphql(`
  mutation CreateIdentityProvider($input: IdentityProviderInput!) {
    createIdentityProvider(input: $input) {
      id
      slug
      displayName
    }
  }
`);

const UPDATE_PROVIDER = graphql(`
  mutation UpdateIdentityProvider($id: ID!, $input: IdentityProviderInput!) {
    updateIdentityProvider(id: $id, input: $input) {
      id
      displayName
      ...ProviderSettings
    }
  }
`);

const DELETE_PROVIDER = graphql(`
  mutation DeleteIdentityProvider($id: ID!) {
    deleteIdentityProvider(id: $id)
  }
`);

const KIND_NAMES = { OIDC: "OpenID Connect", GOOGLE: "Google", GITHUB: "GitHub" };

/** What the page shows besides the list: nothing, the new provider's form, or one's edit. */
type Editing = { kind: "none" } | { kind: "new" } | { kind: "edit"; id: string };

export function IdentityProvidersPage() {
  const [result, refetch] = useQuery({ query: IDENTITY_PROVIDERS });
  const reload = () => refetch({ requestPolicy: "network-only" });
  const [editing, setEditing] = useState<Editing>({ kind: "none" });
  const [said, setSaid] = useState<string | null>(null);
  const close = (notice: string) => {
    setEditing({ kind: "none" });
    setSaid(notice);
    reload();
  };
  const create = useAction(CREATE_PROVIDER, {
    onSuccess: (data) =>
      close(
        `${data.createIdentityProvider.displayName} added. Register its callback URL at the provider: ${callbackUrl(window.location.origin, data.createIdentityProvider.slug)}`,
      ),
  });
  const update = useAction(UPDATE_PROVIDER, {
    onSuccess: (data) => close(`${data.updateIdentityProvider.displayName} saved.`),
  });
  const remove = useAction(DELETE_PROVIDER, { onSuccess: reload });
  const providers = result.data?.identityProviders ?? [];
  const edited =
    editing.kind === "edit" ? providers.find((provider) => provider.id === editing.id) : undefined;
  function confirmDelete(provider: { id: string; displayName: string }) {
    const question = `Delete ${provider.displayName}? Nobody can sign in with it any more.`;
    if (!window.confirm(question)) return;
    setSaid(null);
    void remove.run({ id: provider.id }, `${provider.displayName} deleted.`);
  }
  return (
    <>
      <h1>Identity providers</h1>
      <p>
        People can sign in with these providers (OpenID Connect, Google, GitHub) as well as a
        password. Register each one&apos;s callback URL at the provider.
      </p>
      <ProblemNote problem={problemOf(result.error)} />
      {said && <Notice>{said}</Notice>}
      <Outcome of={[remove]} />
      {result.data && providers.length === 0 && <p>There are no identity providers yet.</p>}
      {providers.length > 0 && (
        <Table columns={["Name", "Kind", "Status", "Callback URL", <Hidden>Actions</Hidden>]}>
          {providers.map((provider) => (
            <tr key={provider.id}>
              <td>
                {provider.displayName} <span className="hint">({provider.slug})</span>
              </td>
              <td>{KIND_NAMES[provider.kind]}</td>
              <td>
                {provider.enabled ? "Enabled" : "Off"}
                {provider.enabled && !provider.allowSignUp && " · no new accounts"}
              </td>
              <td>
                <code>{callbackUrl(window.location.origin, provider.slug)}</code>
              </td>
              <td>
                <button
                  type="button"
                  aria-label={`Edit ${provider.displayName}`}
                  onClick={() => {
                    setSaid(null);
                    setEditing({ kind: "edit", id: provider.id });
                  }}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="danger"
                  disabled={remove.busy}
                  aria-label={`Delete ${provider.displayName}`}
                  onClick={() => confirmDelete(provider)}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
      {editing.kind === "new" ? (
        <ProviderForm
          label="New identity provider"
          action={create}
          onSubmit={(input) => create.run({ input })}
          onCancel={() => setEditing({ kind: "none" })}
          submitText="Add provider"
        />
      ) : edited ? (
        <ProviderForm
          key={edited.id}
          provider={edited}
          label={`Edit ${edited.displayName}`}
          action={update}
          onSubmit={(input) => update.run({ id: edited.id, input })}
          onCancel={() => setEditing({ kind: "none" })}
          submitText="Save provider"
        />
      ) : (
        <button
          type="button"
          onClick={() => {
            setSaid(null);
            setEditing({ kind: "new" });
          }}
        >
          Add an identity provider
        </button>
      )}
    </>
  );
}
