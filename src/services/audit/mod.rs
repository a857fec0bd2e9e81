//! The audit log: one small service every other service calls, inside the transaction of the
//! change it records (no change without its event, no event without its change). An event says
//! who acted (`actor`), on what (`user`, `group`, `permission`), in which session, from where,
//! and what changed (`details`, JSON; never a password, token, hash or secret). Reading the
//! log is `reading`'s: a `Reader` is shown of each event only what is theirs to see.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use uuid::Uuid;

use crate::auth::viewer::{ClientInfo, Viewer};
use crate::db::{self, entities::audit_events};
use crate::error::AppResult;

mod actions;
mod reading;
#[cfg(test)]
mod tests;

pub use actions::Action;
pub use reading::{Filter, HIDDEN, Reader, count, page};

/// The longest user agent an event keeps.
const MAX_USER_AGENT: usize = 512;

/// One event, built up by the service that records it.
#[derive(Debug, Clone)]
pub struct Event {
    action: Action,
    actor_id: Option<Uuid>,
    user_id: Option<Uuid>,
    group_id: Option<Uuid>,
    permission_id: Option<Uuid>,
    session_id: Option<Uuid>,
    ip_address: Option<String>,
    user_agent: Option<String>,
    details: Option<serde_json::Value>,
}

impl Event {
    pub fn new(action: Action) -> Self {
        Self {
            action,
            actor_id: None,
            user_id: None,
            group_id: None,
            permission_id: None,
            session_id: None,
            ip_address: None,
            user_agent: None,
            details: None,
        }
    }

    /// The same event, recording `action` instead.
    pub fn with_action(mut self, action: Action) -> Self {
        self.action = action;
        self
    }

    /// Acted by `viewer`, in the session and from the client of its request.
    pub fn by(self, viewer: &Viewer) -> Self {
        self.actor(viewer.id())
            .session(viewer.session_id)
            .client(&viewer.client)
    }

    /// Who acted.
    pub fn actor(mut self, id: Uuid) -> Self {
        self.actor_id = Some(id);
        self
    }

    /// The account acted on.
    pub fn user(mut self, id: Uuid) -> Self {
        self.user_id = Some(id);
        self
    }

    pub fn group(mut self, id: Uuid) -> Self {
        self.group_id = Some(id);
        self
    }

    pub fn permission(mut self, id: Uuid) -> Self {
        self.permission_id = Some(id);
        self
    }

    pub fn session(mut self, id: Uuid) -> Self {
        self.session_id = Some(id);
        self
    }

    /// Where the request came from.
    pub fn client(mut self, client: &ClientInfo) -> Self {
        self.ip_address = client.ip.map(|ip| ip.to_string());
        self.user_agent = client.user_agent.as_ref().map(|agent| {
            agent
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_USER_AGENT)
                .collect()
        });
        self
    }

    /// What changed, as JSON. Callers pass field names and values a user may see, never a
    /// password, token or hash.
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

/// What changed, field by field, as `details`: `{"field":{"from":…,"to":…}}` for each field
/// whose value differs.
#[derive(Debug, Default)]
pub struct Changes(serde_json::Map<String, serde_json::Value>);

impl Changes {
    /// Notes field `name` when `from` and `to` differ.
    pub fn field<T: PartialEq + serde::Serialize>(&mut self, name: &str, from: &T, to: &T) {
        if from != to {
            self.0.insert(
                name.to_owned(),
                serde_json::json!({ "from": from, "to": to }),
            );
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_details(self) -> serde_json::Value {
        serde_json::Value::Object(self.0)
    }
}

/// How a set of links (groups, permissions) changed, as `details`: `{"added":[…],"removed":[…]}`
/// with ids in a stable order; `None` when `from` and `to` hold the same ids.
pub fn set_change(
    from: impl IntoIterator<Item = Uuid>,
    to: impl IntoIterator<Item = Uuid>,
) -> Option<serde_json::Value> {
    use std::collections::BTreeSet;
    let from: BTreeSet<Uuid> = from.into_iter().collect();
    let to: BTreeSet<Uuid> = to.into_iter().collect();
    if from == to {
        return None;
    }
    let added: Vec<&Uuid> = to.difference(&from).collect();
    let removed: Vec<&Uuid> = from.difference(&to).collect();
    Some(serde_json::json!({ "added": added, "removed": removed }))
}

/// Writes each of `events` in the caller's transaction.
pub async fn record_all(db: &impl ConnectionTrait, events: Vec<Event>) -> AppResult<()> {
    for event in events {
        record(db, event).await?;
    }
    Ok(())
}

/// Writes `event` in the caller's transaction (or on its own, for what changes nothing else:
/// a failed login).
pub async fn record(db: &impl ConnectionTrait, event: Event) -> AppResult<()> {
    audit_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        occurred_at: Set(db::now()),
        action: Set(event.action.as_str().to_owned()),
        actor_id: Set(event.actor_id),
        user_id: Set(event.user_id),
        group_id: Set(event.group_id),
        permission_id: Set(event.permission_id),
        session_id: Set(event.session_id),
        ip_address: Set(event.ip_address),
        user_agent: Set(event.user_agent),
        details: Set(event.details.map(|details| details.to_string())),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Events deleted per statement when pruning: a long-idle log's backlog goes in bounded steps
/// rather than one statement that holds SQLite's write lock for long.
const PRUNE_BATCH: u64 = 5_000;

/// Deletes events older than `before`, in batches; returns how many.
pub async fn prune(
    db: &sea_orm::DatabaseConnection,
    before: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut total = 0;
    loop {
        let oldest: Vec<Uuid> = audit_events::Entity::find()
            .select_only()
            .column(audit_events::Column::Id)
            .filter(audit_events::Column::OccurredAt.lt(before))
            .order_by_asc(audit_events::Column::OccurredAt)
            .limit(PRUNE_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if oldest.is_empty() {
            return Ok(total);
        }
        total += audit_events::Entity::delete_many()
            .filter(audit_events::Column::Id.is_in(oldest))
            .exec(db)
            .await?
            .rows_affected;
    }
}
