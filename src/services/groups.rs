//! Groups: CRUD, membership and the permissions a group grants. A caller that is not an ADMIN
//! can never grant more than it holds itself (`Grantor`).

use std::collections::HashSet;

use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, LockType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::db::{
    self,
    entities::{group_permissions, groups, permissions, user_groups},
};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::input::{self, Lines, MAX_LONG_TEXT, MAX_NAME};
use crate::services::pagination::{Ordering, SortValue};
use crate::services::permissions as perms;
use crate::state::AppState;

/// Who is granting access, and so how much they may grant.
pub enum Grantor {
    /// An ADMIN: anything.
    Admin,
    /// Anyone else: only permissions it holds itself (these codenames).
    Holding(HashSet<String>),
}

impl Grantor {
    /// `FORBIDDEN` unless the grantor holds every one of `granted`.
    pub fn check(&self, granted: &[permissions::Model]) -> AppResult<()> {
        match self {
            Grantor::Admin => Ok(()),
            Grantor::Holding(held) if granted.iter().all(|p| held.contains(&p.codename)) => Ok(()),
            Grantor::Holding(_) => Err(AppError::Forbidden(
                "you cannot grant a permission you do not hold",
            )),
        }
    }

    /// `FORBIDDEN` unless the grantor holds every permission the groups `group_ids` grant.
    pub async fn check_groups(
        &self,
        db: &impl ConnectionTrait,
        group_ids: &[Uuid],
    ) -> AppResult<()> {
        if matches!(self, Grantor::Admin) || group_ids.is_empty() {
            return Ok(());
        }
        let granted: Vec<permissions::Model> = group_permissions::Entity::find()
            .filter(group_permissions::Column::GroupId.is_in(group_ids.iter().copied()))
            .find_also_related(permissions::Entity)
            .all(db)
            .await?
            .into_iter()
            .filter_map(|(_, permission)| permission)
            .collect();
        self.check(&granted)
    }
}

/// What `createGroup` and `updateGroup` take.
#[derive(Debug, Clone)]
pub struct GroupInput {
    pub name: String,
    pub description: Option<String>,
    /// `None` leaves an existing group's permissions as they are.
    pub permission_ids: Option<Vec<String>>,
}

