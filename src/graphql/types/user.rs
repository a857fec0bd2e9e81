//! `User` and `Role`. A `User` carries the list it was loaded with (its relationships load
//! for the whole list at once) and whose eyes it is shown to (`ViewedBy`).

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::auth::viewer::Viewer;
use crate::db::entities::users;
use crate::error::{AppError, AppResult};
use crate::graphql::context::{ContextExt, ViewedBy};
use crate::graphql::guards::{Admin, Rule};
use crate::graphql::limits;
use crate::graphql::loaders::{SharedError, UserBatch};
use crate::graphql::types::reused::Reused;
use crate::graphql::types::{Group, LinkedIdentity, Passkey, Permission, TotpFactor};
use crate::services::identity::links;
use crate::services::mfa::{factors, recovery_codes};
use crate::services::passkeys::store as passkey_store;

/// What an account may do beyond its permissions: an ADMIN holds every permission.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "users::Role")]
pub enum Role {
    User,
    Admin,
}

/// A user account.
#[derive(Clone)]
pub struct User {
    model: users::Model,
    batch: Arc<UserBatch>,
    viewed_by: ViewedBy,
}

impl From<users::Model> for User {
    fn from(model: users::Model) -> Self {
        let batch = UserBatch::new(vec![model.id]);
        Self {
            model,
            batch,
            viewed_by: ViewedBy::Request,
        }
    }
}

impl User {
    /// The user of a session the request just opened, shown to that session's user.
    pub fn of_new_session(model: users::Model, viewer: Arc<Viewer>) -> Self {
        Self {
            viewed_by: ViewedBy::Session(viewer),
            ..Self::from(model)
        }
    }

    /// Users whose relationships load with `batch` (which holds their ids, and maybe more).
    pub fn list_in(
        models: Vec<users::Model>,
        batch: &Arc<UserBatch>,
        viewed_by: &ViewedBy,
    ) -> Vec<User> {
        models
            .into_iter()
            .map(|model| User {
                model,
                batch: batch.clone(),
                viewed_by: viewed_by.clone(),
            })
            .collect()
    }

    /// Users of one list, sharing their relationship loads.
    pub fn list(models: Vec<users::Model>, viewed_by: &ViewedBy) -> Vec<User> {
        let batch = UserBatch::new(models.iter().map(|m| m.id).collect());
        Self::list_in(models, &batch, viewed_by)
    }

    /// `FORBIDDEN` unless the user is shown to an ADMIN.
    async fn shown_to_admin(&self, ctx: &Context<'_>) -> AppResult<()> {
        Admin.allows(&*self.viewed_by.viewer(ctx).await?).await
    }

