// The groups, searchable and paged, for those who may view groups; and the form that creates
// one, for those who manage them.
import { useState } from "react";
import { useQuery } from "urql";
import { Link } from "wouter";
import { graphql } from "../../gql";
import { problemOf } from "../../app/errors";
import { PERMISSIONS } from "../../app/permissions";
import { allowed, useViewer } from "../../app/viewer";
import { count } from "../../components/format";
import { Field, ProblemNote } from "../../components/form";
import { Pager, useCursorPages } from "../../components/pager";
import { CreateGroup } from "./create-group";

const GROUPS = graphql(`
  query Groups($search: String, $after: String) {
    groups(first: 20, after: $after, search: $search) {
      totalCount
      nodes {
        id
        name
        description
        memberCount
      }
      pageInfo {
        ...NextPage
      }
    }
  }
`);

export function GroupsPage() {
  const { me } = useViewer();
  const [search, setSearch] = useState("");
  const pages = useCursorPages();
  const [result] = useQuery({
    query: GROUPS,
    variables: { search: search || undefined, after: pages.after },
    requestPolicy: "cache-and-network",
  });
  const list = result.data?.groups;
  return (
    <>
      <h1>Groups</h1>
      {allowed(me, PERMISSIONS.GROUPS_MANAGE) && <CreateGroup />}
      <form role="search" onSubmit={(event) => event.preventDefault()}>
        <Field
          label="Search groups"
          name="search"
          type="search"
          value={search}
          onChange={(event) => {
            setSearch(event.target.value);
            pages.restart();
          }}
        />
      </form>
      <ProblemNote problem={problemOf(result.error)} />
      {list && list.nodes.length === 0 && (
        <p>{search ? "No group matches." : "There are no groups yet."}</p>
      )}
      <ul className="cards">
        {list?.nodes.map((group) => (
          <li key={group.id}>
            <Link href={`/admin/groups/${group.id}`}>{group.name}</Link> ·{" "}
            {count(group.memberCount, "member")}
            {group.description && <p>{group.description}</p>}
          </li>
        ))}
      </ul>
      <Pager label="Pages of groups" {...pages.moves(list?.pageInfo)} />
    </>
  );
}
