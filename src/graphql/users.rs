//! Administration of users: the `users` listing and the mutations on other accounts. Guards
//! declare who may call each field (API.md's "ADMIN / permission" notes); the rules on which
//! accounts the caller may change live in `services::admin::users`.

// Connection fields take the five Relay arguments plus their own.
#![allow(clippy::too_many_arguments)]

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};

use crate::auth::codenames;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{Admin, AdminOr};
use crate::graphql::limits;
use crate::graphql::types::{ProfileInput, Role, User, UserConnection, page_args, user_connection};
use crate::services::admin::listing::{self, UserFilter as Filter, UserOrder as Order};
use crate::services::admin::users::{self as user_service, UserChanges};
use crate::services::rules::profile_fields::NewAccount;
use crate::services::rules::validation;

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub password: String,
    #[graphql(flatten)]
    pub profile: ProfileInput,
    // Nullable with defaults, as API.md prints them: null (an omitted variable) means the default.
    #[graphql(default_with = "Some(Role::User)")]
    pub role: Option<Role>,
    #[graphql(default_with = "Some(true)")]
    pub is_active: Option<bool>,
    pub group_ids: Option<Vec<ID>>,
    /// True when you vouch for the address: no verification mail is sent.
    #[graphql(default_with = "Some(false)")]
    pub email_verified: Option<bool>,
}

/// Omitted fields stay as they are; `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateUserInput {
    pub email: Option<String>,
    #[graphql(flatten)]
    pub profile: ProfileInput,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    /// Omitted with a new `email`, the new address is unverified and gets a verification
    /// mail; `false` on a verified address sends one too.
    pub email_verified: Option<bool>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "listing::DeletedFilter")]
pub enum DeletedFilter {
    #[default]
    Exclude,
    Include,
    Only,
}

#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Case-insensitive match on email, username, first and last name.
    pub search: Option<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    pub email_verified: Option<bool>,
    /// Whether the account holds a second factor.
    pub mfa_enabled: Option<bool>,
    pub group_id: Option<ID>,
    #[graphql(default_with = "Some(DeletedFilter::Exclude)")]
    pub deleted: Option<DeletedFilter>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "listing::UserOrderField")]
pub enum UserOrderField {
    CreatedAt,
    Email,
    Username,
    LastLoginAt,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum OrderDirection {
    Asc,
    Desc,
}

#[derive(InputObject)]
pub struct UserOrder {
    pub field: UserOrderField,
    pub direction: OrderDirection,
}

impl UserFilter {
    fn into_filter(self) -> crate::error::AppResult<Filter> {
        let group_id = self
            .group_id
            .as_deref()
            .map(|id| validation::id("filter.groupId", id))
            .transpose()?;
        Ok(Filter {
            search_pattern: validation::search("filter.search", self.search.as_deref())?,
            role: self.role.map(Into::into),
            is_active: self.is_active,
            email_verified: self.email_verified,
            mfa_enabled: self.mfa_enabled,
            group_id,
            deleted: self.deleted.unwrap_or_default().into(),
        })
    }
}

#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// Users, page by page. ADMIN or `users.view`.
    #[graphql(
        guard = "AdminOr::permission(codenames::USERS_VIEW)",
        complexity = "limits::page_cost(first, last, child_complexity)"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
        filter: Option<UserFilter>,
        order_by: Option<UserOrder>,
    ) -> Result<UserConnection> {
        let filter = filter.unwrap_or_default().into_filter()?;
        let order = order_by.map_or_else(Order::default, |order| Order {
            field: order.field.into(),
            descending: order.direction == OrderDirection::Desc,
        });
        let args = page_args(first, after, last, before, offset);
        Ok(user_connection(&ctx.state().db, filter, order, &args).await?)
    }
}

