//! Rules more than one domain applies, each checked one way wherever it matters.
//!
//! - `validation`: input limits of API.md (lengths, characters, emails, usernames, ids)
//! - `profile_fields`: the profile fields a user or an administrator edits, and new accounts
//! - `grants`: what a caller that is not an ADMIN may grant (`Grantor`)
//! - `last_admin`: the system always keeps one active ADMIN

pub mod grants;
pub mod last_admin;
pub mod profile_fields;
pub mod validation;
