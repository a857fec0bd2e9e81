// What the user list asks the API for: its filters as the page holds them (text from the
// controls), and the page, by number (offset) or by cursor from the page it was on.
import type {
  DeletedFilter,
  OrderDirection,
  Role,
  UserOrderField,
  UsersQueryVariables,
} from "../../gql/graphql";

export const PAGE_SIZE = 10;

export interface UserFilters {
  search: string;
  role: Role | "";
  /** "" for either, or whether the account is active. */
  active: "" | "true" | "false";
  /** "" for either, or whether the account holds a second factor. */
  mfa: "" | "true" | "false";
  deleted: DeletedFilter;
  groupId: string;
  order: `${UserOrderField} ${OrderDirection}`;
}

export const NO_FILTERS: UserFilters = {
  search: "",
  role: "",
  active: "",
  mfa: "",
  deleted: "EXCLUDE",
  groupId: "",
  order: "CREATED_AT DESC",
};

/** How the list is paged; the page number is kept either way, for the pager. */
export type Paging =
  { kind: "offset"; page: number } | { kind: "after" | "before"; page: number; cursor: string };

export const FIRST_PAGE: Paging = { kind: "offset", page: 0 };

export function listVariables(filters: UserFilters, paging: Paging): UsersQueryVariables {
  const [field, direction] = filters.order.split(" ") as [UserOrderField, OrderDirection];
  const page =
    paging.kind === "offset"
      ? { first: PAGE_SIZE, offset: paging.page * PAGE_SIZE }
      : paging.kind === "after"
        ? { first: PAGE_SIZE, after: paging.cursor }
        : { last: PAGE_SIZE, before: paging.cursor };
  return {
    ...page,
    filter: {
      search: filters.search || undefined,
      role: filters.role || undefined,
      isActive: filters.active === "" ? undefined : filters.active === "true",
      mfaEnabled: filters.mfa === "" ? undefined : filters.mfa === "true",
      groupId: filters.groupId || undefined,
      deleted: filters.deleted,
    },
    orderBy: { field, direction },
  };
}
