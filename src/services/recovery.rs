//! Account recovery and email verification: `requestPasswordReset`, `resetPassword`,
//! `sendVerificationEmail`, `verifyEmail`. Requests only queue mail (`services::outbox`); the
//! delivery task sends it after commit, so no answer waits on, or tells anything about, the
//! mail server or the account behind an address.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};

use crate::auth::password;
use crate::auth::viewer::{ClientInfo, Viewer};
use crate::db::{self, entities::users};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::account_tokens::{self, Purpose};
use crate::services::accounts::{NewPassword, replace_password};
use crate::services::audit::{self, Action, Event};
use crate::services::input;
use crate::services::login_throttle;
use crate::services::lookup;
use crate::services::outbox::{self, MailKind};
use crate::services::profile;
use crate::services::sessions::{IssuedTokens, RevokeReason};
use crate::state::AppState;

/// Mails of one kind to one address or user per `WINDOW` (API.md: 5 verification mails per
/// user in an hour; the same bound keeps reset requests from flooding one inbox).
pub const MAILS_PER_WINDOW: usize = 5;
pub const WINDOW: Duration = Duration::hours(1);

/// `requestPasswordReset`: queues a reset mail to `email` and answers `true`, whether or not
/// an account has that address. Which account (if any) gets a link is decided when the mail
/// is sent, so this request does the same work for every address. Past `MAILS_PER_WINDOW`
/// requests for one address from one client address in an hour, nothing more is queued (the
/// answer stays the same: a refusal would tell that the address was asked for). The cap is
/// per client address so that nobody can use up another person's resets by asking first. A
/// string that is not an email address is answered the same way (API.md: `true` for any
/// address); no account can have it, so nothing is queued.
pub async fn request_password_reset(
    state: &AppState,
    email: &str,
    client: &ClientInfo,
) -> AppResult<()> {
    state.throttle.address(client.ip)?;
    let mut errors = FieldErrors::default();
    let email = input::email(&mut errors, "email", email);
    if !errors.is_empty() {
        return Ok(());
    }
    let requested_from = login_throttle::address_key(client.ip);
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    // So that concurrent requests for one address from one client count each other's mail.
    db::lock_key(&txn, &format!("password-reset:{email}:{requested_from}")).await?;
    let recent =
        outbox::resets_requested_since(&txn, &email, &requested_from, now - WINDOW).await?;
    if recent >= MAILS_PER_WINDOW as u64 {
        txn.rollback().await?;
        return Ok(());
    }
    outbox::enqueue_reset(&txn, &email, &requested_from, now).await?;
    // Anonymous; names the account when there is one, so its holder sees the request in
    // `myAuditEvents`. The lookup costs the same whether or not there is.
    let mut event = Event::new(Action::PasswordResetRequested)
        .client(client)
        .details(serde_json::json!({ "email": email }));
    if let Some(user_id) = lookup::user_id_by_email(&txn, &email).await? {
        event = event.user(user_id);
    }
    audit::record(&txn, event).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}

/// `resetPassword`: with a live reset token, sets the new password (under the policy), marks
/// the email verified (the link proved it), ends every session of the account and opens a
/// new one.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new_password: &str,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    state.throttle.address(client.ip)?;
    if new_password.chars().count() > password::MAX_PASSWORD_CHARS {
        return Err(FieldErrors::single(
            "newPassword",
            format!(
                "must be at most {} characters",
                password::MAX_PASSWORD_CHARS
            ),
        ));
    }
    // The token is checked (not spent) first, so the policy can see whose password it is
    // and a bad token costs no hashing.
    let user = account_tokens::peek(&state.db, Purpose::PasswordReset, token, db::now()).await?;
    let mut errors = FieldErrors::default();
    password::check_policy(
        &mut errors,
        "newPassword",
        new_password,
        &profile::personal_inputs(&user),
    )
    .await;
    errors.into_result()?;
    let hash = state.passwords.hash(new_password).await?;
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    let redeemed = account_tokens::redeem(&txn, Purpose::PasswordReset, token, now).await?;
    if redeemed.id != user.id {
        return Err(account_tokens::invalid());
    }
    let change = NewPassword {
        hash,
        proves_email: true,
        reason: RevokeReason::PasswordReset,
    };
    let (user, tokens) = replace_password(&txn, state, user.id, change, client, now).await?;
    let event = Event::new(Action::PasswordReset)
        .actor(user.id)
        .user(user.id)
        .session(tokens.session_id)
        .client(client);
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok((user, tokens))
}

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
    outbox::enqueue(
        &txn,
        MailKind::EmailVerification,
        Some(user.id),
        &user.email,
        now,
    )
    .await?;
    let event = Event::new(Action::EmailVerificationSent)
        .by(viewer)
        .user(user.id)
        .details(serde_json::json!({ "email": user.email }));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(true)
}

/// `verifyEmail`: with a live verification token, marks the address it was mailed to
/// verified. Needs no session: the link may be opened on another device.
pub async fn verify_email(state: &AppState, token: &str, client: &ClientInfo) -> AppResult<()> {
    state.throttle.address(client.ip)?;
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    let user = account_tokens::redeem(&txn, Purpose::EmailVerification, token, now).await?;
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
