// The list of accounts for those who may view users: search, filters, order, and pages by
// number and by cursor; and the form that creates an account.
import { useState } from "react";
import { useQuery } from "urql";
import { Link } from "wouter";
import { graphql } from "../../gql";
import { problemOf } from "../../app/errors";
import { PERMISSIONS } from "../../app/permissions";
import { allowed, useViewer } from "../../app/viewer";
import { count, when } from "../../components/format";
import { ProblemNote } from "../../components/form";
import { Pager } from "../../components/pager";
import { Table } from "../../components/table";
import { CreateUser } from "./create-user";
import { UserFilters } from "./user-filters";
import { FIRST_PAGE, NO_FILTERS, PAGE_SIZE, listVariables, type Paging } from "./list-variables";

const USERS = graphql(`
  query Users(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $offset: Int
    $filter: UserFilter
    $orderBy: UserOrder
  ) {
    users(
      first: $first
      after: $after
      last: $last
      before: $before
      offset: $offset
      filter: $filter
      orderBy: $orderBy
    ) {
      totalCount
      nodes {
        id
        email
        fullName
        role
        isActive
        isDeleted
        mfaEnabled
        lastLoginAt
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`);

export function UsersPage() {
  const { me } = useViewer();
  const [filters, setFilters] = useState(NO_FILTERS);
  const [paging, setPaging] = useState<Paging>(FIRST_PAGE);
  const [result] = useQuery({
    query: USERS,
    variables: listVariables(filters, paging),
    requestPolicy: "cache-and-network",
  });
  const list = result.data?.users;
  const current = paging.page;
  const before = list?.pageInfo.hasPreviousPage ? list.pageInfo.startCursor : null;
  const after = list?.pageInfo.hasNextPage ? list.pageInfo.endCursor : null;
  return (
    <>
      <h1>Users</h1>
      {allowed(me, PERMISSIONS.USERS_CREATE) && <CreateUser />}
      <UserFilters
        filters={filters}
        onChange={(change) => {
          setFilters({ ...filters, ...change });
          setPaging(FIRST_PAGE);
        }}
      />
      <ProblemNote problem={problemOf(result.error)} />
      <p aria-live="polite">{list ? count(list.totalCount, "user") : "Loading…"}</p>
      <Table columns={["Email", "Name", "Role", "Status", "Two-factor", "Last sign-in"]}>
        {list?.nodes.map((user) => (
          <tr key={user.id}>
            <td>
              <Link href={`/admin/users/${user.id}`}>{user.email}</Link>
            </td>
            <td>{user.fullName}</td>
            <td>{user.role}</td>
            <td>{user.isDeleted ? "Deleted" : user.isActive ? "Active" : "Deactivated"}</td>
            <td>{user.mfaEnabled ? "On" : "Off"}</td>
            <td>{when(user.lastLoginAt)}</td>
          </tr>
        ))}
      </Table>
      {list && (
        <Pager
          label="Pages of users"
          numbers={{
            current,
            count: Math.max(1, Math.ceil(list.totalCount / PAGE_SIZE)),
            onPage: (page) => setPaging({ kind: "offset", page }),
          }}
          onPrevious={
            before
              ? () => setPaging({ kind: "before", cursor: before, page: Math.max(0, current - 1) })
              : undefined
          }
          onNext={
            after ? () => setPaging({ kind: "after", cursor: after, page: current + 1 }) : undefined
          }
        />
      )}
    </>
  );
}
