//! Opening a session: the one door every way to sign in goes through (`start`), the token pair
//! it issues, why sessions end (`RevokeReason`), and the live sessions of a user.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::login_throttle;
use crate::auth::tokens::{self, TokenKeys};
use crate::auth::viewer::ClientInfo;
use crate::db::entities::sessions::{AssuranceLevel, Method};
use crate::db::{self, entities::sessions, entities::users};
use crate::error::{AppError, AppResult};
use crate::services::audit::{self, Action, Event};

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
    /// The account's first second factor was confirmed (in another session).
    SecondFactorAdded,
    /// An administrator removed the account's second factors.
    MfaReset,
    /// One of the account's second factors was removed (in another session).
    SecondFactorRemoved,
}

impl RevokeReason {
    /// A change of the account's credentials or state, which a login in flight must not
    /// survive (a logout everywhere is not one: the password still opens sessions).
    pub(crate) fn voids_logins_in_flight(self) -> bool {
        matches!(
            self,
            Self::PasswordChanged
                | Self::PasswordReset
                | Self::Deactivated
                | Self::Deleted
                | Self::SecondFactorAdded
                | Self::MfaReset
                | Self::SecondFactorRemoved
        )
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::Revoked => "revoked",
            Self::RefreshTokenReuse => "refresh_token_reuse",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::Deactivated => "deactivated",
            Self::Deleted => "deleted",
            Self::SecondFactorAdded => "second_factor_added",
            Self::MfaReset => "mfa_reset",
            Self::SecondFactorRemoved => "second_factor_removed",
        }
    }
}

pub(crate) const MAX_USER_AGENT: usize = 512;

/// How long after a rotation the old refresh token answers `CONFLICT` instead of revoking
/// the session as reused.
pub const ROTATION_GRACE: Duration = Duration::seconds(10);

/// When a session refreshed at `now` stops working: a refresh-token lifetime later, but
/// never past its maximum age counted from its login at `created_at`.
pub(crate) fn expiry(
    keys: &TokenKeys,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    std::cmp::min(
        now + Duration::seconds(keys.refresh_ttl_secs),
        created_at + Duration::seconds(keys.session_max_age_secs),
    )
}

pub(crate) fn clip(value: &Option<String>, max: usize) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.chars().filter(|c| !c.is_control()).take(max).collect())
}

/// Opens a session for `user_id`, signed in by `proof`, and issues its first token pair.
pub async fn start(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    user_id: Uuid,
    client: &ClientInfo,
    proof: &[Method],
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
        assurance_level: Set(AssuranceLevel::of(proof)),
        authentication_methods: Set(Method::join(proof)),
        authenticated_at: Set(Some(now)),
    }
    .insert(db)
    .await?;
    // Whoever opens a session proved who they are from this address: the login throttle's
    // hourly ceiling will not hold the account's owner up there.
    login_throttle::remember_address(db, user_id, client.ip, now).await?;
    Ok(IssuedTokens {
        access_token: keys.issue_access(user_id, session_id, proof, now)?,
        refresh_token,
        session_id,
        expires_in: keys.access_ttl_secs,
    })
}

/// The account `user_id` as a sign-in whose proof checked out finds it now: active and
/// undeleted, its `last_login_at` set to `now` (a conditional update, so a deactivation or
/// deletion committed first wins, and one committed after waits and then ends the new
/// session). `None`, with nothing written, when it may not sign in.
pub async fn admit(
    txn: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<users::Model>> {
    let admitted = users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Expr::value(now))
        .filter(users::Column::Id.eq(user_id))
        .filter(users::Column::IsActive.eq(true))
        .filter(users::Column::DeletedAt.is_null())
        .exec(txn)
        .await?
        .rows_affected
        == 1;
    if !admitted {
        return Ok(None);
    }
    let user = users::Entity::find_by_id(user_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal("an account vanished inside its transaction"))?;
    Ok(Some(user))
}

/// `start`, and the `LOGIN_SUCCEEDED` event of the sign-in it completes (with `details`, what
/// the proof was, when there is more to say than the session's methods): the door every way to
/// sign in leaves by, inside the transaction that checked the proof.
pub async fn signed_in(
    txn: &impl ConnectionTrait,
    keys: &TokenKeys,
    user_id: Uuid,
    client: &ClientInfo,
    proof: &[Method],
    details: Option<serde_json::Value>,
    now: DateTime<Utc>,
) -> AppResult<IssuedTokens> {
    let tokens = start(txn, keys, user_id, client, proof, now).await?;
    let mut event = Event::new(Action::LoginSucceeded)
        .actor(user_id)
        .user(user_id)
        .session(tokens.session_id)
        .client(client);
    if let Some(details) = details {
        event = event.details(details);
    }
    audit::record(txn, event).await?;
    Ok(tokens)
}

/// The live session `session_id` of `user_id`, locked until the transaction ends, so that a
/// concurrent change of its proof is built on, never written over; `UNAUTHENTICATED` when it
/// ended meanwhile.
pub async fn lock_live(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<sessions::Model> {
    let select = sessions::Entity::find_by_id(session_id)
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .filter(sessions::Column::ExpiresAt.gt(now));
    db::locking(select, db, LockType::Update)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated(
            "invalid, expired or revoked access token",
        ))
}

/// Records that the holder of `session` (read under `lock_live`) proved `method`: the method
/// joins its methods, its level follows, and its `authenticated_at` becomes `authenticated_at`
/// (now, for a proof of presence such as `reauthenticate`; unchanged, for a factor the session
/// just set up, which proves nothing about who holds it).
/// Returns the session as it now is.
pub async fn record_proof(
    db: &impl ConnectionTrait,
    session: sessions::Model,
    method: Method,
    authenticated_at: Option<DateTime<Utc>>,
) -> AppResult<sessions::Model> {
    let mut methods = session.methods();
    if !methods.contains(&method) {
        methods.push(method);
    }
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::AuthenticatedAt,
            Expr::value(authenticated_at),
        )
        .col_expr(
            sessions::Column::AuthenticationMethods,
            Expr::value(Method::join(&methods)),
        )
        .col_expr(
            sessions::Column::AssuranceLevel,
            Expr::value(AssuranceLevel::of(&methods)),
        )
        .filter(sessions::Column::Id.eq(session.id))
        .exec(db)
        .await?;
    Ok(sessions::Model {
        authenticated_at,
        authentication_methods: Method::join(&methods),
        assurance_level: AssuranceLevel::of(&methods),
        ..session
    })
}

/// Gives the session `session_id`, just opened to take over another, that session's
/// `authenticated_at`: taking over is no new proof of presence.
pub async fn carry_authenticated_at(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    authenticated_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::AuthenticatedAt,
            Expr::value(authenticated_at),
        )
        .filter(sessions::Column::Id.eq(session_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The session `session_id` (live or not).
pub async fn find(
    db: &impl ConnectionTrait,
    session_id: Uuid,
) -> AppResult<Option<sessions::Model>> {
    Ok(sessions::Entity::find_by_id(session_id).one(db).await?)
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
