//! Business rules and transactions, one module per concern. Services take plain Rust inputs
//! and the acting `Viewer`, and return entities or `AppError`; they know nothing of GraphQL
//! or HTTP.
//!
//! - `accounts`: a user's own account (register, login, profile, password, deletion)
//! - `users`: accounts as others see and change them (administration, `create-superuser`)
//! - `user_listing`: the `users` filter, orderings and pages
//! - `membership`, `groups`, `permissions`: who belongs where, and what it grants
//! - `sessions`: token pairs, rotation, logout
//! - `recovery`: password reset and email verification; `account_tokens` (the links' tokens),
//!   `outbox` (mail queued with the change that causes it) and `delivery` (sending it)
//! - `profile`, `grants`, `last_admin`: rules shared by the above
//! - `lookup`, `links`, `input`, `pagination`, `settings`: the plumbing under them

pub mod account_tokens;
pub mod accounts;
pub mod audit;
pub mod delivery;
pub mod grants;
pub mod groups;
pub mod input;
pub mod last_admin;
pub mod links;
pub mod login_throttle;
pub mod lookup;
pub mod membership;
pub mod outbox;
pub mod pagination;
pub mod permissions;
pub mod profile;
pub mod recovery;
pub mod sessions;
pub mod settings;
pub mod user_listing;
pub mod users;
