//! Business rules and transactions, one module per domain. Services take plain Rust inputs
//! and return entities or `AppError`; they know nothing of GraphQL or HTTP.

pub mod groups;
pub mod input;
pub mod pagination;
pub mod permissions;
pub mod sessions;
pub mod settings;
pub mod users;
