//! The rows a change names, found or `NOT_FOUND`, and locked as the change needs on
//! PostgreSQL (SQLite needs nothing: `db::begin_write` already holds its one write lock).
//! Every service looks rows up here, so none has to import another for it.

use sea_orm::sea_query::LockType;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::db::{
    self,
    entities::{groups, permissions, user_groups, users},
};
use crate::error::{AppError, AppResult};

/// A user by id, deleted or not.
pub async fn user(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<users::Model>> {
    Ok(users::Entity::find_by_id(id).one(db).await?)
}

/// The id of the account with `email` (already normalized), if any.
pub async fn user_id_by_email(db: &impl ConnectionTrait, email: &str) -> AppResult<Option<Uuid>> {
    use sea_orm::QuerySelect;
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Email.eq(email))
        .into_tuple()
        .one(db)
        .await?)
}

/// A user a mutation names, or `NOT_FOUND`.
pub async fn existing_user(db: &impl ConnectionTrait, id: Uuid) -> AppResult<users::Model> {
    user(db, id)
        .await?
        .ok_or(AppError::NotFound("no such user"))
}

/// `existing_user`, holding the row until `txn` ends (`FOR UPDATE`), so that changes to one
/// user (its flags, its groups, its permissions) run one after the other instead of
/// interleaving.
pub async fn user_locked(txn: &impl ConnectionTrait, id: Uuid) -> AppResult<users::Model> {
    db::locking(users::Entity::find_by_id(id), txn, LockType::Update)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("no such user"))
}

/// A group by id.
pub async fn group(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<groups::Model>> {
    Ok(groups::Entity::find_by_id(id).one(db).await?)
}

/// A group a mutation names, held until `txn` ends (`FOR UPDATE`) so that two changes to its
/// permissions run one after the other; or `NOT_FOUND`.
pub async fn group_locked(txn: &impl ConnectionTrait, id: Uuid) -> AppResult<groups::Model> {
    db::locking(groups::Entity::find_by_id(id), txn, LockType::Update)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("no such group"))
}

/// Checks that every id in `ids` names a group; any unknown id is `NOT_FOUND`. The groups are
/// share-locked until the transaction ends, so a concurrent `deleteGroup` waits for (or
/// finishes before) this change to their links, instead of deadlocking with it.
pub async fn groups_shared(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let select = groups::Entity::find().filter(groups::Column::Id.is_in(ids.iter().copied()));
    let found = db::locking(select, db, LockType::Share).all(db).await?;
    if found.len() != ids.len() {
        return Err(AppError::NotFound("no such group"));
    }
    Ok(())
}

/// The ids of the groups user `user_id` belongs to, share-locked like `groups_shared`. With
/// the user locked too (`user_locked`), the caller sees the user's memberships, and what those
/// groups grant, as they stay until it commits.
pub async fn groups_of_user_shared(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> AppResult<Vec<Uuid>> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::Query;
    let memberships = Query::select()
        .column(user_groups::Column::GroupId)
        .from(user_groups::Entity)
        .and_where(user_groups::Column::UserId.eq(user_id))
        .to_owned();
    let select = groups::Entity::find()
        .select_only()
        .column(groups::Column::Id)
        .filter(groups::Column::Id.in_subquery(memberships));
    Ok(db::locking(select, db, LockType::Share)
        .into_tuple()
        .all(db)
        .await?)
}

/// The permissions `ids` names, share-locked like `groups_shared`; any unknown id is
/// `NOT_FOUND`.
pub async fn permissions_shared(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<permissions::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let select =
        permissions::Entity::find().filter(permissions::Column::Id.is_in(ids.iter().copied()));
    let found = db::locking(select, db, LockType::Share).all(db).await?;
    if found.len() != ids.len() {
        return Err(AppError::NotFound("no such permission"));
    }
    Ok(found)
}
