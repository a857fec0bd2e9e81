//! Account recovery and email verification: `requestPasswordReset`, `resetPassword`,
//! `sendVerificationEmail`, `verifyEmail`. Requests only queue mail (`mail::outbox`); the
//! delivery task sends it after commit, so no answer waits on, or tells anything about, the
//! mail server or the account behind an address.

use chrono::Duration;

mod reset;
mod verification;

pub use reset::{request_password_reset, reset_password};
pub use verification::{send_verification_email, verify_email};

/// Mails of one kind to one address or user per `WINDOW` (API.md: 5 verification mails per
/// user in an hour; the same bound keeps reset requests from flooding one inbox).
pub const MAILS_PER_WINDOW: usize = 5;
pub const WINDOW: Duration = Duration::hours(1);
