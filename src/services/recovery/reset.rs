//! Password reset by mailed link: `requestPasswordReset` queues the mail (the link is made when
//! it is sent), `resetPassword` redeems the link's token and replaces the password the one way
//! passwords are replaced (`account::password`).

use crate::auth::password;
use crate::auth::viewer::ClientInfo;
use crate::db::{self};
use crate::error::{AppResult, FieldErrors};
use crate::mail::link_tokens::{self, Purpose};
use crate::mail::outbox;
use crate::services::account::password::{Replacement, replace_password};
use crate::services::audit::{self, Action, Event};
use crate::services::rows::lookup;
use crate::services::rules::{profile_fields, validation};
use crate::services::sessions::{SignIn, login_throttle};
use crate::state::AppState;

use super::verification::{MAILS_PER_WINDOW, WINDOW};

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
    state.rate_limits.address(client.ip)?;
    let mut errors = FieldErrors::default();
    let email = validation::email(&mut errors, "email", email);
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

/// `resetPassword` and `completePasswordReset`: with a live reset token, sets the new password
/// (under the policy), marks the email verified (the link proved it), ends every session of
/// the account and opens a new one, or, for an account with a second factor, a challenge for
/// it.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new_password: &str,
    client: &ClientInfo,
) -> AppResult<SignIn> {
    state.rate_limits.address(client.ip)?;
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
    let user = link_tokens::peek(&state.db, Purpose::PasswordReset, token, db::now()).await?;
    let mut errors = FieldErrors::default();
    password::check_policy(
        &mut errors,
        "newPassword",
        new_password,
        &profile_fields::personal_inputs(&user),
    )
    .await;
    errors.into_result()?;
    let hash = state.passwords.hash(new_password).await?;
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    let redeemed = link_tokens::redeem(&txn, Purpose::PasswordReset, token, now).await?;
    if redeemed.id != user.id {
        return Err(link_tokens::invalid());
    }
    replace_password(txn, state, user.id, hash, Replacement::Reset, client, now).await
}
