//! Administration over HTTP: who may call each guarded operation (one table), the operations on
//! users, groups and permissions end to end, privilege escalation, and the rule that the system
//! always keeps one active ADMIN, also under concurrent demotions.

mod authorization;
mod escalation;
mod field_visibility;
mod groups_and_permissions;
mod last_admin;
mod live_permissions;
mod users;
