//! `refreshToken`: rotates a session's refresh token with a conditional update (of two
//! concurrent uses of one token, exactly one wins) and issues a new pair. A token this session
//! really issued and then rotated away from, presented again, ends the session, unless it
//! comes within `ROTATION_GRACE` of its rotation (two tabs, a retry), which answers
//! `CONFLICT`.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::open::{IssuedTokens, MAX_USER_AGENT, ROTATION_GRACE, RevokeReason, clip, expiry};
use super::revoke::revoke_where;
use crate::auth::tokens;
use crate::auth::viewer::ClientInfo;
use crate::db::{
    self,
    entities::{rotated_refresh_tokens, sessions, users},
};
use crate::error::{AppError, AppResult};
use crate::services::audit::{self, Action, Event};
use crate::state::AppState;

const INVALID: AppError = AppError::Unauthenticated("invalid or expired refresh token");

/// `refreshToken`: rotates the session's refresh token and issues a new pair.
pub async fn refresh(
    state: &AppState,
    refresh_token: &str,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    state.rate_limits.address(client.ip)?;
    let Some(session_id) = tokens::refresh_token_session(refresh_token) else {
        return Err(INVALID);
    };
    let presented_hash = tokens::hash_token(refresh_token);
    let (next_token, next_hash) = tokens::new_refresh_token(session_id)?;
    let now = db::now();

    let txn = db::begin_write(&state.db).await?;
    let Some(session) = sessions::Entity::find_by_id(session_id).one(&txn).await? else {
        return Err(INVALID);
    };
    let expires_at = expiry(&state.keys, session.created_at, now);
    if expires_at <= now {
        // Past its maximum age (which may have been lowered since it was issued).
        return Err(INVALID);
    }
    let rotation = Rotation {
        session_id,
        presented_hash: &presented_hash,
        next_hash,
        expires_at,
        now,
    };
    if !rotation.apply(&txn, client).await? {
        return Err(answer_unrotated(txn, &rotation, client).await);
    }
    remember_rotation(&txn, &rotation, state.keys.refresh_ttl_secs).await?;
    let Some(user) = live_owner(&txn, session_id).await? else {
        txn.rollback().await?;
        return Err(INVALID);
    };
    txn.commit().await?;
    let tokens = IssuedTokens {
        access_token: state
            .keys
            .issue_access(user.id, session_id, &session.methods(), now)?,
        refresh_token: next_token,
        session_id,
        expires_in: state.keys.access_ttl_secs,
    };
    Ok((user, tokens))
}

/// One refresh token giving way to the next.
struct Rotation<'a> {
    session_id: Uuid,
    presented_hash: &'a str,
    next_hash: String,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
}

impl Rotation<'_> {
    /// The conditional update is the whole race: of two concurrent uses of one token, only
    /// the first still finds the old hash. `false` when nothing was rotated.
    async fn apply(&self, txn: &DatabaseTransaction, client: &ClientInfo) -> AppResult<bool> {
        let mut update = sessions::Entity::update_many()
            .col_expr(
                sessions::Column::RefreshTokenHash,
                Expr::value(self.next_hash.clone()),
            )
            .col_expr(
                sessions::Column::RotationCount,
                Expr::col(sessions::Column::RotationCount).add(1),
            )
            .col_expr(sessions::Column::RotatedAt, Expr::value(self.now))
            .col_expr(sessions::Column::LastUsedAt, Expr::value(self.now))
            .col_expr(sessions::Column::ExpiresAt, Expr::value(self.expires_at));
        if let Some(user_agent) = clip(&client.user_agent, MAX_USER_AGENT) {
            update = update.col_expr(sessions::Column::UserAgent, Expr::value(user_agent));
        }
        if let Some(ip) = client.ip {
            update = update.col_expr(sessions::Column::IpAddress, Expr::value(ip.to_string()));
        }
        let rotated = update
            .filter(sessions::Column::Id.eq(self.session_id))
            .filter(sessions::Column::RefreshTokenHash.eq(self.presented_hash))
            .filter(sessions::Column::RevokedAt.is_null())
            .filter(sessions::Column::ExpiresAt.gt(self.now))
            .exec(txn)
            .await?
            .rows_affected;
        Ok(rotated == 1)
    }
}

