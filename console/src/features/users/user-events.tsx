// A user's ten most recent audit events, for those who may read the audit log.
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { EventList } from "../../components/events";

const USER_EVENTS = graphql(`
  query UserEvents($userId: ID!) {
    auditEvents(first: 10, filter: { userId: $userId }) {
      nodes {
        ...EventSummary
      }
    }
  }
`);

export function UserEvents({ userId }: { userId: string }) {
  const [events] = useQuery({
    query: USER_EVENTS,
    variables: { userId },
    requestPolicy: "cache-and-network",
  });
  if (!events.data) return null;
  return (
    <section aria-labelledby="user-events-heading">
      <h2 id="user-events-heading">Recent events</h2>
      <EventList events={events.data.auditEvents.nodes} withDetails />
    </section>
  );
}
