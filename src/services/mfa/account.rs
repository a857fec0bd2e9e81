//! What the second-factor flows need of the account row: a lock that orders them, and the
//! `mfa_enabled` flag they keep.

use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::db::{self, entities::users};
use crate::error::{AppError, AppResult};

/// The live account `user_id`, locked until the transaction ends (on PostgreSQL; SQLite's
/// write transaction holds the one lock already), so that changes to its factors run one after
/// the other and each sees the last one's count. An account deactivated or deleted meanwhile
/// ends the request as its session would.
pub async fn lock(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<users::Model> {
    let select = users::Entity::find_by_id(user_id)
        .filter(users::Column::IsActive.eq(true))
        .filter(users::Column::DeletedAt.is_null());
    db::locking(select, db, LockType::Update)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated(
            "invalid, expired or revoked access token",
        ))
}

/// Records whether `user_id` holds a second factor.
pub async fn set_mfa_enabled(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    enabled: bool,
) -> AppResult<()> {
    users::Entity::update_many()
        .col_expr(users::Column::MfaEnabled, Expr::value(enabled))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
