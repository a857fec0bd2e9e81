//! Mail: everything Roster sends, from the change that causes it to the SMTP server.
//!
//! - `outbox`: a service that changes something a mail must follow writes the mail's row in its
//!   own transaction, so the mail exists exactly when the change does;
//! - `link_tokens`: the single-use tokens in mailed links (issued when the mail is sent, redeemed
//!   by `services::recovery`), stored only as hashes;
//! - `delivery`: the worker every replica runs, and the queue's bell that services ring; it
//!   sends what the outbox holds after commit, with retries;
//! - `compose`: what each mail says; `mailer`: how it leaves (SMTP, or the log in development).
//!
//! Nothing here reads a request or knows a service: services call down into `outbox` and
//! `link_tokens`, and the app starts `delivery`.

pub mod compose;
pub mod delivery;
pub mod link_tokens;
pub mod mailer;
pub mod outbox;

pub use compose::Mail;
pub use delivery::MailQueue;
pub use mailer::{Mailer, SendError};
