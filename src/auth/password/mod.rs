//! Passwords: the policy a new one must meet (`policy`: length, zxcvbn strength) and argon2id
//! hashing (`hasher`: `Passwords`, which runs the hashes on the blocking pool within bounds;
//! `phc`: the hash strings themselves, computed in reused memory).

mod hasher;
mod phc;
mod policy;

pub use self::hasher::Passwords;
pub use self::phc::needs_rehash;
pub use self::policy::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, check_policy};
