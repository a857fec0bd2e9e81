//! A passkey as the second factor of a sign-in (`startPasskeyChallenge`, then
//! `verifySecondFactor({passkey})`) and as the proof of `reauthenticate({passkey})`
//! (`startPasskeyReauthentication`). The ceremony lists the account's passkeys and is bound to
//! the sign-in challenge or to the session it was started for; the answer then goes through
//! the second-factor paths of `mfa` (attempts, throttle, events) like a code.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use webauthn_rs::prelude::PublicKeyCredential;

use super::assertion::{self, Expecting, Verdict};
use super::ceremonies::{self, Binding, Purpose};
use super::{Ceremony, store};
use crate::auth::viewer::Viewer;
use crate::db::entities::users;
use crate::db::{self};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::audit::{self, Event};
use crate::services::mfa::challenges;
use crate::services::mfa::second_factor::Proving;
use crate::state::AppState;

/// A passkey's answer (`PublicKeyCredential.toJSON()`) to the ceremony `ceremony_id`.
#[derive(Clone, Copy)]
pub struct Answer<'a> {
    pub ceremony_id: &'a str,
    pub credential: &'a serde_json::Value,
}

/// `startPasskeyChallenge`: a ceremony for the sign-in challenge `token`, listing its account's
/// passkeys. An unknown, used or expired challenge: `CHALLENGE_EXPIRED`.
pub async fn start_challenge(
    state: &AppState,
    token: &str,
    client: &crate::auth::viewer::ClientInfo,
) -> AppResult<Ceremony> {
    state.rate_limits.address(client.ip)?;
    let now = db::now();
    let (challenge, user) = challenges::open_challenge(&state.db, token, now).await?;
    let binding = Binding {
        user_id: Some(user.id),
        session_id: None,
        challenge_id: Some(challenge.id),
    };
    start(
        state,
        &user,
        Purpose::SecondFactor,
        binding,
        "challengeToken",
    )
    .await
}

/// `startPasskeyReauthentication`: a ceremony for the viewer's session, listing the viewer's
/// passkeys.
pub async fn start_reauthentication(state: &AppState, viewer: &Viewer) -> AppResult<Ceremony> {
    let binding = Binding {
        user_id: Some(viewer.id()),
        session_id: Some(viewer.session_id),
        challenge_id: None,
    };
    start(
        state,
        &viewer.user,
        Purpose::Reauthentication,
        binding,
        "passkey",
    )
    .await
}

async fn start(
    state: &AppState,
    user: &users::Model,
    purpose: Purpose,
    binding: Binding,
    field: &str,
) -> AppResult<Ceremony> {
    let webauthn = state.passkeys.webauthn()?;
    let now = db::now();
    let held = store::list(&state.db, user.id).await?;
    if held.is_empty() {
        return Err(FieldErrors::single(field, "this account has no passkey"));
    }
    let passkeys = held
        .iter()
        .map(store::credential)
        .collect::<AppResult<Vec<_>>>()?;
    let (mut options, authentication) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|e| AppError::internal(format!("WebAuthn could not start: {e}")))?;
    super::plain_request(&mut options);
    let expecting = Expecting::Listed {
        user_id: user.id,
        state: authentication,
    };
    let started = ceremonies::keep(&state.db, purpose, binding, &expecting, now).await?;
    Ceremony::new(started, &options)
}

/// Whether `answer` proves `user` for what it is `proving` (the ceremony must have been started
/// for that sign-in challenge or that session), spending the ceremony. A refusal is recorded
/// as `refused` (`PASSKEY_REJECTED`, with why) and answers `false`, as a wrong code does;
/// credential JSON that is no credential is `BAD_USER_INPUT` on `credential`.
pub async fn prove(
    db: &impl ConnectionTrait,
    state: &AppState,
    user: &users::Model,
    answer: Answer<'_>,
    proving: Proving,
    refused: Event,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let credential: PublicKeyCredential = assertion::parse(answer.credential)?;
    let (purpose, bound) = match proving {
        Proving::SignIn { challenge_id } => (
            Purpose::SecondFactor,
            Binding {
                user_id: Some(user.id),
                session_id: None,
                challenge_id: Some(challenge_id),
            },
        ),
        Proving::Reauthentication { session_id } => (
            Purpose::Reauthentication,
            Binding {
                user_id: Some(user.id),
                session_id: Some(session_id),
                challenge_id: None,
            },
        ),
    };
    let reject = |reason: &str| {
        refused
            .clone()
            .details(serde_json::json!({ "reason": reason, "purpose": purpose.name() }))
    };
    let Some(expecting) =
        ceremonies::spend::<Expecting>(db, answer.ceremony_id, purpose, bound, now).await?
    else {
        audit::record(db, reject("ceremony")).await?;
        return Ok(false);
    };
    if !matches!(&expecting, Expecting::Listed { user_id, .. } if *user_id == user.id) {
        audit::record(db, reject("another_account")).await?;
        return Ok(false);
    }
    match assertion::check(db, state, expecting, &credential, now).await? {
        Verdict::Accepted(_) => Ok(true),
        Verdict::Rejected { reason, .. } => {
            audit::record(db, reject(reason)).await?;
            Ok(false)
        }
    }
}
