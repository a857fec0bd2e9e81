//! `deleteAccount`: the owner deletes their own account, proving it with their password (or,
//! for an account without one, with a recent sign-in).

use crate::auth::viewer::Viewer;
use crate::error::{AppResult, FieldErrors};
use crate::services::admin::users as administration;
use crate::services::mfa::step_up;
use crate::state::AppState;

/// `deleteAccount`: soft-deletes the viewer after checking their password. An account made by
/// a provider sign-in has none to give: a sign-in within `--reauthentication-window` proves it
/// instead, or a `reauthenticate` for one with a second factor (else `FORBIDDEN`
/// `REAUTHENTICATION_REQUIRED`). The email stays reserved; an administrator can restore the
/// account.
pub async fn delete_account(state: &AppState, viewer: &Viewer, password: &str) -> AppResult<()> {
    state.rate_limits.user(viewer.id())?;
    match viewer.user.password_hash.as_deref() {
        Some(hash) => {
            if !state.passwords.verify(password, hash).await? {
                return Err(FieldErrors::single("password", "is incorrect"));
            }
        }
        None => {
            step_up::require_presence(state, viewer).await?;
        }
    }
    administration::delete(state, viewer, viewer.id(), false).await
}
