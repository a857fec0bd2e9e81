//! Account recovery and email verification: `requestPasswordReset`, `resetPassword`,
//! `sendVerificationEmail`, `verifyEmail`. Requests only queue mail (`mail::outbox`); the
//! delivery task sends it after commit, so no answer waits on, or tells anything about, the
//! mail server or the account behind an address.
//!
//! - `reset`: `requestPasswordReset`, `resetPassword`
//! - `verification`: `sendVerificationEmail`, `verifyEmail`, and how many mails of a kind an
//!   hour allows

mod reset;
mod verification;

pub use reset::{request_password_reset, reset_password};
pub use verification::{MAILS_PER_WINDOW, WINDOW, send_verification_email, verify_email};
