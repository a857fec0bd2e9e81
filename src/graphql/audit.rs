//! The audit log's queries: `auditEvents` (ADMIN or `audit.view`, with filters) and
//! `myAuditEvents` (the viewer's own account's events), newest first, as Relay connections.
//! What of an event each reader is shown is `services::audit::Reader`'s rule.

// Connection fields take the four Relay arguments plus their own.
#![allow(clippy::too_many_arguments)]

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tokio::sync::OnceCell;

use crate::db::entities::{audit_events, users};
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{AdminOr, Authenticated};
use crate::graphql::limits;
use crate::graphql::types::{AuditEventConnection, User, audit_connection, page_args};
use crate::services::audit::{self, Filter, Reader};
use crate::services::input;

/// What an event records.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::services::audit::Action")]
pub enum AuditAction {
    Registered,
    LoginSucceeded,
    LoginFailed,
    LoginThrottled,
    Logout,
    RefreshTokenReused,
    SessionRevoked,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    EmailVerificationSent,
    EmailVerified,
    EmailChanged,
    ProfileUpdated,
    AccountDeleted,
    UserCreated,
    UserUpdated,
    RoleChanged,
    UserActivated,
    UserDeactivated,
    UserDeleted,
    UserRestored,
    UserGroupsChanged,
    UserPermissionsChanged,
    GroupCreated,
    GroupUpdated,
    GroupDeleted,
    GroupPermissionsChanged,
    PermissionCreated,
    PermissionDeleted,
    SuperuserCreated,
    LoginThrottleCleared,
}

/// One recorded action, sharing with the rest of its page the accounts the page names.
pub struct AuditEvent {
    pub model: audit_events::Model,
    pub people: Arc<People>,
}

impl AuditEvent {
    /// The events of one page.
    pub fn list(models: Vec<audit_events::Model>) -> Vec<AuditEvent> {
        let ids = models
            .iter()
            .flat_map(|m| [m.actor_id, m.user_id])
            .flatten()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let people = Arc::new(People {
            ids,
            loaded: OnceCell::new(),
        });
        models
            .into_iter()
            .map(|model| AuditEvent {
                model,
                people: people.clone(),
            })
            .collect()
    }
}

/// The accounts a page of events names, loaded in one statement when first asked for.
pub struct People {
    ids: Vec<Uuid>,
    loaded: OnceCell<HashMap<Uuid, users::Model>>,
}

impl People {
    async fn get(&self, db: &DatabaseConnection, id: Uuid) -> AppResult<Option<users::Model>> {
        let loaded = self
            .loaded
            .get_or_try_init(|| async {
                let found = users::Entity::find()
                    .filter(users::Column::Id.is_in(self.ids.iter().copied()))
                    .all(db)
                    .await?;
                Ok::<_, AppError>(found.into_iter().map(|user| (user.id, user)).collect())
            })
            .await?;
        Ok(loaded.get(&id).cloned())
    }
}

#[Object]
impl AuditEvent {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.model.occurred_at
    }
    async fn action(&self) -> Result<AuditAction> {
        audit::Action::parse(&self.model.action)
            .map(Into::into)
            .ok_or_else(|| {
                AppError::internal(format!("unknown audit action {}", self.model.action)).into()
            })
    }
    /// Who acted; null for an anonymous attempt and for the command line, and in
    /// `myAuditEvents` when someone else acted.
    async fn actor_id(&self) -> Option<ID> {
        self.model.actor_id.map(id)
    }
    /// Null (no error) when there is none, it was permanently deleted, or you may not see it.
    async fn actor(&self, ctx: &Context<'_>) -> Option<User> {
        let actor = visible(ctx, &self.people, self.model.actor_id).await;
        ctx.nullable(actor)
    }
    /// The account acted on, if any.
    async fn user_id(&self) -> Option<ID> {
        self.model.user_id.map(id)
    }
    /// Null (no error) when there is none, it was permanently deleted, or you may not see it.
    async fn user(&self, ctx: &Context<'_>) -> Option<User> {
        let user = visible(ctx, &self.people, self.model.user_id).await;
        ctx.nullable(user)
    }
    async fn group_id(&self) -> Option<ID> {
        self.model.group_id.map(id)
    }
    async fn permission_id(&self) -> Option<ID> {
        self.model.permission_id.map(id)
    }
    /// The session opened, ended or acted in; null in `myAuditEvents` when someone else acted.
    async fn session_id(&self) -> Option<ID> {
        self.model.session_id.map(id)
    }
    /// Where the request came from; null in `myAuditEvents` when someone else acted.
    async fn ip_address(&self) -> Option<&str> {
        self.model.ip_address.as_deref()
    }
    /// The client's user agent; null in `myAuditEvents` when someone else acted.
    async fn user_agent(&self) -> Option<&str> {
        self.model.user_agent.as_deref()
    }
    /// JSON text of what changed, e.g. `{"role":{"from":"USER","to":"ADMIN"}}`; never a secret.
    /// In `auditEvents`, a reader who is neither ADMIN nor holder of `users.view` sees every
    /// email address and username in it as `"[hidden]"`.
    async fn details(&self) -> Option<&str> {
        self.model.details.as_deref()
    }
}

fn id(uuid: Uuid) -> ID {
    ID(uuid.to_string())
}

/// The account `id` names, if the viewer may see it: their own, or anyone's with `users.view`.
async fn visible(ctx: &Context<'_>, people: &People, id: Option<Uuid>) -> Option<User> {
    let id = id?;
    let viewer = ctx.viewer().await.ok()?;
    let allowed = viewer.id() == id || viewer.has_permission("users.view").await.ok()?;
    if !allowed {
        return None;
    }
    people.get(&ctx.state().db, id).await.ok()?.map(User::from)
}

/// `auditEvents`' filter. `since` is inclusive, `until` exclusive.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    pub actor_id: Option<ID>,
    pub user_id: Option<ID>,
    pub actions: Option<Vec<AuditAction>>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl AuditEventFilter {
    fn into_filter(self) -> crate::error::AppResult<Filter> {
        let parse = |field: &str, id: Option<ID>| id.map(|id| input::id(field, &id)).transpose();
        Ok(Filter {
            actor_id: parse("filter.actorId", self.actor_id)?,
            user_id: parse("filter.userId", self.user_id)?,
            actions: self
                .actions
                .map(|actions| actions.into_iter().map(Into::into).collect()),
            since: self.since,
            until: self.until,
        })
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every event, newest first. ADMIN or `audit.view`.
    #[graphql(
        guard = "AdminOr::permission(\"audit.view\")",
        complexity = "limits::page_cost(first, last, child_complexity)"
    )]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<AuditEventFilter>,
    ) -> Result<AuditEventConnection> {
        let filter = filter.unwrap_or_default().into_filter()?;
        let args = page_args(first, after, last, before, None);
        let viewer = ctx.viewer().await?;
        let reader = Reader::of_log(&viewer).await?;
        Ok(audit_connection(&ctx.state().db, filter, &args, reader).await?)
    }

    /// The events on the viewer's own account, newest first. Of an event someone else acted,
    /// who it was and their session, address and user agent are null.
    #[graphql(
        guard = "Authenticated",
        complexity = "limits::page_cost(first, last, child_complexity)"
    )]
    async fn my_audit_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<AuditEventConnection> {
        let viewer = ctx.viewer().await?;
        let filter = Filter {
            user_id: Some(viewer.id()),
            ..Default::default()
        };
        let args = page_args(first, after, last, before, None);
        let reader = Reader::owner(&viewer);
        Ok(audit_connection(&ctx.state().db, filter, &args, reader).await?)
    }
}
