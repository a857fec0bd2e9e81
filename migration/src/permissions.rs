//! The built-in permissions: a constant per codename, which the application's guards and
//! checks name, and what the seeding steps write for each. The steps that have shipped read
//! their rows from here, so these rows are as fixed as the steps: a new permission (or a new
//! name for one) is a new list and a new step, never an edit.

/// List, search and read every user account.
pub const USERS_VIEW: &str = "users.view";
/// Create user accounts.
pub const USERS_CREATE: &str = "users.create";
/// Edit user accounts and activate or deactivate them.
pub const USERS_UPDATE: &str = "users.update";
/// Delete and restore user accounts.
pub const USERS_DELETE: &str = "users.delete";
/// List and read groups.
pub const GROUPS_VIEW: &str = "groups.view";
/// Create, edit and delete groups and their members.
pub const GROUPS_MANAGE: &str = "groups.manage";
/// List the permissions that exist.
pub const PERMISSIONS_VIEW: &str = "permissions.view";
/// Read every event of the audit log.
pub const AUDIT_VIEW: &str = "audit.view";

/// A built-in permission's row, as a seeding step writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinPermission {
    pub codename: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

/// What step `m20261124_000005_seed_builtin_permissions` writes, in its order (which gives each
/// its fixed id).
pub const SEEDED_FIRST: [BuiltinPermission; 7] = [
    BuiltinPermission {
        codename: USERS_VIEW,
        name: "View users",
        description: "List, search and read every user account.",
    },
    BuiltinPermission {
        codename: USERS_CREATE,
        name: "Create users",
        description: "Create user accounts.",
    },
    BuiltinPermission {
        codename: USERS_UPDATE,
        name: "Update users",
        description: "Edit user accounts and activate or deactivate them.",
    },
    BuiltinPermission {
        codename: USERS_DELETE,
        name: "Delete users",
        description: "Delete and restore user accounts.",
    },
    BuiltinPermission {
        codename: GROUPS_VIEW,
        name: "View groups",
        description: "List and read groups.",
    },
    BuiltinPermission {
        codename: GROUPS_MANAGE,
        name: "Manage groups",
        description: "Create, edit and delete groups and their members.",
    },
    BuiltinPermission {
        codename: PERMISSIONS_VIEW,
        name: "View permissions",
        description: "List the permissions that exist.",
    },
];

/// What step `m20261203_000012_create_audit_events` writes with the audit log.
pub const SEEDED_WITH_AUDIT_LOG: BuiltinPermission = BuiltinPermission {
    codename: AUDIT_VIEW,
    name: "View the audit log",
    description: "Read every event of the audit log.",
};
