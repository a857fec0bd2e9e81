// Groups (create, edit, permissions, members) and the permission list.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { Link, useLocation } from "wouter";
import { graphql } from "../gql";
import { problemOf, type Problem } from "../errors";
import { Field, Forbidden, Notice, ProblemNote, Submit } from "../components/ui";
import { allowed, useViewer } from "../viewer";

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
        hasNextPage
        endCursor
      }
    }
  }
`);

const GROUP = graphql(`
  query GroupDetail($id: ID!, $members: Boolean!, $permissions: Boolean!) {
    group(id: $id) {
      id
      name
      description
      memberCount
      permissions {
        id
        codename
      }
      members(first: 50) @include(if: $members) {
        nodes {
          id
          email
          fullName
        }
      }
    }
    permissions @include(if: $permissions) {
      id
      codename
      name
    }
  }
`);

const CREATE_GROUP = graphql(`
  mutation CreateGroup($input: GroupInput!) {
    createGroup(input: $input) {
      id
    }
  }
`);
const UPDATE_GROUP = graphql(`
  mutation UpdateGroup($id: ID!, $input: GroupInput!) {
    updateGroup(id: $id, input: $input) {
      id
    }
  }
`);
const DELETE_GROUP = graphql(`
  mutation DeleteGroup($id: ID!) {
    deleteGroup(id: $id)
  }
`);
const REMOVE_MEMBER = graphql(`
  mutation RemoveMember($userId: ID!, $groupId: ID!) {
    removeUserFromGroup(userId: $userId, groupId: $groupId) {
      id
    }
  }
`);

const PERMISSIONS = graphql(`
  query Permissions {
    permissions {
      id
      codename
      name
      description
    }
  }
`);
const CREATE_PERMISSION = graphql(`
  mutation CreatePermission($input: PermissionInput!) {
    createPermission(input: $input) {
      id
    }
  }
`);
const DELETE_PERMISSION = graphql(`
  mutation DeletePermission($id: ID!) {
    deletePermission(id: $id)
  }
