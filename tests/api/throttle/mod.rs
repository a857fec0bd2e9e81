//! Throttling: failed logins counted in the database (`login`), and the in-memory rate limits
//! (`rates`).

pub mod login;
mod rates;
