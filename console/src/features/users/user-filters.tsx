// The user list's search, filters and order; any change starts the list at its first page.
import { PERMISSIONS } from "../../app/permissions";
import { allowed, useViewer } from "../../app/viewer";
import { Field, Select, bind } from "../../components/form";
import { useGroupChoices } from "./group-choices";
import type { UserFilters as Filters } from "./list-variables";

interface UserFiltersProps {
  filters: Filters;
  onChange: (change: Partial<Filters>) => void;
}

export function UserFilters({ filters, onChange }: UserFiltersProps) {
  const { me } = useViewer();
  const groups = useGroupChoices(allowed(me, PERMISSIONS.GROUPS_VIEW));
  return (
    <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
      <Field label="Search" name="search" type="search" {...bind(filters, "search", onChange)} />
      <Select label="Role" {...bind(filters, "role", onChange)}>
        <option value="">Any</option>
        <option value="USER">User</option>
        <option value="ADMIN">Admin</option>
      </Select>
      <Select label="Status" {...bind(filters, "active", onChange)}>
        <option value="">Any</option>
        <option value="true">Active</option>
        <option value="false">Deactivated</option>
      </Select>
      <Select label="Two-factor" {...bind(filters, "mfa", onChange)}>
        <option value="">Any</option>
        <option value="true">On</option>
        <option value="false">Off</option>
      </Select>
      <Select label="Deleted" {...bind(filters, "deleted", onChange)}>
        <option value="EXCLUDE">Hide deleted</option>
        <option value="INCLUDE">Include deleted</option>
        <option value="ONLY">Only deleted</option>
      </Select>
      {groups && (
        <Select label="Group" {...bind(filters, "groupId", onChange)}>
          <option value="">Any</option>
          {groups.map((group) => (
            <option key={group.id} value={group.id}>
              {group.name}
            </option>
          ))}
        </Select>
      )}
      <Select label="Order" {...bind(filters, "order", onChange)}>
        <option value="CREATED_AT DESC">Newest first</option>
        <option value="CREATED_AT ASC">Oldest first</option>
        <option value="EMAIL ASC">Email A–Z</option>
        <option value="EMAIL DESC">Email Z–A</option>
        <option value="USERNAME ASC">Username A–Z</option>
        <option value="LAST_LOGIN_AT DESC">Last sign-in</option>
      </Select>
    </form>
  );
}
