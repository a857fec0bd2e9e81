// The account's own recent activity (its audit events), newest first.
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { problemOf } from "../../app/errors";
import { EventList } from "../../components/events";
import { ProblemNote } from "../../components/form";
import { Pager, useCursorPages } from "../../components/pager";

const ACTIVITY = graphql(`
  query MyActivity($after: String) {
    myAuditEvents(first: 20, after: $after) {
      nodes {
        ...EventSummary
      }
      pageInfo {
        ...NextPage
      }
    }
  }
`);

export function Activity() {
  const pages = useCursorPages();
  const [activity] = useQuery({
    query: ACTIVITY,
    variables: { after: pages.after },
    requestPolicy: "cache-and-network",
  });
  const page = activity.data?.myAuditEvents;
  return (
    <section aria-labelledby="activity-heading">
      <h2 id="activity-heading">Recent activity</h2>
      <ProblemNote problem={problemOf(activity.error)} />
      <EventList events={page?.nodes ?? []} />
      <Pager
        label="Pages of your activity"
        previousText="Newer"
        nextText="Older"
        {...pages.moves(page?.pageInfo)}
      />
    </section>
  );
}
