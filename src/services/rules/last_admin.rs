//! The rule that the system always keeps one active, non-deleted ADMIN, checked inside the
//! transaction that could break it.

use sea_orm::sea_query::LockType;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::db::{self, entities::users};
use crate::error::{AppError, AppResult};

/// Whether `user` counts toward "at least one active, non-deleted ADMIN".
pub fn counts(user: &users::Model) -> bool {
    user.role == users::Role::Admin && user.is_active && user.deleted_at.is_none()
}

fn active_admins() -> sea_orm::Select<users::Entity> {
    users::Entity::find()
        .filter(users::Column::Role.eq(users::Role::Admin))
        .filter(users::Column::IsActive.eq(true))
        .filter(users::Column::DeletedAt.is_null())
}

/// On PostgreSQL, locks the rows of every active admin until the transaction ends, so two
/// transactions that could each remove an admin run one after the other. SQLite needs
/// nothing: `begin_write` already holds its single write lock.
pub async fn lock(txn: &impl ConnectionTrait) -> AppResult<()> {
    if db::is_postgres(txn) {
        active_admins()
            .select_only()
            .column(users::Column::Id)
            .lock(LockType::Update)
            .into_tuple::<Uuid>()
            .all(txn)
            .await?;
    }
    Ok(())
}

/// `CONFLICT` when the transaction's changes left no active, non-deleted ADMIN.
pub async fn ensure_remains(txn: &impl ConnectionTrait) -> AppResult<()> {
    if active_admins().count(txn).await? == 0 {
        return Err(AppError::Conflict {
            message: "the system must keep at least one active ADMIN".to_owned(),
            field: None,
        });
    }
    Ok(())
}