`);

export function Groups() {
  const { me } = useViewer();
  const [, navigate] = useLocation();
  const [search, setSearch] = useState("");
  const [after, setAfter] = useState<string | null>(null);
  const [result] = useQuery({
    query: GROUPS,
    variables: { search: search || undefined, after },
    pause: !allowed(me, "groups.view"),
    requestPolicy: "cache-and-network",
  });
  const [state, create] = useMutation(CREATE_GROUP);
  const [problem, setProblem] = useState<Problem | null>(null);
  if (!allowed(me, "groups.view")) return <Forbidden />;
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const result = await create({
      input: {
        name: String(data.get("name")),
        description: String(data.get("description") ?? "") || undefined,
      },
    });
    setProblem(problemOf(result.error));
    if (result.data) navigate(`/admin/groups/${result.data.createGroup.id}`);
  }
  const list = result.data?.groups;
  return (
    <>
      <h1>Groups</h1>
      {allowed(me, "groups.manage") && (
        <form onSubmit={submit} noValidate className="panel" aria-label="New group">
          <ProblemNote problem={problem} />
          <div className="grid">
            <Field label="New group's name" name="name" required problem={problem} />
            <Field label="Description" name="description" problem={problem} />
          </div>
          <Submit busy={state.fetching}>Create group</Submit>
        </form>
      )}
      <form role="search" onSubmit={(e) => e.preventDefault()}>
        <Field
          label="Search groups"
          name="search"
          type="search"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setAfter(null);
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
            <Link href={`/admin/groups/${group.id}`}>{group.name}</Link> · {group.memberCount}{" "}
            {group.memberCount === 1 ? "member" : "members"}
            {group.description && <p>{group.description}</p>}
          </li>
        ))}
      </ul>
      {after && (
        <button type="button" onClick={() => setAfter(null)}>
          First page
        </button>
      )}
      {list?.pageInfo.hasNextPage && (
        <button type="button" onClick={() => setAfter(list.pageInfo.endCursor ?? null)}>
          Next page
        </button>
      )}
    </>
  );
}

export function GroupPage({ id }: { id: string }) {
  const { me } = useViewer();
  const [, navigate] = useLocation();
  const [result, refetch] = useQuery({
    query: GROUP,
    // Members are users (`users.view`); the list of every permission is `permissions.view`'s.
    variables: {
      id,
      members: allowed(me, "users.view"),
      permissions: allowed(me, "permissions.view"),
    },
    pause: !allowed(me, "groups.view"),
  });
  const [updating, update] = useMutation(UPDATE_GROUP);
  const [, remove] = useMutation(DELETE_GROUP);
  const [, removeMember] = useMutation(REMOVE_MEMBER);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  if (!allowed(me, "groups.view")) return <Forbidden />;
  const group = result.data?.group;
  if (result.error && !group) return <ProblemNote problem={problemOf(result.error)} />;
  if (!group) return <p>{result.fetching ? "Loading…" : "No such group."}</p>;
  const manage = allowed(me, "groups.manage");
  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const permissionIds = [
      ...form.querySelectorAll<HTMLInputElement>('input[name="permission"]:checked'),
    ].map((i) => i.value);
    const outcome = await update({
      id,
      input: {
        name: String(data.get("name")),
        description: String(data.get("description") ?? "") || undefined,
        permissionIds,
      },
    });
    setProblem(problemOf(outcome.error));
    setNotice(outcome.error ? null : "Saved.");
    refetch({ requestPolicy: "network-only" });
  }
  return (
    <>
      <h1>{group.name}</h1>
      <form onSubmit={save} noValidate key={group.name + group.permissions.map((p) => p.id).join()}>
        <ProblemNote problem={problem} />
        {notice && <Notice>{notice}</Notice>}
        <div className="grid">
          <Field
            label="Name"
            name="name"
            defaultValue={group.name}
            required
            problem={problem}
            disabled={!manage}
          />
          <Field
            label="Description"
            name="description"
            defaultValue={group.description ?? ""}
            problem={problem}
            disabled={!manage}
            multiline
          />
        </div>
        <fieldset>
          <legend>Permissions this group grants</legend>
          {(result.data?.permissions ?? group.permissions).map((permission) => (
            <label key={permission.id} className="check">
              <input
                type="checkbox"
                name="permission"
                value={permission.id}
                defaultChecked={group.permissions.some((p) => p.id === permission.id)}
                disabled={!manage}
              />{" "}
              <code>{permission.codename}</code>
            </label>
          ))}
        </fieldset>
        {manage && <Submit busy={updating.fetching}>Save group</Submit>}
      </form>
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">Members ({group.memberCount})</h2>
        <ul className="cards">
          {group.members?.nodes.map((member) => (
            <li key={member.id}>
              <Link href={`/admin/users/${member.id}`}>{member.email}</Link>{" "}
              {member.fullName !== member.email && `(${member.fullName})`}
              {manage && (
                <button
                  type="button"
                  aria-label={`Remove ${member.email} from ${group.name}`}
                  onClick={async () => {
                    const outcome = await removeMember({ userId: member.id, groupId: id });
                    setProblem(problemOf(outcome.error));
                    refetch({ requestPolicy: "network-only" });
                  }}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
        <p className="hint">Add members from a user's page.</p>
      </section>
      {manage && (
        <button
          type="button"
          className="danger"
          onClick={async () => {
            if (!window.confirm(`Delete the group ${group.name}? Its members lose what it grants.`))
              return;
            const outcome = await remove({ id });
            setProblem(problemOf(outcome.error));
            if (!outcome.error) navigate("/admin/groups");
          }}
        >
          Delete group
        </button>
      )}
    </>
  );
}

export function Permissions() {
  const { me } = useViewer();
  const [result, refetch] = useQuery({
    query: PERMISSIONS,
    pause: !allowed(me, "permissions.view"),
  });
  const [state, create] = useMutation(CREATE_PERMISSION);
  const [, remove] = useMutation(DELETE_PERMISSION);
  const [problem, setProblem] = useState<Problem | null>(null);
  if (!allowed(me, "permissions.view")) return <Forbidden />;
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const outcome = await create({
      input: {
        codename: String(data.get("codename")),
        name: String(data.get("name")),
        description: String(data.get("description") ?? "") || undefined,
      },
    });
    setProblem(problemOf(outcome.error));
    if (!outcome.error) form.reset();
    refetch({ requestPolicy: "network-only" });
  }
  return (
    <>
      <h1>Permissions</h1>
      {me?.isAdmin && (
        <form onSubmit={submit} noValidate className="panel" aria-label="New permission">
          <ProblemNote problem={problem} />
          <div className="grid">
            <Field
              label="Codename"
              name="codename"
              required
              problem={problem}
              hint="Lower-case letters, digits, '.' and '_', e.g. reports.view"
            />
            <Field label="Name" name="name" required problem={problem} />
            <Field label="Description" name="description" problem={problem} />
          </div>
          <Submit busy={state.fetching}>Create permission</Submit>
        </form>
      )}
      <ProblemNote problem={problemOf(result.error)} />
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Codename</th>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              {me?.isAdmin && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {result.data?.permissions.map((permission) => (
              <tr key={permission.id}>
                <td>
                  <code>{permission.codename}</code>
                </td>
                <td>{permission.name}</td>
                <td>{permission.description}</td>
                {me?.isAdmin && (
                  <td>
                    <button
                      type="button"
                      aria-label={`Delete ${permission.codename}`}
                      onClick={async () => {
                        if (
                          !window.confirm(
                            `Delete ${permission.codename}? Every user and group loses it.`,
                          )
                        )
                          return;
                        const outcome = await remove({ id: permission.id });
                        setProblem(problemOf(outcome.error));
                        refetch({ requestPolicy: "network-only" });
                      }}
                    >
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
