// Where the account is signed in: each session's device, address, last use and what its
// sign-in proved, with a button to end any other one, and one to end them all.
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { problemOf } from "../../app/errors";
import { useAction } from "../../app/use-action";
import { when } from "../../components/format";
import { Outcome, ProblemNote } from "../../components/form";
import { Hidden, Table } from "../../components/table";
import { proofText } from "./proof";
import { useSignOut } from "./sign-out";

const SESSIONS = graphql(`
  query MySessions {
    mySessions {
      id
      lastUsedAt
      userAgent
      ipAddress
      current
      assuranceLevel
      authenticationMethods
    }
  }
`);

const REVOKE = graphql(`
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`);

export function Sessions() {
  const [sessions, refetch] = useQuery({ query: SESSIONS, requestPolicy: "network-only" });
  const revoke = useAction(REVOKE);
  const signOut = useSignOut();
  async function end(id: string) {
    await revoke.run({ id });
    refetch({ requestPolicy: "network-only" });
  }
  return (
    <section aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Where you are signed in</h2>
      <ProblemNote problem={problemOf(sessions.error)} />
      <Outcome of={[revoke, signOut.everywhere]} />
      <Table
        columns={["Device", "Address", "Last used", "Signed in with", <Hidden>Actions</Hidden>]}
      >
        {sessions.data?.mySessions.map((s) => (
          <tr key={s.id}>
            <td>{s.userAgent ?? "unknown"}</td>
            <td>{s.ipAddress ?? "unknown"}</td>
            <td>{when(s.lastUsedAt)}</td>
            <td>{proofText(s.assuranceLevel, s.authenticationMethods)}</td>
            <td>
              {s.current ? (
                <strong>This device</strong>
              ) : (
                <button
                  type="button"
                  onClick={() => void end(s.id)}
                  aria-label={`Sign out the session from ${s.userAgent ?? "an unknown device"}, last used ${when(s.lastUsedAt)}`}
                >
                  Sign out
                </button>
              )}
            </td>
          </tr>
        ))}
      </Table>
      <button type="button" onClick={() => void signOut.fromEverywhere()}>
        Sign out everywhere
      </button>
    </section>
  );
}
