//! The audit log as the schema shows it: `AuditEvent`, `AuditAction`, and `auditEvents`'
//! filter. What of an event each reader is shown is decided before an event gets here
//! (`services::audit::Reader`); whose account an event may name is `users::may_view`'s rule.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::entities::audit_events;
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::EventAccounts;
use crate::graphql::types::User;
use crate::services::admin::users;
use crate::services::audit::{self, Filter};
use crate::services::rules::validation;

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
    SigningKeyAdded,
    SigningKeyActivated,
    SigningKeyRetired,
    SigningKeyRevoked,
    Reauthenticated,
    TotpEnabled,
    TotpRemoved,
    RecoveryCodesGenerated,
    RecoveryCodeUsed,
    MfaReset,
    SecondFactorFailed,
    IdentityLinked,
    IdentityUnlinked,
    PasswordSet,
    IdentityProviderCreated,
    IdentityProviderUpdated,
    IdentityProviderDeleted,
    PasskeyAdded,
    PasskeyRemoved,
    PasskeyRejected,
}

/// One recorded action, sharing with the rest of its page the accounts the page names.
pub struct AuditEvent {
    pub model: audit_events::Model,
    pub people: Arc<EventAccounts>,
}

impl AuditEvent {
    /// The events of one page.
    pub fn list(models: Vec<audit_events::Model>) -> Vec<AuditEvent> {
        let named = models
            .iter()
            .flat_map(|m| [m.actor_id, m.user_id])
            .flatten();
        let people = EventAccounts::new(named);
        models
            .into_iter()
            .map(|model| AuditEvent {
                model,
                people: people.clone(),
            })
            .collect()
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

/// The account `id` names, if the viewer may see it (`users::may_view`).
async fn visible(ctx: &Context<'_>, people: &EventAccounts, id: Option<Uuid>) -> Option<User> {
    let id = id?;
    let viewer = ctx.viewer().await.ok()?;
    if !users::may_view(&viewer, id).await.ok()? {
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
    pub fn into_filter(self) -> crate::error::AppResult<Filter> {
        let parse =
            |field: &str, id: Option<ID>| id.map(|id| validation::id(field, &id)).transpose();
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