    /// `FORBIDDEN` unless the user is shown to themselves or to an ADMIN.
    async fn owner_or_admin(&self, ctx: &Context<'_>) -> AppResult<()> {
        let viewer = self.viewed_by.viewer(ctx).await?;
        if viewer.id() == self.model.id {
            return Ok(());
        }
        Admin.allows(&viewer).await
    }
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// Lower-cased; unique.
    async fn email(&self) -> &str {
        &self.model.email
    }
    /// Whether the owner proved the address (a verification or reset link), or an
    /// administrator vouched for it. Changing the email clears it.
    async fn email_verified(&self) -> bool {
        self.model.email_verified
    }
    /// Unique regardless of case; letters, digits, `.`, `-` and `_`.
    async fn username(&self) -> Option<&str> {
        self.model.username.as_deref()
    }
    async fn first_name(&self) -> Option<&str> {
        self.model.first_name.as_deref()
    }
    async fn last_name(&self) -> Option<&str> {
        self.model.last_name.as_deref()
    }
    /// "first last", falling back to the username, then the email.
    async fn full_name(&self) -> String {
        full_name(&self.model)
    }
    async fn phone_number(&self) -> Option<&str> {
        self.model.phone_number.as_deref()
    }
    async fn address(&self) -> Option<&str> {
        self.model.address.as_deref()
    }
    async fn company(&self) -> Option<&str> {
        self.model.company.as_deref()
    }
    async fn designation(&self) -> Option<&str> {
        self.model.designation.as_deref()
    }
    async fn role(&self) -> Role {
        self.model.role.into()
    }
    async fn is_admin(&self) -> bool {
        self.model.role == users::Role::Admin
    }
    /// False when an administrator deactivated the account.
    async fn is_active(&self) -> bool {
        self.model.is_active
    }
    /// Soft-deleted, by the user or an administrator.
    async fn is_deleted(&self) -> bool {
        self.model.deleted_at.is_some()
    }
    /// When the account was soft-deleted. ADMIN only.
    async fn deleted_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        let allowed = self.shown_to_admin(ctx).await;
        ctx.or_null(allowed.map(|()| self.model.deleted_at))
    }
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.model.last_login_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
    /// Whether the account has a password: false for an account made by a provider sign-in
    /// until it sets one (`setPassword`).
    async fn has_password(&self) -> bool {
        self.model.password_hash.is_some()
    }
    /// The identities at providers linked to the account, oldest first. Yourself or an ADMIN
    /// (others: null and `FORBIDDEN`).
    #[graphql(complexity = "limits::list_cost(limits::IDENTITIES_PER_USER, child_complexity)")]
    async fn identities(&self, ctx: &Context<'_>) -> Option<Vec<LinkedIdentity>> {
        let found = async {
            self.owner_or_admin(ctx).await?;
            let linked = links::of_user(&ctx.state().db, self.model.id).await?;
            AppResult::Ok(Some(
                linked
                    .into_iter()
                    .map(|(identity, provider)| LinkedIdentity::new(identity, &provider))
                    .collect(),
            ))
        };
        ctx.or_null(found.await)
    }
    /// Whether the account holds a second factor (an authenticator app or a passkey).
    async fn mfa_enabled(&self) -> bool {
        self.model.mfa_enabled
    }
    /// The account's passkeys, oldest first. Yourself or an ADMIN (others: null and
    /// `FORBIDDEN`).
    #[graphql(complexity = "limits::list_cost(limits::PASSKEYS_PER_USER, child_complexity)")]
    async fn passkeys(&self, ctx: &Context<'_>) -> Option<Vec<Passkey>> {
        let found = async {
            self.owner_or_admin(ctx).await?;
            let list = passkey_store::list(&ctx.state().db, self.model.id).await?;
            AppResult::Ok(Some(list.into_iter().map(Passkey::from).collect()))
        };
        ctx.or_null(found.await)
    }
    /// The account's authenticator apps, oldest first. Yourself or an ADMIN (others: null and
    /// `FORBIDDEN`).
    #[graphql(complexity = "limits::list_cost(limits::TOTP_FACTORS_PER_USER, child_complexity)")]
    async fn totp_factors(&self, ctx: &Context<'_>) -> Option<Vec<TotpFactor>> {
        let found = async {
            self.owner_or_admin(ctx).await?;
            let list = factors::list(&ctx.state().db, self.model.id).await?;
            AppResult::Ok(Some(list.into_iter().map(TotpFactor::from).collect()))
        };
        ctx.or_null(found.await)
    }
    /// Recovery codes not used yet (null without a set). Yourself only (others: null and
    /// `FORBIDDEN`).
    async fn recovery_codes_remaining(&self, ctx: &Context<'_>) -> Option<i32> {
        let found = async {
            let viewer = self.viewed_by.viewer(ctx).await?;
            if viewer.id() != self.model.id {
                return Err(AppError::Forbidden(
                    "only the account's owner sees its recovery codes",
                ));
            }
            let remaining = recovery_codes::remaining(&ctx.state().db, self.model.id).await?;
            AppResult::Ok(remaining.map(|n| n as i32))
        };
        ctx.or_null(found.await)
    }
    /// The groups the user belongs to, by name.
    #[graphql(complexity = "limits::list_cost(limits::GROUPS_PER_USER, child_complexity)")]
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<Reused<Group>>> {
        let loader = ctx.loader();
        let groups = self
            .batch
            .groups_of(loader, self.model.id)
            .await
            .map_err(unshare)?;
        let batch = self.batch.group_batch(loader).await.map_err(unshare)?;
        let shared = self.batch.is_shared();
        Ok(Group::list_in(groups, &batch, &self.viewed_by)
            .into_iter()
            .map(|group| {
                let id = group.group_id();
                if shared {
                    Reused::new(group, id, &self.viewed_by)
                } else {
                    Reused::once(group)
                }
            })
            .collect())
    }
    /// Effective permissions: direct plus through groups; an ADMIN holds all of them.
    #[graphql(complexity = "limits::list_cost(limits::PERMISSIONS_PER_HOLDER, child_complexity)")]
    async fn permissions(&self, ctx: &Context<'_>) -> Result<Vec<Permission>> {
        let loader = ctx.loader();
        if self.model.role == users::Role::Admin {
            let all = self.batch.all_permissions(loader).await.map_err(unshare)?;
            return Ok(all.into_iter().map(Permission).collect());
        }
        let (direct, groups, group_batch) = tokio::join!(
            self.batch.direct_of(loader, self.model.id),
            self.batch.groups_of(loader, self.model.id),
            self.batch.group_batch(loader),
        );
        let mut permissions = direct.map_err(unshare)?;
        let group_batch = group_batch.map_err(unshare)?;
        for group in groups.map_err(unshare)? {
            permissions.extend(
                group_batch
                    .permissions_of(loader, group.id)
                    .await
                    .map_err(unshare)?,
            );
        }
        permissions.sort_by(|a, b| a.codename.cmp(&b.codename));
        permissions.dedup_by(|a, b| a.id == b.id);
        Ok(permissions.into_iter().map(Permission).collect())
    }
    /// Permissions held directly, not through groups. ADMIN only.
    #[graphql(complexity = "limits::list_cost(limits::PERMISSIONS_PER_HOLDER, child_complexity)")]
    async fn direct_permissions(&self, ctx: &Context<'_>) -> Option<Vec<Permission>> {
        if let Err(forbidden) = self.shown_to_admin(ctx).await {
            return ctx.or_null(Err(forbidden));
        }
        let direct = self.batch.direct_of(ctx.loader(), self.model.id).await;
        ctx.or_null(
            direct
                .map(|list| Some(list.into_iter().map(Permission).collect()))
                .map_err(unshare),
        )
    }
}

/// "first last", falling back to the username, then the email.
pub fn full_name(user: &users::Model) -> String {
    let name = [&user.first_name, &user.last_name]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !name.is_empty() {
        name
    } else {
        user.username.clone().unwrap_or_else(|| user.email.clone())
    }
}

/// A batch load's error for one of the resolvers that awaited it.
pub fn unshare(error: SharedError) -> async_graphql::Error {
    (*error).clone()
}
