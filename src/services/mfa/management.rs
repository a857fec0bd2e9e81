//! `regenerateRecoveryCodes` (the owner, after a recent reauthentication) and `resetUserMfa`
//! (an ADMIN, for an account whose owner lost every second factor).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{account, factors, recovery_codes, step_up};
use crate::auth::viewer::Viewer;
use crate::db::entities::users;
use crate::db::{self};
use crate::error::{AppError, AppResult};
use crate::mail::outbox::{self, MailKind};
use crate::services::audit::{self, Action, Event};
use crate::services::passkeys::store as passkey_store;
use crate::services::rows::lookup;
use crate::services::sessions::{RevokeReason, revoke_all};
use crate::state::AppState;

/// `regenerateRecoveryCodes`: a new set of codes for the viewer, voiding the old one. Only an
/// account with a second factor has codes. Needs a `reauthenticate` within the window, even
/// right after signing in: new codes are a second factor of their own, not for a stolen token.
pub async fn regenerate_recovery_codes(
    state: &AppState,
    viewer: &Viewer,
) -> AppResult<(Vec<String>, DateTime<Utc>)> {
    state.rate_limits.user(viewer.id())?;
    step_up::require_reauthenticated(state, viewer).await?;
    crate::services::keys::check_sealing_key(&state.db, &state.encryption).await?;
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    let user = account::lock(&txn, viewer.id()).await?;
    if !user.mfa_enabled {
        return Err(AppError::Conflict {
            message: "recovery codes stand in for a second factor: set one up first".to_owned(),
            field: None,
        });
    }
    let codes = recovery_codes::issue(&txn, &state.encryption, viewer.id(), now).await?;
    let event = Event::new(Action::RecoveryCodesGenerated)
        .by(viewer)
        .user(viewer.id())
        .details(serde_json::json!({ "count": codes.len() }));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok((codes, now))
}

/// `resetUserMfa`: removes every TOTP factor, passkey and the recovery codes of `user_id`
/// (someone who lost the device signs in with the password, a provider, or a reset link and
/// adds new ones), ends its
/// sessions (and any sign-in waiting for a second factor), and mails its owner. ADMIN only, and
/// never on oneself: an administrator who lost their factors asks another.
pub async fn reset_user_mfa(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<users::Model> {
    viewer.require_admin("only an ADMIN can reset two-factor authentication")?;
    step_up::require_recent(state, viewer).await?;
    if id == viewer.id() {
        return Err(AppError::Forbidden(
            "you cannot reset your own two-factor authentication: ask another ADMIN",
        ));
    }
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    let user = lookup::user_locked(&txn, id).await?;
    let removed = factors::remove_all(&txn, id).await?;
    let passkeys_removed = passkey_store::remove_all(&txn, id).await?;
    recovery_codes::discard(&txn, id).await?;
    account::set_mfa_enabled(&txn, id, false).await?;
    let ended = revoke_all(&txn, id, RevokeReason::MfaReset).await?;
    outbox::enqueue(&txn, MailKind::MfaReset, Some(id), &user.email, now).await?;
    let event = Event::new(Action::MfaReset)
        .by(viewer)
        .user(id)
        .details(serde_json::json!({
            "totpFactorsRemoved": removed,
            "passkeysRemoved": passkeys_removed,
            "sessionsEnded": ended,
        }));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(users::Model {
        mfa_enabled: false,
        ..user
    })
}
