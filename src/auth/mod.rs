//! Authentication: tokens, the key pairs that sign them and the claims already verified with
//! them, passwords (policy and hashing), in-memory rate limits, the request's viewer, and the
//! built-in permissions' codenames. Plain Rust over the database; how the schema reads and
//! guards with them is `graphql::context` and `graphql::guards`.

pub mod codenames;
pub mod key_pairs;
pub mod key_ring;
pub mod password;
pub mod rate_limits;
pub mod tokens;
mod verified_claims;
pub mod viewer;
