//! Step-up: what asks for recent proof (`REAUTHENTICATION_REQUIRED`) and with what an account
//! can give it. The session's `authenticated_at` is read from the database on each request, so
//! a `reauthenticate` applies on the very next one.

use chrono::Duration;
use sea_orm::ConnectionTrait;

use super::{factors, recovery_codes};
use crate::auth::viewer::Viewer;
use crate::db::entities::{sessions, users};
use crate::db::{self};
use crate::error::{AppError, AppResult, Reason};
use crate::services::account::reauthentication::recently_reauthenticated;
use crate::services::passkeys;
use crate::services::sessions::find;
use crate::state::AppState;

/// The viewer's session, if it was signed in or reauthenticated within
/// `--reauthentication-window`; else `FORBIDDEN` `REAUTHENTICATION_REQUIRED` with the methods
/// that would do.
pub async fn require_recent(state: &AppState, viewer: &Viewer) -> AppResult<sessions::Model> {
    let session = find(&state.db, viewer.session_id)
        .await?
        .filter(|session| session.revoked_at.is_none())
        .ok_or(AppError::Unauthenticated(
            "invalid, expired or revoked access token",
        ))?;
    let window = Duration::seconds(state.reauthentication_window_secs);
    let recent = session
        .authenticated_at
        .is_some_and(|at| db::now() - at <= window);
    if recent {
        return Ok(session);
    }
    Err(required(&state.db, &viewer.user).await?)
}

/// The viewer's session, if it was reauthenticated (not merely signed in) within
/// `--reauthentication-window`: for what hands out a second factor (a new authenticator, new
/// recovery codes), which a stolen token, usually a fresh one, must not obtain. Else
/// `REAUTHENTICATION_REQUIRED`.
pub async fn require_reauthenticated(
    state: &AppState,
    viewer: &Viewer,
) -> AppResult<sessions::Model> {
    let session = require_recent(state, viewer).await?;
    if recently_reauthenticated(&session, state.reauthentication_window_secs, db::now()) {
        return Ok(session);
    }
    Err(required(&state.db, &viewer.user).await?)
}

/// For what adds or removes a way into the account (linking a provider, a first password,
/// deleting an account without a password): `require_reauthenticated` for an account that can
/// reauthenticate (it has a password or a second factor), else `require_recent` (a sign-in
/// within the window is all such an account can show).
pub async fn require_presence(state: &AppState, viewer: &Viewer) -> AppResult<sessions::Model> {
    if viewer.user.password_hash.is_some() || viewer.user.mfa_enabled {
        require_reauthenticated(state, viewer).await
    } else {
        require_recent(state, viewer).await
    }
}

/// `REAUTHENTICATION_REQUIRED`, naming what `user` can reauthenticate with.
pub async fn required(db: &impl ConnectionTrait, user: &users::Model) -> AppResult<AppError> {
    Ok(Reason::ReauthenticationRequired {
        methods: methods(db, user).await?,
    }
    .into())
}

/// What `user` can reauthenticate with (`reauthenticate`'s fields, as method names): the second
/// factors of an account that holds one (its password alone no longer proves enough), else the
/// password; an account with neither signs in again with its provider (`OIDC`).
pub async fn methods(
    db: &impl ConnectionTrait,
    user: &users::Model,
) -> AppResult<Vec<&'static str>> {
    if !user.mfa_enabled {
        return Ok(vec![if user.password_hash.is_some() {
            "PASSWORD"
        } else {
            "OIDC"
        }]);
    }
    second_factor_methods(db, user).await
}

/// The second factors `user` can prove now (`SecondFactorMethod` names).
pub async fn second_factor_methods(
    db: &impl ConnectionTrait,
    user: &users::Model,
) -> AppResult<Vec<&'static str>> {
    let mut methods = Vec::new();
    if factors::any(db, user.id).await? {
        methods.push("TOTP");
    }
    if recovery_codes::remaining(db, user.id).await?.unwrap_or(0) > 0 {
        methods.push("RECOVERY_CODE");
    }
    if passkeys::store::count(db, user.id).await? > 0 {
        methods.push("PASSKEY");
    }
    Ok(methods)
}
