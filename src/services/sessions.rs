//! Sessions: one per login. Opening one issues a token pair; `refresh` rotates the refresh
//! token with a conditional update (two concurrent uses of one token: exactly one wins), and a
//! token that was already rotated, presented again, revokes its whole session, unless it comes
//! within `ROTATION_GRACE` of its rotation (two tabs, a retry), which answers `CONFLICT`. No
//! refresh extends a session past its maximum age. Rotated tokens'
//! hashes are kept (`rotated_refresh_tokens`) so that only a token that was really issued
//! counts as reuse.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use crate::auth::tokens::{self, TokenKeys};
use crate::auth::viewer::{ClientInfo, Viewer};
use crate::db::{
    self,
    entities::{rotated_refresh_tokens, sessions, users},
};
use crate::error::{AppError, AppResult};
use crate::services::audit::{self, Action, Event};
use crate::services::{input, login_throttle};
use crate::state::AppState;

/// A fresh token pair for a session.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub session_id: Uuid,
    /// Access-token lifetime in seconds.
    pub expires_in: i64,
}

/// Why a session ended; stored for audits.
#[derive(Debug, Clone, Copy)]
pub enum RevokeReason {
    Logout,
    Revoked,
    RefreshTokenReuse,
    PasswordChanged,
    PasswordReset,
    Deactivated,
    Deleted,
}

impl RevokeReason {
    /// A change of the account's credentials or state, which a login in flight must not
    /// survive (a logout everywhere is not one: the password still opens sessions).
    fn voids_logins_in_flight(self) -> bool {
        matches!(
            self,
            Self::PasswordChanged | Self::PasswordReset | Self::Deactivated | Self::Deleted
        )
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::Revoked => "revoked",
            Self::RefreshTokenReuse => "refresh_token_reuse",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::Deactivated => "deactivated",
            Self::Deleted => "deleted",
        }
    }
}

const MAX_USER_AGENT: usize = 512;

/// How long after a rotation the old refresh token answers `CONFLICT` instead of revoking
/// the session as reused.
pub const ROTATION_GRACE: Duration = Duration::seconds(10);

/// When a session refreshed at `now` stops working: a refresh-token lifetime later, but
/// never past its maximum age counted from its login at `created_at`.
fn expiry(keys: &TokenKeys, created_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    std::cmp::min(
        now + Duration::seconds(keys.refresh_ttl_secs),
        created_at + Duration::seconds(keys.session_max_age_secs),
    )
}

fn clip(value: &Option<String>, max: usize) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.chars().filter(|c| !c.is_control()).take(max).collect())
}

