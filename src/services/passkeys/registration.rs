//! Registering a passkey: `startPasskeyRegistration` returns the options for
//! `navigator.credentials.create()`, `finishPasskeyRegistration` checks the browser's answer
//! and keeps the credential, and mails the owner a notice. Registration asks for user verification and no attestation,
//! excludes the account's passkeys, prefers a discoverable credential (so that sign-in without
//! a login name works) and names the account by its random handle.
//!
//! A passkey is a way into the account, so adding one needs what linking a provider needs: a
//! `reauthenticate` within the window (a stolen token, usually a fresh one, must not leave its
//! own persistent credential behind), or for an account with neither a password nor a second
//! factor, a sign-in within the window.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::Ceremony;
use super::ceremonies::{self, Binding, Purpose};
use super::store::{self, DEFAULT_LABEL, MAX_PASSKEYS};
use crate::auth::tokens::encode_base64;
use crate::auth::viewer::Viewer;
use crate::db::entities::passkeys;
use crate::db::entities::sessions::Method;
use crate::db::{self};
use crate::error::{AppError, AppResult, FieldErrors, Reason};
use crate::mail::outbox::{self, MailKind};
use crate::services::audit::{self, Action, Event};
use crate::services::mfa::account;
use crate::services::mfa::step_up;
use crate::services::rules::validation;
use crate::services::sessions::{RevokeReason, lock_live, record_proof, revoke_others};
use crate::state::AppState;

/// `startPasskeyRegistration`.
pub async fn start(state: &AppState, viewer: &Viewer) -> AppResult<Ceremony> {
    step_up::require_presence(state, viewer).await?;
    let webauthn = state.passkeys.webauthn()?;
    let now = db::now();
    let user = &viewer.user;
    let txn = db::begin_write(&state.db).await?;
    let held = store::list(&txn, user.id).await?;
    if held.len() as u64 >= MAX_PASSKEYS {
        return Err(limit_reached());
    }
    let handle = store::handle(&txn, user.id, now).await?;
    let exclude = held
        .iter()
        .map(|row| store::credential(row).map(|passkey| passkey.cred_id().clone()))
        .collect::<AppResult<Vec<_>>>()?;
    let display_name = [user.first_name.as_deref(), user.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let display_name = if display_name.trim().is_empty() {
        user.email.clone()
    } else {
        display_name
    };
    let (mut options, registration) = webauthn
        .start_passkey_registration(handle, &user.email, &display_name, Some(exclude))
        .map_err(|e| AppError::internal(format!("WebAuthn could not start a registration: {e}")))?;
    // A discoverable credential where the authenticator can make one: the library asks for
    // none, and sign-in without a login name needs one. The library checks nothing of this at
    // the finish.
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Preferred);
    }
    let binding = Binding {
        user_id: Some(user.id),
        session_id: Some(viewer.session_id),
        challenge_id: None,
    };
    let started =
        ceremonies::keep(&txn, Purpose::Registration, binding, &registration, now).await?;
    txn.commit().await?;
    Ceremony::new(started, &options)
}

