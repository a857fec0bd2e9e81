//! Second factors (API.md, "Two-factor authentication and step-up").
//!
//! - `totp`: RFC 6238 codes (SHA-1, 6 digits, 30 s steps, one step either side) with
//!   `totp-rs`, the secret and its `otpauth://` URI, and the rule that each step is accepted
//!   once per factor.
//! - `recovery_codes`: ten single-use codes in Crockford base32, how any accepted spelling of
//!   one is read, and the keyed digest that is all the database keeps of each.
//! - `factors`: TOTP enrolment, confirmation and removal; a code checked against every factor.
//! - `second_factor`: proving a second factor (a TOTP code or a recovery code), used up.
//! - `challenges`: the second step of signing in (`verifySecondFactor`).
//! - `step_up`: what asks for a recent reauthentication, and what can give it.
//! - `management`: new recovery codes, and an administrator's reset of an account's factors.
//! - `account`: the account row's lock and `mfa_enabled` flag.

pub mod account;
pub mod challenges;
pub mod factors;
pub mod management;
pub mod recovery_codes;
pub mod second_factor;
pub mod step_up;
pub mod totp;

pub use second_factor::SecondFactor;
