//! Permissions: the administrator's operations on the permission list itself, and the
//! permissions a user holds directly. (What a viewer holds in all is `auth::viewer`'s.)

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use crate::auth::viewer::Viewer;
use crate::db::{
    self,
    entities::{permissions, user_permissions, users},
};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::audit::{self, Action, Event};
use crate::services::rows::{link_rows, lookup};
use crate::services::rules::validation::{self, Lines, MAX_LONG_TEXT};
use crate::state::AppState;

pub const MIN_CODENAME: usize = 3;
pub const MAX_CODENAME: usize = 100;
pub const MAX_PERMISSION_NAME: usize = 255;

/// Every permission, by codename.
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<permissions::Model>> {
    Ok(permissions::Entity::find()
        .order_by_asc(permissions::Column::Codename)
        .all(db)
        .await?)
}

/// `createPermission`.
pub async fn create(
    state: &AppState,
    actor: &Viewer,
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
    validation::text(
        &mut errors,
        "name",
        name,
        MAX_PERMISSION_NAME,
        Lines::Single,
    );
    let description = validation::optional_text(
        &mut errors,
        "description",
        description,
        MAX_LONG_TEXT,
        Lines::Multi,
    );
    errors.into_result()?;
    let txn = db::begin_write(&state.db).await?;
    let permission = permissions::ActiveModel {
        id: Set(Uuid::now_v7()),
        codename: Set(codename.to_owned()),
        name: Set(name.to_owned()),
        description: Set(description),
        created_at: Set(db::now()),
    }
    .insert(&txn)
    .await?;
    let event = Event::new(Action::PermissionCreated)
        .by(actor)
        .permission(permission.id)
        .details(serde_json::json!({
            "codename": permission.codename,
            "name": permission.name,
            "description": permission.description,
        }));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(permission)
}

/// `deletePermission`: removes it from every user and group (the links cascade).
pub async fn delete(state: &AppState, actor: &Viewer, id: Uuid) -> AppResult<()> {
    let txn = db::begin_write(&state.db).await?;
    let select = permissions::Entity::find_by_id(id);
    let permission = db::locking(select, &txn, sea_orm::sea_query::LockType::Update)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("no such permission"))?;
    permissions::Entity::delete_by_id(id).exec(&txn).await?;
    let event = Event::new(Action::PermissionDeleted)
        .by(actor)
        .permission(id)
        .details(serde_json::json!({ "codename": permission.codename }));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(())
}

/// `setUserPermissions`: replaces the permissions user `user_id` holds directly.
pub async fn set_for_user(
    state: &AppState,
    actor: &Viewer,
    user_id: Uuid,
    permission_ids: &[Uuid],
) -> AppResult<users::Model> {
    let txn = db::begin_write(&state.db).await?;
    let user = lookup::user_locked(&txn, user_id).await?;
    lookup::permissions_shared(&txn, permission_ids).await?;
    let current = user_permissions::Entity::find()
        .filter(user_permissions::Column::UserId.eq(user_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|link| link.permission_id);
    let Some(change) = audit::set_change(current, permission_ids.iter().copied()) else {
        txn.rollback().await?;
        return Ok(user);
    };
    let event = Event::new(Action::UserPermissionsChanged)
        .by(actor)
        .user(user_id)
        .details(change);
    audit::record(&txn, event).await?;
    let rows = permission_ids
        .iter()
        .map(|&permission_id| user_permissions::ActiveModel {
            user_id: Set(user_id),
            permission_id: Set(permission_id),
        })
        .collect();
    link_rows::replace(&txn, user_permissions::Column::UserId.eq(user_id), rows).await?;
    txn.commit().await?;
    Ok(user)
}
