//! Authentication: tokens, passwords (policy and hashing), in-memory rate limits, and the
//! request's viewer. Plain Rust over the database; how the schema reads and guards with them
//! is `graphql::context` and `graphql::guards`.

pub mod password;
pub mod rate_limits;
pub mod tokens;
pub mod viewer;
