//! Permissions: what users hold (directly or through groups), and the administrator's
//! operations on the permission list itself.

use std::collections::HashSet;

use sea_orm::sea_query::{Expr, ExprTrait, LockType, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::db::{
    self,
    entities::{group_permissions, permissions, user_groups, user_permissions},
};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::input::{self, Lines, MAX_LONG_TEXT};

pub const MIN_CODENAME: usize = 3;
pub const MAX_CODENAME: usize = 100;
pub const MAX_PERMISSION_NAME: usize = 255;

/// Codenames `user_id` holds directly or through any group: one query.
pub async fn codenames_of_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> AppResult<HashSet<String>> {
    let direct = Query::select()
        .column(user_permissions::Column::PermissionId)
        .from(user_permissions::Entity)
        .and_where(user_permissions::Column::UserId.eq(user_id))
        .to_owned();
    let through_groups = Query::select()
        .column((
            group_permissions::Entity,
            group_permissions::Column::PermissionId,
        ))
        .from(group_permissions::Entity)
        .inner_join(
            user_groups::Entity,
            Expr::col((user_groups::Entity, user_groups::Column::GroupId)).equals((
                group_permissions::Entity,
                group_permissions::Column::GroupId,
            )),
        )
        .and_where(ExprTrait::eq(
            Expr::col((user_groups::Entity, user_groups::Column::UserId)),
            user_id,
        ))
        .to_owned();
    let codenames: Vec<String> = permissions::Entity::find()
        .select_only()
        .column(permissions::Column::Codename)
        .filter(
            permissions::Column::Id
                .in_subquery(direct)
                .or(permissions::Column::Id.in_subquery(through_groups)),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(codenames.into_iter().collect())
}

/// Every codename that exists (what an ADMIN holds).
pub async fn all_codenames(db: &impl ConnectionTrait) -> AppResult<HashSet<String>> {
    let codenames: Vec<String> = permissions::Entity::find()
        .select_only()
        .column(permissions::Column::Codename)
        .into_tuple()
        .all(db)
        .await?;
    Ok(codenames.into_iter().collect())
}

/// Every permission, by codename.
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<permissions::Model>> {
    Ok(permissions::Entity::find()
        .order_by_asc(permissions::Column::Codename)
        .all(db)
        .await?)
}

/// Loads the permissions `ids` names; any unknown id is `NOT_FOUND`. On PostgreSQL they are
/// share-locked until the transaction ends, so a concurrent `deletePermission` waits for (or
/// finishes before) the links this transaction writes, instead of deadlocking with it.
pub async fn get_all(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<permissions::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let select =
        permissions::Entity::find().filter(permissions::Column::Id.is_in(ids.iter().copied()));
    let found = crate::db::locking(select, db, LockType::Share)
        .all(db)
        .await?;
    if found.len() != ids.len() {
        return Err(AppError::NotFound("no such permission"));
    }
    Ok(found)
}

/// `createPermission`.
pub async fn create(
    db: &impl ConnectionTrait,
    codename: &str,
    name: &str,
    description: Option<String>,
) -> AppResult<permissions::Model> {
    let mut errors = FieldErrors::default();
    let length = codename.chars().count();
    if !(MIN_CODENAME..=MAX_CODENAME).contains(&length) {
        errors.add(
            "codename",
            format!("must be {MIN_CODENAME} to {MAX_CODENAME} characters"),
        );
    }
    if !codename
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_'))
    {
        errors.add(
            "codename",
            "may contain only lower-case letters, digits, '.' and '_'",
        );
    }
    if name.trim().is_empty() {
        errors.add("name", "must not be empty");
    }
    input::text(
        &mut errors,
        "name",
        name,
        MAX_PERMISSION_NAME,
        Lines::Single,
    );
    let description = input::optional_text(
        &mut errors,
        "description",
        description,
        MAX_LONG_TEXT,
        Lines::Multi,
    );
    errors.into_result()?;
    Ok(permissions::ActiveModel {
        id: Set(Uuid::now_v7()),
        codename: Set(codename.to_owned()),
        name: Set(name.to_owned()),
        description: Set(description),
        created_at: Set(db::now()),
    }
    .insert(db)
    .await?)
}

/// `deletePermission`: removes it from every user and group (the links cascade).
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    let result = permissions::Entity::delete_by_id(id).exec(db).await?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound("no such permission"));
    }
    Ok(())
}

/// `setUserPermissions`: replaces the permissions `user_id` holds directly.
pub async fn set_for_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    permission_ids: &[Uuid],
) -> AppResult<()> {
    get_all(db, permission_ids).await?;
    user_permissions::Entity::delete_many()
        .filter(user_permissions::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    if !permission_ids.is_empty() {
        user_permissions::Entity::insert_many(permission_ids.iter().map(|&permission_id| {
            user_permissions::ActiveModel {
                user_id: Set(user_id),
                permission_id: Set(permission_id),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}
