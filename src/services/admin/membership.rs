//! Group membership: who belongs to which group. Joining a group grants what it grants, so
//! an actor that is not an ADMIN may add a user (itself included) only to groups granting
//! nothing it does not hold itself; and leaving one takes what it grants, so such an actor
//! may take people out only of those groups too.

use std::collections::HashSet;

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait};
use uuid::Uuid;

use crate::auth::viewer::Viewer;
use crate::db::{self, entities::user_groups};
use crate::error::AppResult;
use crate::services::audit::{self, Action, Event};
use crate::services::rows::{link_rows, lookup};
use crate::services::rules::grants::Grantor;
use crate::state::AppState;

fn membership(user_id: Uuid, group_id: Uuid) -> user_groups::ActiveModel {
    user_groups::ActiveModel {
        user_id: Set(user_id),
        group_id: Set(group_id),
    }
}

/// `setUserGroups`: replaces the user's memberships. The actor must hold what every group
/// newly joined grants, and what every group left grants.
pub async fn set_groups(
    state: &AppState,
    actor: &Viewer,
    user_id: Uuid,
    group_ids: &[Uuid],
) -> AppResult<()> {
    let grantor = Grantor::of(actor).await?;
    let txn = db::begin_write(&state.db).await?;
    lookup::user_locked(&txn, user_id).await?;
    lookup::groups_shared(&txn, group_ids).await?;
    let current: HashSet<Uuid> = lookup::groups_of_user_shared(&txn, user_id)
        .await?
        .into_iter()
        .collect();
    let joining: Vec<Uuid> = group_ids
        .iter()
        .copied()
        .filter(|id| !current.contains(id))
        .collect();
    grantor.check_groups(&txn, &joining).await?;
    let leaving: Vec<Uuid> = current
        .iter()
        .copied()
        .filter(|id| !group_ids.contains(id))
        .collect();
    grantor.check_may_change_groups(&txn, &leaving).await?;
    let rows = group_ids
        .iter()
        .map(|&group_id| membership(user_id, group_id))
        .collect();
    link_rows::replace(&txn, user_groups::Column::UserId.eq(user_id), rows).await?;
    if let Some(details) = audit::set_change(current, group_ids.iter().copied()) {
        let event = Event::new(Action::UserGroupsChanged)
            .by(actor)
            .user(user_id)
            .details(details);
        audit::record(&txn, event).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// `USER_GROUPS_CHANGED` for one group joined or left.
fn one_group_changed(actor: &Viewer, user_id: Uuid, group_id: Uuid, joined: bool) -> Event {
    let (added, removed) = if joined {
        (vec![group_id], vec![])
    } else {
        (vec![], vec![group_id])
    };
    Event::new(Action::UserGroupsChanged)
        .by(actor)
        .user(user_id)
        .group(group_id)
        .details(serde_json::json!({ "added": added, "removed": removed }))
}

/// `addUserToGroup`: idempotent.
pub async fn add(state: &AppState, actor: &Viewer, user_id: Uuid, group_id: Uuid) -> AppResult<()> {
    let grantor = Grantor::of(actor).await?;
    let txn = db::begin_write(&state.db).await?;
    lookup::user_locked(&txn, user_id).await?;
    lookup::groups_shared(&txn, &[group_id]).await?;
    grantor.check_groups(&txn, &[group_id]).await?;
    let exists = user_groups::Entity::find_by_id((user_id, group_id))
        .one(&txn)
        .await?
        .is_some();
    if !exists {
        link_rows::insert(&txn, vec![membership(user_id, group_id)]).await?;
        audit::record(&txn, one_group_changed(actor, user_id, group_id, true)).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// `removeUserFromGroup`: idempotent. The actor must hold what the group grants, whether or
/// not the user is in it.
pub async fn remove(
    state: &AppState,
    actor: &Viewer,
    user_id: Uuid,
    group_id: Uuid,
) -> AppResult<()> {
    let grantor = Grantor::of(actor).await?;
    let txn = db::begin_write(&state.db).await?;
    // Locked like `set_groups` and `add`, so the three see each other's changes in order and
    // each event says what it changed.
    lookup::user_locked(&txn, user_id).await?;
    lookup::groups_shared(&txn, &[group_id]).await?;
    grantor.check_may_change_groups(&txn, &[group_id]).await?;
    let removed = user_groups::Entity::delete_by_id((user_id, group_id))
        .exec(&txn)
        .await?
        .rows_affected
        > 0;
    if removed {
        audit::record(&txn, one_group_changed(actor, user_id, group_id, false)).await?;
    }
    txn.commit().await?;
    Ok(())
}
