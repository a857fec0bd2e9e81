//! Administration: what administrators (and holders of the matching permissions) do to other
//! accounts, groups and permissions. Who may call each operation is declared on the schema;
//! which rows a caller may change is decided here, on rows locked in the writing transaction.
//!
//! - `users`: viewing, creating, editing, deactivating, deleting and restoring accounts
//! - `user_events`: the audit events those changes record
//! - `superuser`: `roster create-superuser`, for the operator
//! - `listing`: the `users` query's filter, orderings and pages
//! - `groups`, `permissions`, `membership`: groups, the permission list, who belongs where

pub mod groups;
pub mod listing;
pub mod membership;
pub mod permissions;
pub mod superuser;
mod user_events;
pub mod users;
