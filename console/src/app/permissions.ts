// Every permission codename the console names, as the server seeds them (its migrations and
// guards): one list, so a renamed codename is changed in one place and checked against the
// server's by a test. Which of them a viewer holds comes from `me`, never from the token.

export const PERMISSIONS = {
  USERS_VIEW: "users.view",
  USERS_CREATE: "users.create",
  USERS_UPDATE: "users.update",
  USERS_DELETE: "users.delete",
  GROUPS_VIEW: "groups.view",
  GROUPS_MANAGE: "groups.manage",
  PERMISSIONS_VIEW: "permissions.view",
  AUDIT_VIEW: "audit.view",
} as const;

/** A codename the console names. */
export type Codename = (typeof PERMISSIONS)[keyof typeof PERMISSIONS];
