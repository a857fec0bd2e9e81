//! The proof of an account's address: queueing the mail with its verification link (redeemed
//! by `recovery`), for registration, `sendVerificationEmail` and anyone else who asks.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::db::entities::users;
use crate::error::AppResult;
use crate::mail::outbox::{self, MailKind};
use crate::services::audit::{self, Action, Event};

/// Queues a mail with a verification link to `user`'s address and records
/// `EMAIL_VERIFICATION_SENT`, which `said_by` completes with who asked (and from where).
pub(crate) async fn queue_verification(
    txn: &impl ConnectionTrait,
    user: &users::Model,
    now: DateTime<Utc>,
    said_by: impl FnOnce(Event) -> Event,
) -> AppResult<()> {
    let kind = MailKind::EmailVerification;
    outbox::enqueue(txn, kind, Some(user.id), &user.email, now).await?;
    let event = Event::new(Action::EmailVerificationSent)
        .user(user.id)
        .details(serde_json::json!({ "email": user.email }));
    audit::record(txn, said_by(event)).await
}
