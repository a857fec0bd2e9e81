//! `updateProfile`: the viewer edits their own profile. A new email is a credential change,
//! so it needs the current password; the change itself goes through the one editing path of
//! `admin::users`, as the owner.

use crate::auth::password;
use crate::auth::viewer::Viewer;
use crate::db;
use crate::db::entities::users;
use crate::error::{AppResult, FieldErrors};
use crate::services::admin::users::{self as administration, UserChanges};
use crate::services::mfa::step_up;
use crate::services::rules::profile_fields::ProfileChanges;
use crate::services::rules::validation;
use crate::services::sessions;

use super::reauthentication::recently_reauthenticated;
use crate::state::AppState;

/// `updateProfile`: the viewer edits their own profile. Changing the email is a credential
/// change (whoever holds the address can reset the password), so it needs proof: the current
/// password, or a `reauthenticate` of this session within `--reauthentication-window`. Without
/// it, or with a wrong password, it is `BAD_USER_INPUT` on `currentPassword` and nothing
/// changes. An account with a second factor needs the reauthentication (with that factor):
/// without it, `FORBIDDEN` `REAUTHENTICATION_REQUIRED`.
/// Unique violations answer `CONFLICT` on the field.
pub async fn update_profile(
    state: &AppState,
    viewer: &Viewer,
    changes: ProfileChanges,
    current_password: Option<&str>,
) -> AppResult<users::Model> {
    let current = &viewer.user;
    // An address that is not valid changes nothing: its own message says so, and no password
    // is asked for (or checked) on its account.
    let mut invalid = FieldErrors::default();
    let new_email = changes
        .email
        .as_deref()
        .map(|email| validation::email(&mut invalid, "email", email))
        .is_some_and(|email| invalid.is_empty() && email != current.email);
    let new_username = match &changes.username {
        Some(Some(username)) => current.username_key.as_ref() != Some(&username.to_lowercase()),
        _ => false,
    };
    if new_email || new_username {
        // Each change tells whether the value is taken (and a password check is a guess):
        // bounded like `register`.
        state.rate_limits.user(current.id)?;
    }
    if new_email {
        let reauthenticated = sessions::find(&state.db, viewer.session_id)
            .await?
            .is_some_and(|session| {
                recently_reauthenticated(&session, state.reauthentication_window_secs, db::now())
            });
        if current.mfa_enabled {
            // The password alone is no longer enough proof: a reauthentication with the
            // second factor is.
            if !reauthenticated {
                return Err(step_up::required(&state.db, current).await?);
            }
        } else if current.password_hash.is_none() {
            // No password to give: a sign-in within the window is the proof such an account
            // can bring (with its provider).
            step_up::require_recent(state, viewer).await?;
        } else {
            check_password(state, current, current_password, reauthenticated).await?;
        }
    }
    let changes = UserChanges {
        profile: changes,
        owner_proved: new_email,
        ..Default::default()
    };
    administration::update(state, viewer, viewer.id(), changes).await
}

/// The proof an email change needs of an account without a second factor: its current
/// password, or a recent reauthentication when none is given. Else `BAD_USER_INPUT` on
/// `currentPassword`.
async fn check_password(
    state: &AppState,
    current: &users::Model,
    current_password: Option<&str>,
    reauthenticated: bool,
) -> AppResult<()> {
    // An empty field (a form left blank) is a missing password, not a wrong one.
    let current_password = current_password.filter(|password| !password.is_empty());
    let proved = match current_password {
        Some(password) if password.chars().count() <= password::MAX_PASSWORD_CHARS => {
            state
                .passwords
                .verify_stored(password, current.password_hash.as_deref())
                .await?
        }
        Some(_) => false,
        // No password given: a `reauthenticate` of this session within the window is proof
        // enough (a fresh sign-in is not).
        None => reauthenticated,
    };
    if proved {
        return Ok(());
    }
    let message = if current_password.is_some() {
        "is incorrect"
    } else {
        "is required to change the email"
    };
    // Not UNAUTHENTICATED: that would tell the client its token is bad.
    Err(FieldErrors::single("currentPassword", message))
}
