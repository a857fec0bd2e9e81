//! Integration tests over real HTTP: each test starts the real router on port 0 with a fresh
//! database built by the migrations, on SQLite always and on PostgreSQL when
//! `TEST_DATABASE_URL` is set (a database created for the test and dropped after it).
//!
//! `per_backend!(name, ...)` (in `support::backends`) turns `async fn name(app: TestApp)` into
//! the tests `name::sqlite` and `name::postgres`; without `TEST_DATABASE_URL` the PostgreSQL
//! ones say `skipped:` on the terminal instead of running.

#[macro_use]
mod support;

mod admin;
mod audit;
mod auth;
mod codenames;
mod console;
mod credentials;
mod docs;
mod faults;
mod hardening;
mod http;
mod identity;
mod identity_forgery;
mod keys;
mod mfa;
mod operations;
mod pagination;
mod passkeys;
mod passkeys_contract;
mod recovery;
mod schema;
mod throttle;
