//! How services reach rows, so that no service imports another for it.
//!
//! - `lookup`: the rows a change names, found or `NOT_FOUND`, locked as the change needs
//! - `link_rows`: the one way services write `user_groups`, `user_permissions` and
//!   `group_permissions`
//! - `pages`: keyset (Relay) and offset pagination over any entity

pub mod link_rows;
pub mod lookup;
pub mod pages;
