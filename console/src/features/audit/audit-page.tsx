// The audit log with its filters, for an ADMIN or a holder of `audit.view`, newest first.
import { useState } from "react";
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { problemOf } from "../../app/errors";
import { actionText } from "../../components/events";
import { when } from "../../components/format";
import { Field, ProblemNote, Select, bind } from "../../components/form";
import { Pager, useCursorPages } from "../../components/pager";
import { Table } from "../../components/table";
import { ACTIONS, NO_FILTERS, auditFilter, idFilter, type AuditFilters } from "./audit-filters";

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
        ipAddress
        details
        actor {
          email
        }
        user {
          email
        }
      }
      pageInfo {
        ...NextPage
      }
    }
  }
`);

export function AuditPage() {
  const [filters, setFilters] = useState(NO_FILTERS);
  const pages = useCursorPages();
  const [result] = useQuery({
    query: EVENTS,
    variables: { first: 25, after: pages.after, filter: auditFilter(filters) },
    requestPolicy: "cache-and-network",
  });
  const refilter = (change: Partial<AuditFilters>) => {
    setFilters({ ...filters, ...change });
    pages.restart();
  };
  const page = result.data?.auditEvents;
  return (
    <>
      <h1>Audit log</h1>
      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <Select label="Action" {...bind(filters, "action", refilter)}>
          <option value="">Any</option>
          {ACTIONS.map((action) => (
            <option key={action} value={action}>
              {actionText(action)}
            </option>
          ))}
        </Select>
        {(["actorId", "userId"] as const).map((name) => (
          <Field
            key={name}
            label={name === "actorId" ? "Actor id" : "User id"}
            name={name}
            {...bind(filters, name, refilter)}
            hint={filters[name] && !idFilter(filters[name]) ? "Not a whole id yet" : undefined}
          />
        ))}
        <Field label="From" name="since" type="date" {...bind(filters, "since", refilter)} />
        <Field label="Until" name="until" type="date" {...bind(filters, "until", refilter)} />
      </form>
      <ProblemNote problem={problemOf(result.error)} />
      <p aria-live="polite">{page ? `${page.totalCount} events` : "Loading…"}</p>
      <Table columns={["When", "Action", "Actor", "User", "From", "Details"]}>
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
      </Table>
      <Pager
        label="Pages of events"
        previousText="Newer"
        nextText="Older"
        {...pages.moves(page?.pageInfo)}
      />
    </>
  );
}
