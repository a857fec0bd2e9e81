// The audit log with its filters, for an ADMIN or a holder of `audit.view`.
import { useState } from "react";
import { useQuery } from "urql";
import { graphql } from "../gql";
import type { AuditAction } from "../gql/graphql";
import { problemOf } from "../errors";
import { Field, Forbidden, ProblemNote, Select, when } from "../components/ui";
import { allowed, useViewer } from "../viewer";
import { actionText } from "./account";

const EVENTS = graphql(`
  query AuditEvents($first: Int, $after: String, $filter: AuditEventFilter) {
    auditEvents(first: $first, after: $after, filter: $filter) {
      totalCount
      nodes {
        id
        occurredAt
        action
        actorId
        userId
        groupId
        permissionId
        ipAddress
        userAgent
        details
        actor {
          email
        }
        user {
          email
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** Every action, in API.md's order (the enum the schema defines). */
export const ACTIONS: AuditAction[] = [
  "REGISTERED",
  "LOGIN_SUCCEEDED",
  "LOGIN_FAILED",
  "LOGIN_THROTTLED",
  "LOGOUT",
  "REFRESH_TOKEN_REUSED",
  "SESSION_REVOKED",
  "PASSWORD_CHANGED",
  "PASSWORD_RESET_REQUESTED",
  "PASSWORD_RESET",
  "EMAIL_VERIFICATION_SENT",
  "EMAIL_VERIFIED",
  "EMAIL_CHANGED",
  "PROFILE_UPDATED",
  "ACCOUNT_DELETED",
  "USER_CREATED",
  "USER_UPDATED",
  "ROLE_CHANGED",
  "USER_ACTIVATED",
  "USER_DEACTIVATED",
  "USER_DELETED",
  "USER_RESTORED",
  "USER_GROUPS_CHANGED",
  "USER_PERMISSIONS_CHANGED",
  "GROUP_CREATED",
  "GROUP_UPDATED",
  "GROUP_DELETED",
  "GROUP_PERMISSIONS_CHANGED",
  "PERMISSION_CREATED",
  "PERMISSION_DELETED",
  "SUPERUSER_CREATED",
  "LOGIN_THROTTLE_CLEARED",
];

/** The start of day `day` (`YYYY-MM-DD` from a date input), plus `plus` days, in the viewer's
 * time zone (so a day of a clock change is still one calendar day). */
function dayStart(day: string, plus = 0): string | undefined {
  if (!day) return undefined;
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year, month - 1, date + plus).toISOString();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id filter once it is a whole id (none while it is being typed). */
function idFilter(text: string): string | undefined {
  const id = text.trim();
  return UUID.test(id) ? id : undefined;
}

export function Audit() {
  const { me } = useViewer();
  const [action, setAction] = useState<AuditAction | "">("");
  const [actorId, setActorId] = useState("");
  const [userId, setUserId] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [cursors, setCursors] = useState<string[]>([]);
  const filter = {
    actions: action ? [action] : undefined,
    actorId: idFilter(actorId),
    userId: idFilter(userId),
    since: dayStart(since),
    // The whole of the "until" day is included.
    until: dayStart(until, 1),
  };
  const [result] = useQuery({
    query: EVENTS,
    variables: { first: 25, after: cursors.at(-1), filter },
    pause: !allowed(me, "audit.view"),
    requestPolicy: "cache-and-network",
  });
  if (!allowed(me, "audit.view")) return <Forbidden />;
  const refilter = (set: (v: string) => void) => (v: string) => {
    set(v);
    setCursors([]);
  };
  const page = result.data?.auditEvents;
  return (
    <>
      <h1>Audit log</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Select
          label="Action"
          value={action}
          onChange={(e) => refilter((v) => setAction(v as AuditAction | ""))(e.target.value)}
        >
          <option value="">Any</option>
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {actionText(a)}
            </option>
          ))}
        </Select>
        <Field
          label="Actor id"
          name="actorId"
          value={actorId}
          onChange={(e) => refilter(setActorId)(e.target.value)}
          hint={actorId && !idFilter(actorId) ? "Not a whole id yet" : undefined}
        />
        <Field
          label="User id"
          name="userId"
          value={userId}
          onChange={(e) => refilter(setUserId)(e.target.value)}
          hint={userId && !idFilter(userId) ? "Not a whole id yet" : undefined}
        />
        <Field
          label="From"
          name="since"
          type="date"
          value={since}
          onChange={(e) => refilter(setSince)(e.target.value)}
        />
        <Field
          label="Until"
          name="until"
          type="date"
          value={until}
          onChange={(e) => refilter(setUntil)(e.target.value)}
        />
      </form>
      <ProblemNote problem={problemOf(result.error)} />
      <p aria-live="polite">{page ? `${page.totalCount} events` : "Loading…"}</p>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">User</th>
              <th scope="col">From</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {page?.nodes.map((event) => (
              <tr key={event.id}>
                <td>{when(event.occurredAt)}</td>
                <td>{actionText(event.action)}</td>
                <td>{event.actor?.email ?? event.actorId ?? "—"}</td>
                <td>{event.user?.email ?? event.userId ?? "—"}</td>
                <td>{event.ipAddress ?? ""}</td>
                <td>{event.details && <code className="details">{event.details}</code>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Pages of events">
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </button>
        <button
          type="button"
          disabled={!page?.pageInfo.hasNextPage}
          onClick={() =>
            page?.pageInfo.endCursor && setCursors([...cursors, page.pageInfo.endCursor])
          }
        >
          Older
        </button>
      </nav>
    </>
  );
}
