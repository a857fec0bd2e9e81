//! Ending sessions: `logout`, `revokeSession`, every session of an account at once (a
//! credential change, a deactivation), and deleting old ended sessions.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::open::RevokeReason;
use crate::auth::tokens;
use crate::auth::viewer::{ClientInfo, Viewer};
use crate::db::{
    self,
    entities::{rotated_refresh_tokens, sessions, users},
};
use crate::error::{AppError, AppResult};
use crate::services::audit::{self, Action, Event};
use crate::services::rules::validation;
use crate::state::AppState;

/// `logout`: ends the session of the refresh token if one is given (no bearer needed), else
/// the viewer's; with `all_sessions`, every session of that user.
pub async fn logout(
    state: &AppState,
    viewer: Option<&Viewer>,
    refresh_token: Option<&str>,
    all_sessions: bool,
    client: &ClientInfo,
) -> AppResult<()> {
    let (user_id, session_id) = match (refresh_token, viewer) {
        (Some(token), _) => {
            let session = match tokens::refresh_token_session(token) {
                Some(id) => {
                    sessions::Entity::find_by_id(id)
                        .filter(sessions::Column::RefreshTokenHash.eq(tokens::hash_token(token)))
                        .filter(sessions::Column::RevokedAt.is_null())
                        .one(&state.db)
                        .await?
                }
                None => None,
            };
            let session = session.ok_or(AppError::Unauthenticated(
                "invalid or expired refresh token",
            ))?;
            (session.user_id, session.id)
        }
        (None, Some(viewer)) => (viewer.id(), viewer.session_id),
        (None, None) => return Err(AppError::Unauthenticated("authentication required")),
    };
    let txn = db::begin_write(&state.db).await?;
    if all_sessions {
        revoke_all(&txn, user_id, RevokeReason::Logout).await?;
    } else {
        revoke_where(
            &txn,
            sessions::Column::Id.eq(session_id),
            RevokeReason::Logout,
        )
        .await?;
    }
    let event = Event::new(Action::Logout)
        .actor(user_id)
        .user(user_id)
        .session(session_id)
        .client(client)
        .details(serde_json::json!({ "allSessions": all_sessions }));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(())
}

/// `revokeSession`: ends one of the viewer's own live sessions. Another user's session id is
/// `NOT_FOUND`, exactly like an id that names nothing.
pub async fn revoke_own(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    client: &ClientInfo,
) -> AppResult<()> {
    let id = validation::id("id", id)?;
    let txn = db::begin_write(&state.db).await?;
    let revoked = revoke_where(
        &txn,
        sessions::Column::Id
            .eq(id)
            .and(sessions::Column::UserId.eq(viewer.id()))
            .and(sessions::Column::ExpiresAt.gt(db::now())),
        RevokeReason::Revoked,
    )
    .await?;
    if revoked == 0 {
        return Err(AppError::NotFound("no such session"));
    }
    let event = Event::new(Action::SessionRevoked)
        .actor(viewer.id())
        .user(viewer.id())
        .session(id)
        .client(client);
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(())
}

/// Ends every live session of `user_id`.
///
/// For a password change or reset, a deactivation or a deletion, it also bumps the account's
/// `credentials_version`, so that a login whose password check overlapped the change opens no
/// session either (`sessions::login` opens one only on the version it checked).
pub async fn revoke_all(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    reason: RevokeReason,
) -> AppResult<u64> {
    void_logins_in_flight(db, user_id, reason).await?;
    revoke_where(db, sessions::Column::UserId.eq(user_id), reason).await
}

/// Ends every live session of `user_id` but `keep` (the one the change was made in), bumping
/// `credentials_version` like `revoke_all` when `reason` voids logins in flight.
pub async fn revoke_others(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Uuid,
    reason: RevokeReason,
) -> AppResult<u64> {
    void_logins_in_flight(db, user_id, reason).await?;
    let others = Condition::all()
        .add(sessions::Column::UserId.eq(user_id))
        .add(sessions::Column::Id.ne(keep));
    revoke_where(db, others, reason).await
}

/// Bumps the account's `credentials_version` when `reason` is a change that a login or
/// second-factor challenge in flight must not survive.
async fn void_logins_in_flight(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    reason: RevokeReason,
) -> AppResult<()> {
    if reason.voids_logins_in_flight() {
        users::Entity::update_many()
            .col_expr(
                users::Column::CredentialsVersion,
                Expr::col(users::Column::CredentialsVersion).add(1),
            )
            .filter(users::Column::Id.eq(user_id))
            .exec(db)
            .await?;
    }
    Ok(())
}

pub(crate) async fn revoke_where(
    db: &impl ConnectionTrait,
    condition: impl sea_orm::sea_query::IntoCondition,
    reason: RevokeReason,
) -> AppResult<u64> {
    let condition = condition.into_condition();
    let revoked = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(db::now()))
        .col_expr(
            sessions::Column::RevokedReason,
            Expr::value(reason.as_str()),
        )
        .filter(condition.clone())
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    // An ended session refuses every token anyway: its rotated hashes are no longer needed.
    rotated_refresh_tokens::Entity::delete_many()
        .filter(
            rotated_refresh_tokens::Column::SessionId.in_subquery(
                Query::select()
                    .column(sessions::Column::Id)
                    .from(sessions::Entity)
                    .cond_where(condition)
                    .to_owned(),
            ),
        )
        .exec(db)
        .await?;
    Ok(revoked)
}

/// Deletes sessions that ended (revoked) or expired before `before`, in batches so that no
/// statement holds the table long; their rotated tokens go with them. Returns how many.
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> AppResult<u64> {
    use sea_orm::QuerySelect;
    const BATCH: u64 = 5_000;
    let mut total = 0;
    loop {
        let ended: Vec<Uuid> = sessions::Entity::find()
            .select_only()
            .column(sessions::Column::Id)
            .filter(
                sessions::Column::ExpiresAt
                    .lt(before)
                    .or(sessions::Column::RevokedAt.lt(before)),
            )
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if ended.is_empty() {
            return Ok(total);
        }
        rotated_refresh_tokens::Entity::delete_many()
            .filter(rotated_refresh_tokens::Column::SessionId.is_in(ended.iter().copied()))
            .exec(db)
            .await?;
        total += sessions::Entity::delete_many()
            .filter(sessions::Column::Id.is_in(ended))
            .exec(db)
            .await?
            .rows_affected;
    }
}
