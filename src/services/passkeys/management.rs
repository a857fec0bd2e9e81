//! The viewer's passkeys: renaming and removing one. Removing a passkey takes a way into the
//! account away, so it needs a recent reauthentication, is refused when nothing else would let
//! the account in (`LAST_SIGN_IN_METHOD`), and, as removing an authenticator app does, ends the
//! account's other sessions, which that passkey may have opened. The last second factor takes
//! the recovery codes with it.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::store;
use crate::auth::viewer::Viewer;
use crate::db::entities::passkeys;
use crate::db::{self};
use crate::error::{AppError, AppResult, FieldErrors, Reason};
use crate::mail::outbox::{self, MailKind};
use crate::services::account::ways_in::{self, Leaving};
use crate::services::audit::{self, Action, Event};
use crate::services::mfa::{account, factors, recovery_codes, step_up};
use crate::services::rules::validation;
use crate::services::sessions::{RevokeReason, revoke_others};
use crate::state::AppState;

fn not_found() -> AppError {
    AppError::NotFound("no such passkey")
}

/// `renamePasskey`: one of the viewer's passkeys, relabelled.
pub async fn rename(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    label: &str,
) -> AppResult<passkeys::Model> {
    state.rate_limits.user(viewer.id())?;
    let id = validation::id("id", id)?;
    let mut errors = FieldErrors::default();
    let label = validation::label(&mut errors, Some(label), store::DEFAULT_LABEL);
    errors.into_result()?;
    let renamed = passkeys::Entity::update_many()
        .col_expr(passkeys::Column::Label, Expr::value(&label))
        .filter(passkeys::Column::Id.eq(id))
        .filter(passkeys::Column::UserId.eq(viewer.id()))
        .exec(&state.db)
        .await?
        .rows_affected;
    if renamed != 1 {
        return Err(not_found());
    }
    passkeys::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(not_found)
}

/// `deletePasskey`: one of the viewer's passkeys, after a recent reauthentication.
pub async fn delete(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<()> {
    step_up::require_presence(state, viewer).await?;
    let id = validation::id("id", id)?;
    state.rate_limits.user(viewer.id())?;
    let txn = db::begin_write(&state.db).await?;
    // Locked first: two removals at once cannot each leave the other as the last way in.
    let user = account::lock(&txn, viewer.id()).await?;
    let passkey = passkeys::Entity::find_by_id(id)
        .filter(passkeys::Column::UserId.eq(user.id))
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let others = store::count(&txn, user.id).await? - 1;
    if ways_in::would_be_last(&txn, &user, Leaving::Passkey(id)).await? {
        return Err(ways_in::last_sign_in_method(
            "this passkey is the account's only way to sign in: set a password, link a provider \
             or add another passkey first",
        ));
    }
    let last_factor = others == 0 && !factors::any(&txn, user.id).await?;
    if last_factor && state.require_mfa.covers(user.role) {
        return Err(Reason::MfaEnrollmentRequired.into());
    }
    passkeys::Entity::delete_by_id(id).exec(&txn).await?;
    let ended = revoke_others(
        &txn,
        user.id,
        viewer.session_id,
        RevokeReason::SecondFactorRemoved,
    )
    .await?;
    if last_factor {
        account::set_mfa_enabled(&txn, user.id, false).await?;
        recovery_codes::discard(&txn, user.id).await?;
    }
    let event = Event::new(Action::PasskeyRemoved)
        .by(viewer)
        .user(user.id)
        .details(serde_json::json!({
            "passkeyId": id,
            "label": passkey.label,
            "lastSecondFactor": last_factor,
            "sessionsEnded": ended,
        }));
    audit::record(&txn, event).await?;
    let now = db::now();
    outbox::enqueue(
        &txn,
        MailKind::PasskeyRemoved,
        Some(user.id),
        &user.email,
        now,
    )
    .await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}
