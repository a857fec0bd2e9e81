//! Roster: user management behind one GraphQL API.
//!
//! A request flows one way: `http` (axum: routes, GraphQL over HTTP, the console) -> `graphql`
//! (the schema: thin resolvers, guards, limits, and the one place errors become responses) ->
//! `services` (rules and transactions, by domain) -> `db` (sea-orm entities), with `auth` beside
//! it (tokens, passwords, the viewer, rate limits). `mail` holds the outbox services write to
//! and the worker that sends it. `app` wires everything together and runs the background work;
//! `config` (the settings), `error` (`AppError`), `state` (what requests share) and `metrics`
//! are shared by all.

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
