//! Business rules and transactions, by domain. Services take plain Rust inputs and the acting
//! `Viewer`, and return entities or `AppError`; they know nothing of GraphQL or HTTP.
//!
//! - `account`: a user's own account (registration, profile, password, deletion)
//! - `sessions`: the one door into a session, login, refresh rotation, logout, the login throttle
//! - `recovery`: password reset and email verification by mailed link
//! - `admin`: accounts as administrators see and change them, the user listing, groups,
//!   permissions and membership, `create-superuser`
//! - `identity`: sign-in with identity providers (OpenID Connect, Google, GitHub), linked
//!   identities, and the providers an ADMIN configures
//! - `mfa`: second factors (authenticator apps, recovery codes) and step-up
//! - `passkeys`: WebAuthn passkeys, to sign in without a password, as a second factor and to
//!   reauthenticate
//! - `audit`: the events every change records in its own transaction, and who reads what
//! - `keys`: the JWT secret, the encryption key and the signing key pairs, kept in the database
//! - `rules`: rules shared by the domains (input validation, profile fields, what a caller may
//!   grant, the last ADMIN)
//! - `rows`: how services find, link and page rows (lookups with locks, link-table rows, keyset
//!   pages)
//!
//! Mail a change must send is written through `mail::outbox`, in the change's transaction.

pub mod account;
pub mod admin;
pub mod audit;
pub mod identity;
pub mod keys;
pub mod mfa;
pub mod passkeys;
pub mod recovery;
pub mod rows;
pub mod rules;
pub mod sessions;
