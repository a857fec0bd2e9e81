// Audit events as a short list (the account's own activity, a user's recent events), and how
// an action reads for people. The audit log's table is its own page's.
import { getFragmentData, graphql, type FragmentType } from "../gql";
import { when } from "./format";

const EVENT_SUMMARY = graphql(`
  fragment EventSummary on AuditEvent {
    id
    occurredAt
    action
    ipAddress
    details
    actor {
      email
    }
  }
`);

/** Words of an action that stay in capitals. */
const ACRONYMS = new Set(["TOTP", "MFA"]);

/** An event's action, for people: `USER_DEACTIVATED` is "User deactivated", `TOTP_ENABLED`
 * "TOTP enabled". */
export function actionText(action: string): string {
  const text = action
    .split("_")
    .map((word) => (ACRONYMS.has(word) ? word : word.toLowerCase()))
    .join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

interface EventListProps {
  events: FragmentType<typeof EVENT_SUMMARY>[];
  /** Show each event's details (what changed), for administrators. */
  withDetails?: boolean;
}

export function EventList({ events, withDetails }: EventListProps) {
  return (
    <ul className="events">
      {events.map((ref) => {
        const event = getFragmentData(EVENT_SUMMARY, ref);
        return (
          <li key={event.id}>
            <strong>{actionText(event.action)}</strong> · {when(event.occurredAt)}
            {event.ipAddress && <> · from {event.ipAddress}</>}
            {event.actor && <> · by {event.actor.email}</>}
            {withDetails && event.details && <code className="details">{event.details}</code>}
          </li>
        );
      })}
    </ul>
  );
}