/// Opens a session for `user_id` and issues its first token pair.
pub async fn start(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    user_id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> AppResult<IssuedTokens> {
    let session_id = Uuid::new_v4();
    let (refresh_token, refresh_hash) = tokens::new_refresh_token(session_id)?;
    sessions::ActiveModel {
        id: Set(session_id),
        user_id: Set(user_id),
        refresh_token_hash: Set(refresh_hash),
        rotation_count: Set(0),
        rotated_at: Set(None),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(expiry(keys, now, now)),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        user_agent: Set(clip(&client.user_agent, MAX_USER_AGENT)),
        ip_address: Set(client.ip.map(|ip| ip.to_string())),
    }
    .insert(db)
    .await?;
    // Whoever opens a session proved who they are from this address: the login throttle's
    // hourly ceiling will not hold the account's owner up there.
    login_throttle::remember_address(db, user_id, client.ip, now).await?;
    Ok(IssuedTokens {
        access_token: keys.issue_access(user_id, session_id, now)?,
        refresh_token,
        session_id,
        expires_in: keys.access_ttl_secs,
    })
}

/// `refreshToken`: rotates the session's refresh token and issues a new pair.
pub async fn refresh(
    state: &AppState,
    refresh_token: &str,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    state.throttle.address(client.ip)?;
    let invalid = AppError::Unauthenticated("invalid or expired refresh token");
    let Some(session_id) = tokens::refresh_token_session(refresh_token) else {
        return Err(invalid);
    };
    let presented_hash = tokens::hash_token(refresh_token);
    let (next_token, next_hash) = tokens::new_refresh_token(session_id)?;
    let now = db::now();

    let txn = db::begin_write(&state.db).await?;
    let Some(session) = sessions::Entity::find_by_id(session_id).one(&txn).await? else {
        return Err(invalid);
    };
    let expires_at = expiry(&state.keys, session.created_at, now);
    if expires_at <= now {
        // Past its maximum age (which may have been lowered since it was issued).
        return Err(invalid);
    }
    // The conditional update is the whole race: of two concurrent uses of one token, only the
    // first still finds the old hash.
    let mut update = sessions::Entity::update_many()
        .col_expr(sessions::Column::RefreshTokenHash, Expr::value(next_hash))
        .col_expr(
            sessions::Column::RotationCount,
            Expr::col(sessions::Column::RotationCount).add(1),
        )
        .col_expr(sessions::Column::RotatedAt, Expr::value(now))
        .col_expr(sessions::Column::LastUsedAt, Expr::value(now))
        .col_expr(sessions::Column::ExpiresAt, Expr::value(expires_at));
    if let Some(user_agent) = clip(&client.user_agent, MAX_USER_AGENT) {
        update = update.col_expr(sessions::Column::UserAgent, Expr::value(user_agent));
    }
    if let Some(ip) = client.ip {
        update = update.col_expr(sessions::Column::IpAddress, Expr::value(ip.to_string()));
    }
    let rotated = update
        .filter(sessions::Column::Id.eq(session_id))
        .filter(sessions::Column::RefreshTokenHash.eq(&presented_hash))
        .filter(sessions::Column::RevokedAt.is_null())
        .filter(sessions::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?
        .rows_affected;

    if rotated == 0 {
        // Only a token this session really issued and then rotated away from is a replay; a
        // made-up token that merely carries a known session id is just invalid.
        let replayed = rotated_refresh_tokens::Entity::find_by_id(presented_hash)
            .filter(rotated_refresh_tokens::Column::SessionId.eq(session_id))
            .find_also_related(sessions::Entity)
            .one(&txn)
            .await?
            .and_then(|(rotated, session)| session.map(|session| (rotated.rotated_at, session)))
            .filter(|(_, session)| session.revoked_at.is_none());
        if let Some((rotated_at, session)) = replayed {
            if now - rotated_at <= ROTATION_GRACE {
                // Two tabs refreshing at once, or a retry after a lost answer: the late one
                // is told to use the newest token, and the session lives on.
                return Err(AppError::Conflict {
                    message: "already rotated: use the newest refresh token".to_owned(),
                    field: None,
                });
            }
            // Someone holds a copy of a token that was already used. End the session so that
            // neither holder keeps access.
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
            return Err(AppError::Unauthenticated(
                "refresh token was already used; the session has been ended",
            ));
        }
        return Err(invalid);
    }
    rotated_refresh_tokens::ActiveModel {
        token_hash: Set(presented_hash),
        session_id: Set(session_id),
        rotated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    // A token rotated away longer ago than a refresh token lives would have expired unused
    // anyway; forgetting it keeps the table at about one row per refresh within that time.
    rotated_refresh_tokens::Entity::delete_many()
        .filter(rotated_refresh_tokens::Column::SessionId.eq(session_id))
        .filter(
            rotated_refresh_tokens::Column::RotatedAt
                .lt(now - Duration::seconds(state.keys.refresh_ttl_secs)),
        )
        .exec(&txn)
        .await?;

    let user = sessions::Entity::find_by_id(session_id)
        .find_also_related(users::Entity)
        .one(&txn)
        .await?
        .and_then(|(_, user)| user)
        .filter(|user| user.is_active && user.deleted_at.is_none());
    let Some(user) = user else {
        txn.rollback().await?;
        return Err(invalid);
    };
    txn.commit().await?;
    Ok((
        user.clone(),
        IssuedTokens {
            access_token: state.keys.issue_access(user.id, session_id, now)?,
            refresh_token: next_token,
            session_id,
            expires_in: state.keys.access_ttl_secs,
        },
    ))
}

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

/// The user's live sessions, most recently used first.
pub async fn list_live(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> AppResult<Vec<sessions::Model>> {
    Ok(sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .filter(sessions::Column::ExpiresAt.gt(db::now()))
        .order_by_desc(sessions::Column::LastUsedAt)
        .order_by_desc(sessions::Column::Id)
        .all(db)
        .await?)
}

/// `revokeSession`: ends one of the viewer's own live sessions. Another user's session id is
/// `NOT_FOUND`, exactly like an id that names nothing.
pub async fn revoke_own(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    client: &ClientInfo,
) -> AppResult<()> {
    let id = input::id("id", id)?;
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
/// session either (`accounts::login` opens one only on the version it checked).
pub async fn revoke_all(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    reason: RevokeReason,
) -> AppResult<u64> {
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
    revoke_where(db, sessions::Column::UserId.eq(user_id), reason).await
}

async fn revoke_where(
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
