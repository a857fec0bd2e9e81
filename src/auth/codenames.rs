//! The built-in permissions' codenames, which guards and rules name instead of strings. They
//! are the migration's (`migration::permissions`), so the seed and the checks cannot drift.

pub use migration::permissions::{
    AUDIT_VIEW, GROUPS_MANAGE, GROUPS_VIEW, PERMISSIONS_VIEW, USERS_CREATE, USERS_DELETE,
    USERS_UPDATE, USERS_VIEW,
};
