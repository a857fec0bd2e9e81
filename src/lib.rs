//! Roster: user management behind one GraphQL API.
//!
//! A request flows one way: `http` (axum) -> `graphql` (thin resolvers) -> `services` (rules,
//! transactions) -> `db` (sea-orm entities), with `auth` beside it (tokens, passwords, the
//! viewer, guards). `mail` sends what the outbox holds; `app` wires them together; `config` and `error` are shared by all.

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod services;
pub mod state;
