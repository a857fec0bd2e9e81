//! A user's own account: what its owner does to it. Every entry point that checks a password
//! or tells whether a value is taken is rate-limited. Signing in is `sessions`'; recovery by
//! mailed link is `recovery`'.
//!
//! - `registration`: `register`
//! - `address`: the mail with the link that proves the account's address
//! - `profile`: `updateProfile` (a new email needs the current password)
//! - `password`: `changePassword`, and the one way an owner's password is replaced
//! - `deletion`: `deleteAccount`
//! - `reauthentication`: `reauthenticate`, and whether a session's proof is recent
//! - `ways_in`: whether removing a provider identity or a passkey leaves the account a way in

mod address;
mod deletion;
pub(crate) mod password;
mod profile;
pub mod reauthentication;
mod registration;
pub mod ways_in;

pub(crate) use address::queue_verification;
pub use deletion::delete_account;
pub use password::{change_password, set_password};
pub use profile::update_profile;
pub use registration::register;
