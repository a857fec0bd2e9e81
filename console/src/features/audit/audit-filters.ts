// What the audit log's filter controls mean to the API: the actions to choose from, whole
// days in the viewer's time zone, and ids once they are whole.
import type { AuditAction, AuditEventFilter } from "../../gql/graphql";

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
  "SIGNING_KEY_ADDED",
  "SIGNING_KEY_ACTIVATED",
  "SIGNING_KEY_RETIRED",
  "SIGNING_KEY_REVOKED",
  "REAUTHENTICATED",
  "TOTP_ENABLED",
  "TOTP_REMOVED",
  "RECOVERY_CODES_GENERATED",
  "RECOVERY_CODE_USED",
  "MFA_RESET",
  "SECOND_FACTOR_FAILED",
  "IDENTITY_LINKED",
  "IDENTITY_UNLINKED",
  "PASSWORD_SET",
  "IDENTITY_PROVIDER_CREATED",
  "IDENTITY_PROVIDER_UPDATED",
  "IDENTITY_PROVIDER_DELETED",
  "PASSKEY_ADDED",
  "PASSKEY_REMOVED",
  "PASSKEY_REJECTED",
];

/** The filter controls as the page holds them (text from the inputs). */
export interface AuditFilters {
  action: AuditAction | "";
  actorId: string;
  userId: string;
  /** `YYYY-MM-DD` from a date input, or "". */
  since: string;
  until: string;
}

export const NO_FILTERS: AuditFilters = {
  action: "",
  actorId: "",
  userId: "",
  since: "",
  until: "",
};

/** The start of day `day` (`YYYY-MM-DD` from a date input), plus `plus` days, in the viewer's
 * time zone (so a day of a clock change is still one calendar day). */
export function dayStart(day: string, plus = 0): string | undefined {
  if (!day) return undefined;
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year, month - 1, date + plus).toISOString();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id filter once it is a whole id (none while it is being typed). */
export function idFilter(text: string): string | undefined {
  const id = text.trim();
  return UUID.test(id) ? id : undefined;
}

export function auditFilter(filters: AuditFilters): AuditEventFilter {
  return {
    actions: filters.action ? [filters.action] : undefined,
    actorId: idFilter(filters.actorId),
    userId: idFilter(filters.userId),
    since: dayStart(filters.since),
    // The whole of the "until" day is included.
    until: dayStart(filters.until, 1),
  };
}
