//! Groups: CRUD and the permissions a group grants. An actor that is not an ADMIN can never
//! give a group more than it holds itself, nor change or delete a group that grants more than
//! it holds (`Grantor`). Membership is `membership`'s.

use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::viewer::Viewer;
use crate::db::{
    self,
    entities::{group_permissions, groups},
};
use crate::error::{AppResult, FieldErrors};
use crate::services::audit::{self, Action, Changes, Event};
use crate::services::rows::pages::{self, Ordering, Page, PageArgs, SortValue};
use crate::services::rows::{link_rows, lookup};
use crate::services::rules::grants::Grantor;
use crate::services::rules::validation::{self, Lines, MAX_LONG_TEXT, MAX_NAME};
use crate::state::AppState;

/// What `createGroup` and `updateGroup` take.
#[derive(Debug, Clone)]
pub struct GroupInput {
    pub name: String,
    pub description: Option<String>,
    /// `None` leaves an existing group's permissions as they are.
    pub permission_ids: Option<Vec<String>>,
}

/// Groups whose name matches `search_pattern` (from `validation::search`), case-insensitively.
fn select(search_pattern: Option<String>) -> sea_orm::Select<groups::Entity> {
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
fn ordering() -> Ordering<groups::Entity> {
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

/// The group's name, its lower-cased key, description and permission ids.
type ValidGroup = (String, String, Option<String>, Option<Vec<Uuid>>);

fn validate(input: GroupInput) -> AppResult<ValidGroup> {
    let mut errors = FieldErrors::default();
    if input.name.trim().is_empty() {
        errors.add("name", "must not be empty");
    }
    validation::text(&mut errors, "name", &input.name, MAX_NAME, Lines::Single);
    let name_key = validation::key(&mut errors, "name", &input.name, MAX_NAME);
    let description = validation::optional_text(
        &mut errors,
        "description",
        input.description,
        MAX_LONG_TEXT,
        Lines::Multi,
    );
    let permission_ids = input
        .permission_ids
        .map(|ids| validation::ids(&mut errors, "permissionIds", &ids));
    errors.into_result()?;
    Ok((input.name, name_key, description, permission_ids))
}

/// `createGroup`.
pub async fn create(
    state: &AppState,
    actor: &Viewer,
    input: GroupInput,
) -> AppResult<groups::Model> {
    let (name, name_key, description, permission_ids) = validate(input)?;
    let permission_ids = permission_ids.unwrap_or_default();
    let grantor = Grantor::of(actor).await?;
    let txn = db::begin_write(&state.db).await?;
    grantor.check(&lookup::permissions_shared(&txn, &permission_ids).await?)?;
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
    let event = Event::new(Action::GroupCreated)
        .by(actor)
        .group(group.id)
        .details(serde_json::json!({
            "name": group.name,
            "description": group.description,
            "permissionIds": permission_ids,
        }));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(group)
}

/// `updateGroup`: name and description; permissions too when `permissionIds` is given. A
/// non-ADMIN must hold what the group grants now, and what it is to grant.
pub async fn update(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    input: GroupInput,
) -> AppResult<groups::Model> {
    let (name, name_key, description, permission_ids) = validate(input)?;
    let grantor = Grantor::of(actor).await?;
    let txn = db::begin_write(&state.db).await?;
    let before = lookup::group_locked(&txn, id).await?;
    grantor.check_may_change_groups(&txn, &[id]).await?;
    if let Some(permission_ids) = &permission_ids {
        grantor.check(&lookup::permissions_shared(&txn, permission_ids).await?)?;
        let change = replace_permissions(&txn, id, permission_ids).await?;
        if let Some(details) = change {
            let event = Event::new(Action::GroupPermissionsChanged)
                .by(actor)
                .group(id)
                .details(details);
            audit::record(&txn, event).await?;
        }
    }
    let mut active: groups::ActiveModel = before.clone().into();
    active.name_key = Set(name_key);
    active.name = Set(name);
    active.description = Set(description);
    active.updated_at = Set(db::now());
    let group = active.update(&txn).await?;
    let mut changes = Changes::default();
    changes.field("name", &before.name, &group.name);
    changes.field("description", &before.description, &group.description);
    if !changes.is_empty() {
        let event = Event::new(Action::GroupUpdated)
            .by(actor)
            .group(id)
            .details(changes.into_details());
        audit::record(&txn, event).await?;
    }
    txn.commit().await?;
    Ok(group)
}

/// `setGroupPermissions` (ADMIN only).
pub async fn set_permissions(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    permission_ids: &[Uuid],
) -> AppResult<groups::Model> {
    let txn = db::begin_write(&state.db).await?;
    let group = lookup::group_locked(&txn, id).await?;
    lookup::permissions_shared(&txn, permission_ids).await?;
    if let Some(details) = replace_permissions(&txn, id, permission_ids).await? {
        let event = Event::new(Action::GroupPermissionsChanged)
            .by(actor)
            .group(id)
            .details(details);
        audit::record(&txn, event).await?;
    }
    txn.commit().await?;
    Ok(group)
}

/// Makes `permission_ids` exactly what group `group_id` grants; returns what changed (as
/// `audit::set_change`), `None` when nothing did.
async fn replace_permissions(
    db: &impl sea_orm::ConnectionTrait,
    group_id: Uuid,
    permission_ids: &[Uuid],
) -> AppResult<Option<serde_json::Value>> {
    let current = group_permissions::Entity::find()
        .filter(group_permissions::Column::GroupId.eq(group_id))
        .all(db)
        .await?
        .into_iter()
        .map(|link| link.permission_id);
    let Some(change) = audit::set_change(current, permission_ids.iter().copied()) else {
        return Ok(None);
    };
    let rows = permission_ids
        .iter()
        .map(|&permission_id| group_permissions::ActiveModel {
            group_id: Set(group_id),
            permission_id: Set(permission_id),
        })
        .collect();
    link_rows::replace(db, group_permissions::Column::GroupId.eq(group_id), rows).await?;
    Ok(Some(change))
}

/// `deleteGroup`: memberships and grants cascade. A non-ADMIN must hold what the group grants.
pub async fn delete(state: &AppState, actor: &Viewer, id: Uuid) -> AppResult<()> {
    let grantor = Grantor::of(actor).await?;
    let txn = db::begin_write(&state.db).await?;
    let group = lookup::group_locked(&txn, id).await?;
    grantor.check_may_change_groups(&txn, &[id]).await?;
    groups::Entity::delete_by_id(id).exec(&txn).await?;
    let event = Event::new(Action::GroupDeleted)
        .by(actor)
        .group(id)
        .details(serde_json::json!({ "name": group.name }));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(())
}

/// A group by id.
pub async fn find(
    db: &impl sea_orm::ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<groups::Model>> {
    lookup::group(db, id).await
}

/// One page of the groups whose name matches `search_pattern`, by name.
pub async fn page(
    db: &impl sea_orm::ConnectionTrait,
    search_pattern: Option<String>,
    args: &PageArgs,
) -> AppResult<Page<groups::Model>> {
    pages::paginate(db, select(search_pattern), &ordering(), args).await
}

/// How many groups match `search_pattern` (a connection's `totalCount`).
pub async fn count(
    db: &impl sea_orm::ConnectionTrait,
    search_pattern: Option<String>,
) -> AppResult<u64> {
    pages::count(db, select(search_pattern)).await
}
