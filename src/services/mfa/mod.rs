//! Second factors (API.md, "Two-factor authentication and step-up"). This room holds what the
//! sign-in, enrolment and step-up flows are built from, each a pure piece with its tests:
//!
//! - `totp`: RFC 6238 codes (SHA-1, 6 digits, 30 s steps, one step either side) with
//!   `totp-rs`, the secret and its `otpauth://` URI, and the rule that each step is accepted
//!   once per factor.
//! - `recovery_codes`: ten single-use codes in Crockford base32, how any accepted spelling of
//!   one is read, and the keyed digest that is all the database keeps of it.

pub mod recovery_codes;
pub mod totp;
