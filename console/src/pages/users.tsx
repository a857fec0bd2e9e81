// Administration of accounts: the list (search, filters, order, pages by number and by
// cursor), creating an account, and one account's page (edit, role, activation, groups,
// direct permissions, delete and restore). Shown to those the API says may use it.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { Link, useLocation } from "wouter";
import { graphql } from "../gql";
import type { DeletedFilter, OrderDirection, Role, UserOrderField } from "../gql/graphql";
import { problemOf, type Problem } from "../errors";
import { Field, Forbidden, ProblemNote, Select, Submit, when } from "../components/ui";
import { allowed, useViewer } from "../viewer";
import { pageWindow } from "../paging";

const PAGE_SIZE = 10;

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

const GROUP_CHOICES = graphql(`
  query GroupChoices {
    groups(first: 100) {
      nodes {
        id
        name
      }
    }
  }
`);

const CREATE_USER = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      id
    }
  }
`);

/** How the list is paged: by page number (offset), or by cursor from the page it was on; the
 * page number is kept either way. */
type Paging = { kind: "offset" | "after" | "before"; page: number; cursor?: string };

export function Users() {
  const { me } = useViewer();
  const [search, setSearch] = useState("");
  const [role, setRole] = useState<Role | "">("");
  const [active, setActive] = useState("");
  const [deleted, setDeleted] = useState<DeletedFilter>("EXCLUDE");
  const [groupId, setGroupId] = useState("");
  const [order, setOrder] = useState<`${UserOrderField} ${OrderDirection}`>("CREATED_AT DESC");
  const [paging, setPaging] = useState<Paging>({ kind: "offset", page: 0 });
  const canView = allowed(me, "users.view");
  const filter = {
    search: search || undefined,
    role: role || undefined,
    isActive: active === "" ? undefined : active === "true",
    groupId: groupId || undefined,
    deleted,
  };
  const [field, direction] = order.split(" ") as [UserOrderField, OrderDirection];
  const pageVariables =
    paging.kind === "offset"
      ? { first: PAGE_SIZE, offset: paging.page * PAGE_SIZE }
      : paging.kind === "after"
        ? { first: PAGE_SIZE, after: paging.cursor }
        : { last: PAGE_SIZE, before: paging.cursor };
  const current = paging.page;
  const [result] = useQuery({
    query: USERS,
    variables: { ...pageVariables, filter, orderBy: { field, direction } },
    pause: !canView,
    requestPolicy: "cache-and-network",
  });
  const [groups] = useQuery({ query: GROUP_CHOICES, pause: !allowed(me, "groups.view") });
  if (!canView) return <Forbidden />;
  const list = result.data?.users;
  const pages = list ? Math.max(1, Math.ceil(list.totalCount / PAGE_SIZE)) : 1;
  const refilter =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setPaging({ kind: "offset", page: 0 });
    };
  return (
    <>
      <h1>Users</h1>
      {allowed(me, "users.create") && <CreateUser />}
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field
          label="Search"
          name="search"
          type="search"
          value={search}
          onChange={(e) => refilter(setSearch)(e.target.value)}
        />
        <Select
          label="Role"
          value={role}
          onChange={(e) => refilter(setRole)(e.target.value as Role | "")}
        >
          <option value="">Any</option>
          <option value="USER">User</option>
          <option value="ADMIN">Admin</option>
        </Select>
        <Select label="Status" value={active} onChange={(e) => refilter(setActive)(e.target.value)}>
          <option value="">Any</option>
          <option value="true">Active</option>
          <option value="false">Deactivated</option>
        </Select>
        <Select
          label="Deleted"
          value={deleted}
          onChange={(e) => refilter(setDeleted)(e.target.value as DeletedFilter)}
        >
          <option value="EXCLUDE">Hide deleted</option>
          <option value="INCLUDE">Include deleted</option>
          <option value="ONLY">Only deleted</option>
        </Select>
        {groups.data && (
          <Select
            label="Group"
            value={groupId}
            onChange={(e) => refilter(setGroupId)(e.target.value)}
          >
            <option value="">Any</option>
            {groups.data.groups.nodes.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </Select>
        )}
        <Select
          label="Order"
          value={order}
          onChange={(e) => refilter(setOrder)(e.target.value as typeof order)}
        >
          <option value="CREATED_AT DESC">Newest first</option>
          <option value="CREATED_AT ASC">Oldest first</option>
          <option value="EMAIL ASC">Email A–Z</option>
          <option value="EMAIL DESC">Email Z–A</option>
          <option value="USERNAME ASC">Username A–Z</option>
          <option value="LAST_LOGIN_AT DESC">Last sign-in</option>
        </Select>
      </form>
      <ProblemNote problem={problemOf(result.error)} />
      <p aria-live="polite">
        {list ? `${list.totalCount} ${list.totalCount === 1 ? "user" : "users"}` : "Loading…"}
      </p>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Last sign-in</th>
            </tr>
          </thead>
          <tbody>
            {list?.nodes.map((user) => (
              <tr key={user.id}>
                <td>
                  <Link href={`/admin/users/${user.id}`}>{user.email}</Link>
                </td>
                <td>{user.fullName}</td>
                <td>{user.role}</td>
                <td>{user.isDeleted ? "Deleted" : user.isActive ? "Active" : "Deactivated"}</td>
                <td>{when(user.lastLoginAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list && (
        <nav className="pager" aria-label="Pages of users">
          <button
            type="button"
            disabled={!list.pageInfo.hasPreviousPage || !list.pageInfo.startCursor}
            onClick={() =>
              setPaging({
                kind: "before",
                cursor: list.pageInfo.startCursor!,
                page: Math.max(0, current - 1),
              })
            }
          >
            Previous
          </button>
          {pageWindow(current, pages).map((page) => (
            <button
              type="button"
              key={page}
              aria-label={`Page ${page + 1}`}
              aria-current={current === page ? "page" : undefined}
              onClick={() => setPaging({ kind: "offset", page })}
            >
              {page + 1}
            </button>
          ))}
          <span>of {pages}</span>
          <button
            type="button"
            disabled={!list.pageInfo.hasNextPage || !list.pageInfo.endCursor}
            onClick={() =>
              setPaging({ kind: "after", cursor: list.pageInfo.endCursor!, page: current + 1 })
            }
          >
            Next
          </button>
        </nav>
      )}
    </>
  );
}

function CreateUser() {
  const [, navigate] = useLocation();
  const [open, setOpen] = useState(false);
  const [state, create] = useMutation(CREATE_USER);
  const [problem, setProblem] = useState<Problem | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (name: string) => String(data.get(name) ?? "").trim() || undefined;
    const result = await create({
      input: {
        email: String(data.get("email")),
        password: String(data.get("password")),
        username: text("username"),
        firstName: text("firstName"),
        lastName: text("lastName"),
        role: (data.get("role") as Role) ?? "USER",
        emailVerified: data.get("emailVerified") === "on",
      },
    });
    setProblem(problemOf(result.error));
    if (result.data) navigate(`/admin/users/${result.data.createUser.id}`);
  }
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        New user
      </button>
    );
  }
  return (
    <form onSubmit={submit} noValidate className="panel" aria-label="New user">
      <h2>New user</h2>
      <ProblemNote problem={problem} />
      <div className="grid">
        <Field label="Email" name="email" type="email" required problem={problem} autoFocus />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          problem={problem}
        />
        <Field label="Username" name="username" problem={problem} />
        <Field label="First name" name="firstName" problem={problem} />
        <Field label="Last name" name="lastName" problem={problem} />
        <Select label="New user's role" name="role" defaultValue="USER">
          <option value="USER">User</option>
          <option value="ADMIN">Admin</option>
        </Select>
      </div>
      <label className="check">
        <input type="checkbox" name="emailVerified" /> The address is known to be theirs (no
        confirmation mail)
      </label>
      <Submit busy={state.fetching}>Create user</Submit>{" "}
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}