/// Groups whose name matches `search_pattern` (from `input::search`), case-insensitively.
pub fn select(search_pattern: Option<String>) -> sea_orm::Select<groups::Entity> {
    let mut select = groups::Entity::find();
    if let Some(pattern) = search_pattern {
        select = select.filter(
            Expr::col((groups::Entity, groups::Column::NameKey))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    select
}

/// Groups are listed by name.
pub fn ordering() -> Ordering<groups::Entity> {
    Ordering {
        tag: "groups:name",
        key: Expr::col((groups::Entity, groups::Column::NameKey)),
        time_key: false,
        key_of: |g| SortValue::Text(g.name_key.clone()),
        id: groups::Column::Id,
        id_of: |g| g.id,
        descending: false,
    }
}

/// A group a mutation names, held until `txn` ends on PostgreSQL (`FOR UPDATE`) so that two
/// changes to its permissions run one after the other; or `NOT_FOUND`.
async fn get_locked(txn: &impl ConnectionTrait, id: Uuid) -> AppResult<groups::Model> {
    db::locking(groups::Entity::find_by_id(id), txn, LockType::Update)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("no such group"))
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<groups::Model>> {
    Ok(groups::Entity::find_by_id(id).one(db).await?)
}

/// Checks that every id in `ids` names a group; any unknown id is `NOT_FOUND`. On PostgreSQL
/// the groups are share-locked until the transaction ends, so a concurrent `deleteGroup` waits
/// for (or finishes before) this change to the links, instead of deadlocking with it.
async fn get_all(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<()> {
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

/// The group's name, its lower-cased key, description and permission ids.
type ValidGroup = (String, String, Option<String>, Option<Vec<Uuid>>);

fn validate(input: GroupInput) -> AppResult<ValidGroup> {
    let mut errors = FieldErrors::default();
    if input.name.trim().is_empty() {
        errors.add("name", "must not be empty");
    }
    input::text(&mut errors, "name", &input.name, MAX_NAME, Lines::Single);
    let name_key = input::key(&mut errors, "name", &input.name, MAX_NAME);
    let description = input::optional_text(
        &mut errors,
        "description",
        input.description,
        MAX_LONG_TEXT,
        Lines::Multi,
    );
    let permission_ids = input
        .permission_ids
        .map(|ids| input::ids(&mut errors, "permissionIds", &ids));
    errors.into_result()?;
    Ok((input.name, name_key, description, permission_ids))
}

/// `createGroup`.
pub async fn create(
    state: &AppState,
    grantor: &Grantor,
    input: GroupInput,
) -> AppResult<groups::Model> {
    let (name, name_key, description, permission_ids) = validate(input)?;
    let permission_ids = permission_ids.unwrap_or_default();
    let txn = db::begin_write(&state.db).await?;
    grantor.check(&perms::get_all(&txn, &permission_ids).await?)?;
    let now = db::now();
    let group = groups::ActiveModel {
        id: Set(Uuid::now_v7()),
        name_key: Set(name_key),
        name: Set(name),
        description: Set(description),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    replace_permissions(&txn, group.id, &permission_ids).await?;
    txn.commit().await?;
    Ok(group)
}

/// `updateGroup`: name and description; permissions too when `permissionIds` is given.
pub async fn update(
    state: &AppState,
    grantor: &Grantor,
    id: Uuid,
    input: GroupInput,
) -> AppResult<groups::Model> {
    let (name, name_key, description, permission_ids) = validate(input)?;
    let txn = db::begin_write(&state.db).await?;
    let group = get_locked(&txn, id).await?;
    if let Some(permission_ids) = &permission_ids {
        grantor.check(&perms::get_all(&txn, permission_ids).await?)?;
        replace_permissions(&txn, id, permission_ids).await?;
    }
    let mut active: groups::ActiveModel = group.into();
    active.name_key = Set(name_key);
    active.name = Set(name);
    active.description = Set(description);
    active.updated_at = Set(db::now());
    let group = active.update(&txn).await?;
    txn.commit().await?;
    Ok(group)
}

/// `setGroupPermissions` (ADMIN only).
pub async fn set_permissions(
    state: &AppState,
    id: Uuid,
    permission_ids: &[Uuid],
) -> AppResult<groups::Model> {
    let txn = db::begin_write(&state.db).await?;
    let group = get_locked(&txn, id).await?;
    perms::get_all(&txn, permission_ids).await?;
    replace_permissions(&txn, id, permission_ids).await?;
    txn.commit().await?;
    Ok(group)
}

async fn replace_permissions(
    db: &impl ConnectionTrait,
    group_id: Uuid,
    permission_ids: &[Uuid],
) -> AppResult<()> {
    group_permissions::Entity::delete_many()
        .filter(group_permissions::Column::GroupId.eq(group_id))
        .exec(db)
        .await?;
    if !permission_ids.is_empty() {
        group_permissions::Entity::insert_many(permission_ids.iter().map(|&permission_id| {
            group_permissions::ActiveModel {
                group_id: Set(group_id),
                permission_id: Set(permission_id),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// `deleteGroup`: memberships and grants cascade.
pub async fn delete(state: &AppState, id: Uuid) -> AppResult<()> {
    let result = groups::Entity::delete_by_id(id).exec(&state.db).await?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound("no such group"));
    }
    Ok(())
}

/// `setUserGroups`: replaces the user's memberships. The grantor must hold what every group
/// newly joined grants.
pub async fn set_user_groups(
    state: &AppState,
    grantor: &Grantor,
    user_id: Uuid,
    group_ids: &[Uuid],
) -> AppResult<()> {
    let txn = db::begin_write(&state.db).await?;
    crate::services::users::get_locked(&txn, user_id).await?;
    get_all(&txn, group_ids).await?;
    let current: HashSet<Uuid> = user_groups::Entity::find()
        .filter(user_groups::Column::UserId.eq(user_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|link| link.group_id)
        .collect();
    let joining: Vec<Uuid> = group_ids
        .iter()
        .copied()
        .filter(|id| !current.contains(id))
        .collect();
    grantor.check_groups(&txn, &joining).await?;
    user_groups::Entity::delete_many()
        .filter(user_groups::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    add_links(&txn, user_id, group_ids).await?;
    txn.commit().await?;
    Ok(())
}

/// `addUserToGroup`: idempotent.
pub async fn add_member(
    state: &AppState,
    grantor: &Grantor,
    user_id: Uuid,
    group_id: Uuid,
) -> AppResult<()> {
    let txn = db::begin_write(&state.db).await?;
    crate::services::users::get_locked(&txn, user_id).await?;
    get_all(&txn, &[group_id]).await?;
    grantor.check_groups(&txn, &[group_id]).await?;
    let exists = user_groups::Entity::find_by_id((user_id, group_id))
        .one(&txn)
        .await?
        .is_some();
    if !exists {
        add_links(&txn, user_id, &[group_id]).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// `removeUserFromGroup`: idempotent.
pub async fn remove_member(state: &AppState, user_id: Uuid, group_id: Uuid) -> AppResult<()> {
    let txn = db::begin_write(&state.db).await?;
    crate::services::users::get(&txn, user_id).await?;
    get_all(&txn, &[group_id]).await?;
    user_groups::Entity::delete_by_id((user_id, group_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Inserts memberships (callers ensure none exists yet).
pub async fn add_links(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    group_ids: &[Uuid],
) -> AppResult<()> {
    if !group_ids.is_empty() {
        user_groups::Entity::insert_many(group_ids.iter().map(|&group_id| {
            user_groups::ActiveModel {
                user_id: Set(user_id),
                group_id: Set(group_id),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Checks that every id in `group_ids` names a group.
pub async fn ensure_exist(db: &impl ConnectionTrait, group_ids: &[Uuid]) -> AppResult<()> {
    get_all(db, group_ids).await
}
