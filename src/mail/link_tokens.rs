//! The tokens in mailed links: 256 random bits, stored only as their SHA-256, single-use, and
//! bound to the address they were mailed to. Issuing one voids the user's older tokens of the
//! same purpose; redeeming one deletes it in the transaction that acts on it, so of two
//! requests with one token, one wins. A token that is unknown, used, voided, expired or
//! mailed to an address the account no longer has is refused with one message.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::auth::tokens;
use crate::db;
use crate::db::entities::{account_tokens, users};
use crate::error::{AppError, AppResult, FieldErrors};

/// What a token lets its bearer do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    PasswordReset,
    EmailVerification,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::EmailVerification => "email_verification",
        }
    }

    /// How long a token of this purpose lasts (API.md: 30 minutes, 24 hours).
    pub fn lifetime(self) -> Duration {
        match self {
            Self::PasswordReset => Duration::minutes(30),
            Self::EmailVerification => Duration::hours(24),
        }
    }
}

/// The one refusal for every bad token.
pub fn invalid() -> AppError {
    FieldErrors::single("token", "is invalid or has expired; ask for a new link")
}

/// A new token for `user`, mailed to `email`; the user's older tokens of this purpose stop
/// working. Returns the token itself, which is stored nowhere.
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: Purpose,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<String> {
    // Locked, so that two replicas issuing for one user at once leave one token live.
    db::locking(users::Entity::find_by_id(user_id), db, LockType::Update)
        .one(db)
        .await?;
    account_tokens::Entity::delete_many()
        .filter(account_tokens::Column::UserId.eq(user_id))
        .filter(account_tokens::Column::Purpose.eq(purpose.as_str()))
        .exec(db)
        .await?;
    let (token, hash) = tokens::new_link_token()?;
    account_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(hash),
        email: Set(email.to_owned()),
        created_at: Set(now),
        expires_at: Set(now + purpose.lifetime()),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The account a live `token` of `purpose` was issued for, without spending it: to check a
/// token before work that should not be done for a bad one.
pub async fn peek(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<users::Model> {
    let found = live(db, purpose, token, now).await?;
    holder(db, &found, false).await
}

/// Redeems `token` inside the caller's write transaction: the account it was issued for, if
/// the token is live and the account still has the address it was mailed to, active and
/// undeleted. The token (and the user's other tokens of this purpose) are deleted; if the
/// transaction rolls back, they stay.
pub async fn redeem(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<users::Model> {
    let found = live(db, purpose, token, now).await?;
    // Zero rows: a concurrent request redeemed it first (on PostgreSQL the delete waits on
    // the other's row lock and then finds nothing).
    let deleted = account_tokens::Entity::delete_by_id(found.id)
        .exec(db)
        .await?
        .rows_affected;
    if deleted == 0 {
        return Err(invalid());
    }
    account_tokens::Entity::delete_many()
        .filter(account_tokens::Column::UserId.eq(found.user_id))
        .filter(account_tokens::Column::Purpose.eq(purpose.as_str()))
        .exec(db)
        .await?;
    holder(db, &found, true).await
}

/// The unexpired token row `token` names.
async fn live(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<account_tokens::Model> {
    let token = token.trim();
    // A token of ours is 43 base64url characters; anything else names nothing.
    let well_formed = token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(invalid());
    }
    account_tokens::Entity::find()
        .filter(account_tokens::Column::TokenHash.eq(tokens::hash_token(token)))
        .filter(account_tokens::Column::Purpose.eq(purpose.as_str()))
        .one(db)
        .await?
        .filter(|row| row.expires_at > now)
        .ok_or_else(invalid)
}

/// The account `token` was issued for, if it still has that address and may sign in. With
/// `lock`, the row is held until the caller's transaction ends, so the account cannot change
/// its address or be deactivated between this check and what the caller writes.
async fn holder(
    db: &impl ConnectionTrait,
    token: &account_tokens::Model,
    lock: bool,
) -> AppResult<users::Model> {
    let query = users::Entity::find_by_id(token.user_id);
    let query = if lock {
        db::locking(query, db, LockType::Update)
    } else {
        query
    };
    query
        .one(db)
        .await?
        .filter(|user| user.email == token.email && user.is_active && user.deleted_at.is_none())
        .ok_or_else(invalid)
}

/// Voids every token of `purpose` of `user_id` (a password change voids pending resets).
pub async fn void(db: &impl ConnectionTrait, user_id: Uuid, purpose: Purpose) -> AppResult<()> {
    account_tokens::Entity::delete_many()
        .filter(account_tokens::Column::UserId.eq(user_id))
        .filter(account_tokens::Column::Purpose.eq(purpose.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes expired tokens; returns how many.
pub async fn prune(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    Ok(account_tokens::Entity::delete_many()
        .filter(account_tokens::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}