/// The answer to a token that rotated nothing. Only a token this session really issued and
/// then rotated away from is a replay; a made-up token that merely carries a known session id
/// is just invalid. A replay within the grace is told to use the newest token; a later one
/// ends the session (committed here), so that neither holder of the copied token keeps access.
async fn answer_unrotated(
    txn: DatabaseTransaction,
    rotation: &Rotation<'_>,
    client: &ClientInfo,
) -> AppError {
    match end_replayed_session(txn, rotation, client).await {
        Ok(Replay::None) => INVALID,
        Ok(Replay::WithinGrace) => AppError::Conflict {
            message: "already rotated: use the newest refresh token".to_owned(),
            field: None,
        },
        Ok(Replay::SessionEnded) => {
            AppError::Unauthenticated("refresh token was already used; the session has been ended")
        }
        Err(error) => error,
    }
}

enum Replay {
    /// Not a token this live session issued.
    None,
    /// Two tabs refreshing at once, or a retry after a lost answer: the session lives on.
    WithinGrace,
    SessionEnded,
}

async fn end_replayed_session(
    txn: DatabaseTransaction,
    rotation: &Rotation<'_>,
    client: &ClientInfo,
) -> AppResult<Replay> {
    let replayed = rotated_refresh_tokens::Entity::find_by_id(rotation.presented_hash)
        .filter(rotated_refresh_tokens::Column::SessionId.eq(rotation.session_id))
        .find_also_related(sessions::Entity)
        .one(&txn)
        .await?
        .and_then(|(rotated, session)| session.map(|session| (rotated.rotated_at, session)))
        .filter(|(_, session)| session.revoked_at.is_none());
    let Some((rotated_at, session)) = replayed else {
        return Ok(Replay::None);
    };
    if rotation.now - rotated_at <= ROTATION_GRACE {
        return Ok(Replay::WithinGrace);
    }
    revoke_where(
        &txn,
        sessions::Column::Id.eq(session.id),
        RevokeReason::RefreshTokenReuse,
    )
    .await?;
    // Whoever presented it is unknown: no actor.
    let event = Event::new(Action::RefreshTokenReused)
        .user(session.user_id)
        .session(session.id)
        .client(client);
    audit::record(&txn, event).await?;
    txn.commit().await?;
    tracing::warn!(session_id = %session.id, user_id = %session.user_id, "refresh token reused; session revoked");
    crate::metrics::refresh_token_reused();
    Ok(Replay::SessionEnded)
}

/// Keeps the presented token's hash, so that presenting it again is known as a replay, and
/// forgets hashes rotated away longer ago than a refresh token lives (they would have expired
/// unused anyway), which keeps the table at about one row per refresh within that time.
async fn remember_rotation(
    txn: &DatabaseTransaction,
    rotation: &Rotation<'_>,
    refresh_ttl_secs: i64,
) -> AppResult<()> {
    rotated_refresh_tokens::ActiveModel {
        token_hash: Set(rotation.presented_hash.to_owned()),
        session_id: Set(rotation.session_id),
        rotated_at: Set(rotation.now),
    }
    .insert(txn)
    .await?;
    rotated_refresh_tokens::Entity::delete_many()
        .filter(rotated_refresh_tokens::Column::SessionId.eq(rotation.session_id))
        .filter(
            rotated_refresh_tokens::Column::RotatedAt
                .lt(rotation.now - Duration::seconds(refresh_ttl_secs)),
        )
        .exec(txn)
        .await?;
    Ok(())
}

/// The session's user, if the account may still use it (active, not deleted).
async fn live_owner(
    txn: &DatabaseTransaction,
    session_id: Uuid,
) -> AppResult<Option<users::Model>> {
    Ok(sessions::Entity::find_by_id(session_id)
        .find_also_related(users::Entity)
        .one(txn)
        .await?
        .and_then(|(_, user)| user)
        .filter(|user| user.is_active && user.deleted_at.is_none()))
}
