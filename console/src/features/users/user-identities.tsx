// An account's sign-in methods as an ADMIN sees them: whether it has a password, and the
// identities at providers linked to it (`User.identities` is for the account itself and ADMINs
// only, so this asks for it apart from the rest of the page).
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { problemOf } from "../../app/errors";
import { when } from "../../components/format";
import { ProblemNote } from "../../components/form";

const USER_IDENTITIES = graphql(`
  query UserIdentities($id: ID!) {
    user(id: $id) {
      id
      hasPassword
      identities {
        id
        email
        linkedAt
        lastUsedAt
        provider {
          slug
          displayName
        }
      }
    }
  }
`);

export function UserIdentities({ id }: { id: string }) {
  const [result] = useQuery({ query: USER_IDENTITIES, variables: { id } });
  const user = result.data?.user;
  return (
    <section aria-labelledby="user-identities-heading">
      <h2 id="user-identities-heading">Sign-in methods</h2>
      {result.error ? (
        <ProblemNote problem={problemOf(result.error)} />
      ) : !user ? (
        <p>{result.fetching ? "Loading…" : "No such user."}</p>
      ) : (
        <>
          <p>Password: {user.hasPassword ? "set" : "none (signs in through a provider)"}</p>
          {user.identities && user.identities.length > 0 ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">Provider</th>
                  <th scope="col">Email there</th>
                  <th scope="col">Linked</th>
                  <th scope="col">Last used</th>
                </tr>
              </thead>
              <tbody>
                {user.identities.map((identity) => (
                  <tr key={identity.id}>
                    <td>{identity.provider.displayName}</td>
                    <td>{identity.email ?? "—"}</td>
                    <td>{when(identity.linkedAt)}</td>
                    <td>{when(identity.lastUsedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p>No identity provider is linked.</p>
          )}
        </>
      )}
    </section>
  );
}
