//! `deleteAccount`: the owner deletes their own account, proving it with their password.

use crate::auth::viewer::Viewer;
use crate::error::{AppResult, FieldErrors};
use crate::services::admin::users as administration;
use crate::state::AppState;

/// `deleteAccount`: soft-deletes the viewer after checking their password. The email stays
/// reserved; an administrator can restore the account.
pub async fn delete_account(state: &AppState, viewer: &Viewer, password: &str) -> AppResult<()> {
    state.rate_limits.user(viewer.id())?;
    if !state
        .passwords
        .verify_stored(password, viewer.user.password_hash.as_deref())
        .await?
    {
        return Err(FieldErrors::single("password", "is incorrect"));
    }
    administration::delete(state, viewer, viewer.id(), false).await
}