#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    /// Creates an account. ADMIN or `users.create`; only an ADMIN may create an ADMIN, and
    /// `groupIds` may grant only what the caller holds.
    #[graphql(guard = "AdminOr::permission(codenames::USERS_CREATE)")]
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let viewer = ctx.viewer().await?;
        let group_ids: Vec<String> = input
            .group_ids
            .unwrap_or_default()
            .into_iter()
            .map(|id| id.0)
            .collect();
        let account = NewAccount {
            profile: input.profile.changes(Some(input.email)),
            password: input.password,
            password_confirmation: None,
            role: input.role.unwrap_or(Role::User).into(),
            is_active: input.is_active.unwrap_or(true),
            email_verified: input.email_verified.unwrap_or(false),
        };
        let user = user_service::create(ctx.state(), &viewer, account, &group_ids).await?;
        Ok(User::from(user))
    }

    /// Edits an account. ADMIN or `users.update`; a role change needs ADMIN. A non-ADMIN may
    /// change another account's `email` or `emailVerified` only when that account holds no
    /// permission the caller lacks, and only an ADMIN may set `emailVerified: true`. One's own
    /// email changes through `updateProfile` (with the current password).
    #[graphql(guard = "AdminOr::permission(codenames::USERS_UPDATE)")]
    async fn update_user(&self, ctx: &Context<'_>, id: ID, input: UpdateUserInput) -> Result<User> {
        let changes = UserChanges {
            profile: input.profile.changes(input.email),
            role: input.role.map(Into::into),
            is_active: input.is_active,
            email_verified: input.email_verified,
            owner_proved: false,
        };
        update(ctx, &id, changes).await
    }

    /// Sets a user's role. ADMIN only.
    #[graphql(guard = "Admin")]
    async fn set_user_role(&self, ctx: &Context<'_>, id: ID, role: Role) -> Result<User> {
        let changes = UserChanges {
            role: Some(role.into()),
            ..Default::default()
        };
        update(ctx, &id, changes).await
    }

    /// Activates or deactivates a user; deactivation ends their sessions at once. ADMIN or
    /// `users.update`.
    #[graphql(guard = "AdminOr::permission(codenames::USERS_UPDATE)")]
    async fn set_user_active(&self, ctx: &Context<'_>, id: ID, active: bool) -> Result<User> {
        let changes = UserChanges {
            is_active: Some(active),
            ..Default::default()
        };
        update(ctx, &id, changes).await
    }

    /// Soft-deletes a user (sessions end, email stays reserved), or removes the row with
    /// `permanent: true`. ADMIN or `users.delete`.
    #[graphql(guard = "AdminOr::permission(codenames::USERS_DELETE)")]
    async fn delete_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default_with = "Some(false)")] permanent: Option<bool>,
    ) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        let id = validation::id("id", &id)?;
        let permanent = permanent.unwrap_or(false);
        user_service::delete(ctx.state(), &viewer, id, permanent).await?;
        Ok(true)
    }

    /// Forgets the account's failed logins, ending a lockout by the login throttle: its
    /// hourly ceiling and every address's backoff. `false` when there was nothing to forget.
    /// ADMIN.
    #[graphql(guard = "Admin")]
    async fn clear_login_throttle(&self, ctx: &Context<'_>, user_id: ID) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        let id = validation::id("userId", &user_id)?;
        Ok(user_service::clear_login_throttle(ctx.state(), &viewer, id).await?)
    }

    /// Undoes a soft delete. ADMIN or `users.delete`.
    #[graphql(guard = "AdminOr::permission(codenames::USERS_DELETE)")]
    async fn restore_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let viewer = ctx.viewer().await?;
        let id = validation::id("id", &id)?;
        Ok(User::from(
            user_service::restore(ctx.state(), &viewer, id).await?,
        ))
    }
}

/// The three ways to edit an account share one service.
async fn update(ctx: &Context<'_>, id: &ID, changes: UserChanges) -> Result<User> {
    let viewer = ctx.viewer().await?;
    let id = validation::id("id", id)?;
    Ok(User::from(
        user_service::update(ctx.state(), &viewer, id, changes).await?,
    ))
}