/// `finishPasskeyRegistration`: the browser's answer to the ceremony `ceremony_id`, started in
/// this session. The account's first second factor also ends its other sessions and makes this
/// one `AAL2`, as a first authenticator app does.
pub async fn finish(
    state: &AppState,
    viewer: &Viewer,
    ceremony_id: &str,
    credential: &serde_json::Value,
    label: Option<&str>,
) -> AppResult<passkeys::Model> {
    let webauthn = state.passkeys.webauthn()?;
    let mut errors = FieldErrors::default();
    let label = validation::label(&mut errors, label, DEFAULT_LABEL);
    let answer = super::assertion::parse::<RegisterPublicKeyCredential>(credential);
    if let Err(AppError::InvalidInput(fields)) = &answer {
        for (field, messages) in fields.fields() {
            for message in messages {
                errors.add(field, message.clone());
            }
        }
    }
    errors.into_result()?;
    let answer = answer?;
    // Each answer costs from the account's allowance: a registration that collides with a
    // credential already registered (`CONFLICT`) tells that it exists, so such probes must be
    // few and slow.
    state.rate_limits.user(viewer.id())?;
    let now = db::now();
    let binding = Binding {
        user_id: Some(viewer.id()),
        session_id: Some(viewer.session_id),
        challenge_id: None,
    };
    // Spent on its own, before anything is checked: a wrong answer spends it too.
    let Some(registration) = ceremonies::spend::<PasskeyRegistration>(
        &state.db,
        ceremony_id,
        Purpose::Registration,
        binding,
        now,
    )
    .await?
    else {
        return Err(FieldErrors::single(
            "ceremonyId",
            "unknown, used or expired ceremony: start a new one",
        ));
    };
    let passkey = match webauthn.finish_passkey_registration(&answer, &registration) {
        Ok(passkey) => passkey,
        Err(error) => {
            // One of the account's own passkeys, which the options excluded, is registered
            // already (the library refuses it under another error's name). The answer's id
            // only picks the message here: nothing is kept.
            let own = store::by_credential_id(&state.db, &answer.raw_id).await?;
            if own.is_some_and(|row| row.user_id == viewer.id()) {
                return Err(collided(state, viewer, viewer.id()).await);
            }
            tracing::info!(reason = %error, "a passkey registration was refused");
            return Err(FieldErrors::single("credential", "passkey not accepted"));
        }
    };
    let credential_id = encode_base64(passkey.cred_id());
    let (sign_count, backup_eligible, backed_up) = store::flags(&passkey)?;
    let text = serde_json::to_string(&passkey).map_err(|e| AppError::internal(e.to_string()))?;
    let txn = db::begin_write(&state.db).await?;
    let user = account::lock(&txn, viewer.id()).await?;
    let registered = passkeys::Entity::find()
        .filter(passkeys::Column::CredentialId.eq(&credential_id))
        .one(&txn)
        .await?;
    if let Some(registered) = registered {
        // Out of the transaction first: the event is written on its own.
        txn.rollback().await?;
        return Err(collided(state, viewer, registered.user_id).await);
    }
    if store::count(&txn, user.id).await? >= MAX_PASSKEYS {
        return Err(limit_reached());
    }
    let row = passkeys::Model {
        id: uuid::Uuid::new_v4(),
        user_id: user.id,
        credential_id,
        label,
        credential: text,
        sign_count,
        backup_eligible,
        backed_up,
        created_at: now,
        last_used_at: None,
    };
    // The unique index decides between two accounts registering one credential at once.
    let inserted = passkeys::Entity::insert(passkeys::ActiveModel::from(row.clone()))
        .exec(&txn)
        .await;
    if let Err(error) = inserted {
        return Err(match AppError::from(error) {
            AppError::Conflict { .. } => {
                txn.rollback().await?;
                collided(state, viewer, uuid::Uuid::nil()).await
            }
            other => other,
        });
    }
    let mut details = serde_json::json!({
        "passkeyId": row.id,
        "label": row.label,
        "backupEligible": row.backup_eligible,
    });
    if !user.mfa_enabled {
        account::set_mfa_enabled(&txn, user.id, true).await?;
        let ended = revoke_others(
            &txn,
            user.id,
            viewer.session_id,
            RevokeReason::SecondFactorAdded,
        )
        .await?;
        let session = lock_live(&txn, viewer.session_id, user.id, now).await?;
        // AAL2 from now on, but not a reauthentication.
        let authenticated_at = session.authenticated_at;
        record_proof(&txn, session, Method::Passkey, authenticated_at).await?;
        details["sessionsEnded"] = serde_json::json!(ended);
    }
    let event = Event::new(Action::PasskeyAdded)
        .by(viewer)
        .user(user.id)
        .details(details);
    audit::record(&txn, event).await?;
    outbox::enqueue(
        &txn,
        MailKind::PasskeyAdded,
        Some(user.id),
        &user.email,
        now,
    )
    .await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(row)
}

const LIMIT_MESSAGE: &str = "an account holds at most 10 passkeys";
const _: () = assert!(MAX_PASSKEYS == 10, "the message above names the limit");

fn limit_reached() -> AppError {
    Reason::LimitReached(LIMIT_MESSAGE).into()
}

/// A credential id registered already: recorded (`PASSKEY_REJECTED`, `credential_collision`:
/// a real authenticator never makes an id twice, so this is a copy or a probe), then
/// `CONFLICT`.
/// `owner`: the account holding it (nil when a concurrent registration took it a moment ago).
async fn collided(state: &AppState, viewer: &Viewer, owner: uuid::Uuid) -> AppError {
    let event = Event::new(Action::PasskeyRejected)
        .by(viewer)
        .user(viewer.id())
        .details(serde_json::json!({
            "reason": "credential_collision",
            "purpose": Purpose::Registration.name(),
            "sameAccount": owner == viewer.id(),
        }));
    if let Err(error) = audit::record(&state.db, event).await {
        tracing::warn!(error = %error.message(), "could not record a passkey collision");
    }
    already_registered()
}

fn already_registered() -> AppError {
    AppError::Conflict {
        message: "this passkey is already registered".to_owned(),
        field: Some("credential"),
    }
}
