//! Email verification: `sendVerificationEmail` queues another link (bounded per hour),
//! `verifyEmail` redeems one and marks the address it was mailed to verified.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};

use crate::auth::viewer::{ClientInfo, Viewer};
use crate::db::{self, entities::users};
use crate::error::{AppError, AppResult};
use crate::mail::link_tokens::{self, Purpose};
use crate::mail::outbox::{self, MailKind};
use crate::services::account;
use crate::services::audit::{self, Action, Event};
use crate::services::rows::lookup;
use crate::state::AppState;

/// Mails of one kind to one address or user per `WINDOW` (API.md: 5 verification mails per
/// user in an hour; the same bound keeps reset requests from flooding one inbox).
pub const MAILS_PER_WINDOW: usize = 5;
pub const WINDOW: Duration = Duration::hours(1);

/// `sendVerificationEmail`: queues another verification mail to the viewer's address. `false`
/// when it is verified already; `TOO_MANY_REQUESTS` past `MAILS_PER_WINDOW` in an hour, with
/// the wait until the oldest of them leaves the window.
pub async fn send_verification_email(state: &AppState, viewer: &Viewer) -> AppResult<bool> {
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    // Locked, so two concurrent requests count each other's mail.
    let user = lookup::user_locked(&txn, viewer.id()).await?;
    if user.email_verified {
        txn.rollback().await?;
        return Ok(false);
    }
    let sent =
        outbox::queued_for_user_since(&txn, user.id, MailKind::EmailVerification, now - WINDOW)
            .await?;
    if sent.len() >= MAILS_PER_WINDOW {
        txn.rollback().await?;
        let frees_up = sent[sent.len() - MAILS_PER_WINDOW] + WINDOW;
        let wait = (frees_up - now).num_seconds() + 1;
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait.max(1) as u64,
        });
    }
    account::queue_verification(&txn, &user, now, |event| event.by(viewer)).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(true)
}

/// `verifyEmail`: with a live verification token, marks the address it was mailed to
/// verified. Needs no session: the link may be opened on another device.
pub async fn verify_email(state: &AppState, token: &str, client: &ClientInfo) -> AppResult<()> {
    state.rate_limits.address(client.ip)?;
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    let user = link_tokens::redeem(&txn, Purpose::EmailVerification, token, now).await?;
    let mut active = users::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(user.id),
        ..Default::default()
    };
    active.email_verified = Set(true);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let event = Event::new(Action::EmailVerified)
        .actor(user.id)
        .user(user.id)
        .client(client)
        .details(serde_json::json!({ "email": user.email }));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(())
}
