//! Administration: users, groups and permissions. Guards on each field declare who may call it
//! (API.md's "ADMIN / permission" notes); row-level rules live in the services.

// Connection fields take the five Relay arguments plus their own.
#![allow(clippy::too_many_arguments)]

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};

use crate::auth::guards::{Admin, AdminOr};
use crate::auth::viewer::{ContextExt, Viewer};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::graphql::account::change;
use crate::graphql::types::{Group, GroupConnection, Permission, Role, User, UserConnection};
use crate::services::groups::{Grantor, GroupInput as GroupChanges};
use crate::services::pagination::PageArgs;
use crate::services::users::{
    self as user_service, NewAccount, ProfileChanges, UserFilter as Filter, UserOrder as Order,
};
use crate::services::{self, input};
use crate::state::AppState;

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub password: String,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub address: Option<String>,
    pub company: Option<String>,
    pub designation: Option<String>,
    // Nullable with defaults, as API.md prints them: null (an omitted variable) means the default.
    #[graphql(default_with = "Some(Role::User)")]
    pub role: Option<Role>,
    #[graphql(default_with = "Some(true)")]
    pub is_active: Option<bool>,
    pub group_ids: Option<Vec<ID>>,
}

/// Omitted fields stay as they are; `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateUserInput {
    pub email: Option<String>,
    pub username: MaybeUndefined<String>,
    pub first_name: MaybeUndefined<String>,
    pub last_name: MaybeUndefined<String>,
    pub phone_number: MaybeUndefined<String>,
    pub address: MaybeUndefined<String>,
    pub company: MaybeUndefined<String>,
    pub designation: MaybeUndefined<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
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
    pub group_id: Option<ID>,
    #[graphql(default_with = "Some(DeletedFilter::Exclude)")]
    pub deleted: Option<DeletedFilter>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
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

#[derive(InputObject)]
pub struct GroupInput {
    pub name: String,
    pub description: Option<String>,
    pub permission_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct PermissionInput {
    pub codename: String,
    pub name: String,
    pub description: Option<String>,
}

fn ids(field: &str, values: &[ID]) -> AppResult<Vec<uuid::Uuid>> {
    let mut errors = FieldErrors::default();
    let strings: Vec<String> = values.iter().map(|id| id.to_string()).collect();
    let parsed = input::ids(&mut errors, field, &strings);
    errors.into_result()?;
    Ok(parsed)
}

/// How much `viewer` may grant.
async fn grantor(state: &AppState, viewer: &Viewer) -> AppResult<Grantor> {
    Ok(if viewer.is_admin() {
        Grantor::Admin
    } else {
        Grantor::Holding(viewer.permission_codenames(state).await?)
    })
}

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// Users, page by page. ADMIN or `users.view`.
    #[graphql(guard = "AdminOr::permission(\"users.view\")")]
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
        let filter = filter.unwrap_or_default();
        let group_id = filter
            .group_id
            .as_deref()
            .map(|id| input::id("filter.groupId", id))
            .transpose()?;
        let filter = Filter {
            search_pattern: input::search("filter.search", filter.search.as_deref())?,
            role: filter.role.map(Into::into),
            is_active: filter.is_active,
            group_id,
            deleted: match filter.deleted.unwrap_or_default() {
                DeletedFilter::Exclude => user_service::DeletedFilter::Exclude,
                DeletedFilter::Include => user_service::DeletedFilter::Include,
                DeletedFilter::Only => user_service::DeletedFilter::Only,
            },
        };
        let order = order_by.map(|order| Order {
            field: match order.field {
                UserOrderField::CreatedAt => user_service::UserOrderField::CreatedAt,
                UserOrderField::Email => user_service::UserOrderField::Email,
                UserOrderField::Username => user_service::UserOrderField::Username,
                UserOrderField::LastLoginAt => user_service::UserOrderField::LastLoginAt,
            },
            descending: order.direction == OrderDirection::Desc,
        });
        let args = PageArgs {
            first,
            after,
            last,
            before,
            offset,
        };
        Ok(UserConnection::load(ctx.state(), &filter, order, &args).await?)
    }

    /// A group by id; null when none. ADMIN or `groups.view`.
    #[graphql(guard = "AdminOr::permission(\"groups.view\")")]
    async fn group(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Group>> {
        let id = input::id("id", &id)?;
        Ok(services::groups::find(&ctx.state().db, id)
            .await?
            .map(Group::from))
    }

    /// Groups by name, page by page. ADMIN or `groups.view`.
    #[graphql(guard = "AdminOr::permission(\"groups.view\")")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
        search: Option<String>,
    ) -> Result<GroupConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            offset,
        };
        let search_pattern = input::search("search", search.as_deref())?;
        Ok(GroupConnection::load(ctx, search_pattern, &args).await?)
    }

    /// Every permission, by codename. ADMIN or `permissions.view`.
    #[graphql(guard = "AdminOr::permission(\"permissions.view\")")]
    async fn permissions(&self, ctx: &Context<'_>) -> Result<Vec<Permission>> {
        Ok(services::permissions::list(&ctx.state().db)
            .await?
            .into_iter()
            .map(Permission)
            .collect())
    }
}

#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Creates an account. ADMIN or `users.create`; only an ADMIN may create an ADMIN, and
    /// `groupIds` may grant only what the caller holds.
    #[graphql(guard = "AdminOr::permission(\"users.create\")")]
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let state = ctx.state();
        let viewer = ctx.viewer().await?;
        if input.role == Some(Role::Admin) && !viewer.is_admin() {
            return Err(AppError::Forbidden("only an ADMIN may create an ADMIN").into());
        }
        let group_ids = ids("groupIds", input.group_ids.as_deref().unwrap_or_default())?;
        let account = NewAccount {
            profile: ProfileChanges {
                email: Some(input.email),
                username: Some(input.username),
                first_name: Some(input.first_name),
                last_name: Some(input.last_name),
                phone_number: Some(input.phone_number),
                address: Some(input.address),
                company: Some(input.company),
                designation: Some(input.designation),
            },
            password: input.password,
            password_confirmation: None,
            role: input.role.unwrap_or(Role::User).into(),
            is_active: input.is_active.unwrap_or(true),
        };
        let grantor = grantor(state, &viewer).await?;
        Ok(User::from(
            user_service::create_with_groups(state, account, &grantor, &group_ids).await?,
        ))
    }

    /// Edits an account. ADMIN or `users.update`; a role change needs ADMIN.
    #[graphql(guard = "AdminOr::permission(\"users.update\")")]
    async fn update_user(&self, ctx: &Context<'_>, id: ID, input: UpdateUserInput) -> Result<User> {
        let state = ctx.state();
        let viewer = ctx.viewer().await?;
        let id = input::id("id", &id)?;
        // A form that sends the role back unchanged (USER: a non-ADMIN cannot edit an ADMIN)
        // is fine; anything else is a role change.
        if input.role.is_some_and(|role| role != Role::User) && !viewer.is_admin() {
            return Err(AppError::Forbidden("only an ADMIN may change roles").into());
        }
        let role = input.role.filter(|_| viewer.is_admin());
        let changes = ProfileChanges {
            email: input.email,
            username: change(input.username),
            first_name: change(input.first_name),
            last_name: change(input.last_name),
            phone_number: change(input.phone_number),
            address: change(input.address),
            company: change(input.company),
            designation: change(input.designation),
        };
        let user = user_service::update_fields(
            state,
            id,
            changes,
            role.map(Into::into),
            input.is_active,
            !viewer.is_admin(),
        )
        .await?;
        Ok(User::from(user))
    }

    /// Sets a user's role. ADMIN only.
    #[graphql(guard = "Admin")]
    async fn set_user_role(&self, ctx: &Context<'_>, id: ID, role: Role) -> Result<User> {
        let id = input::id("id", &id)?;
        let user = user_service::update_fields(
            ctx.state(),
            id,
            ProfileChanges::default(),
            Some(role.into()),
            None,
            false,
        )
        .await?;
        Ok(User::from(user))
    }

    /// Activates or deactivates a user; deactivation ends their sessions at once. ADMIN or
    /// `users.update`.
    #[graphql(guard = "AdminOr::permission(\"users.update\")")]
    async fn set_user_active(&self, ctx: &Context<'_>, id: ID, active: bool) -> Result<User> {
        let state = ctx.state();
        let viewer = ctx.viewer().await?;
        let id = input::id("id", &id)?;
        Ok(User::from(
            user_service::update_fields(
                state,
                id,
                ProfileChanges::default(),
                None,
                Some(active),
                !viewer.is_admin(),
            )
            .await?,
        ))
    }

    /// Soft-deletes a user (sessions end, email stays reserved), or removes the row with
    /// `permanent: true`. ADMIN or `users.delete`.
    #[graphql(guard = "AdminOr::permission(\"users.delete\")")]
    async fn delete_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default_with = "Some(false)")] permanent: Option<bool>,
    ) -> Result<bool> {
        let permanent = permanent.unwrap_or(false);
        let state = ctx.state();
        let viewer = ctx.viewer().await?;
        let id = input::id("id", &id)?;
        if permanent {
            user_service::delete_permanently(state, id, !viewer.is_admin()).await?;
        } else {
            user_service::soft_delete(state, id, !viewer.is_admin()).await?;
        }
        Ok(true)
    }

    /// Undoes a soft delete. ADMIN or `users.delete`.
    #[graphql(guard = "AdminOr::permission(\"users.delete\")")]
    async fn restore_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let state = ctx.state();
        let viewer = ctx.viewer().await?;
        let id = input::id("id", &id)?;
        Ok(User::from(
            user_service::restore(state, id, !viewer.is_admin()).await?,
        ))
    }

    /// Replaces a user's groups. ADMIN or `groups.manage`.
    #[graphql(guard = "AdminOr::permission(\"groups.manage\")")]
    async fn set_user_groups(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        group_ids: Vec<ID>,
    ) -> Result<User> {
        let state = ctx.state();
        let viewer = ctx.viewer().await?;
        let user_id = input::id("userId", &user_id)?;
        let group_ids = ids("groupIds", &group_ids)?;
        services::groups::set_user_groups(
            state,
            &grantor(state, &viewer).await?,
            user_id,
            &group_ids,
        )
        .await?;
        Ok(User::from(user_service::get(&state.db, user_id).await?))
    }

    /// Adds a user to a group. ADMIN or `groups.manage`.
    #[graphql(guard = "AdminOr::permission(\"groups.manage\")")]
    async fn add_user_to_group(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        group_id: ID,
    ) -> Result<User> {
        let state = ctx.state();
        let viewer = ctx.viewer().await?;
        let user_id = input::id("userId", &user_id)?;
        let group_id = input::id("groupId", &group_id)?;
        services::groups::add_member(state, &grantor(state, &viewer).await?, user_id, group_id)
            .await?;
        Ok(User::from(user_service::get(&state.db, user_id).await?))
    }

    /// Removes a user from a group. ADMIN or `groups.manage`.
    #[graphql(guard = "AdminOr::permission(\"groups.manage\")")]
    async fn remove_user_from_group(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        group_id: ID,
    ) -> Result<User> {
        let state = ctx.state();
        let user_id = input::id("userId", &user_id)?;
        let group_id = input::id("groupId", &group_id)?;
        services::groups::remove_member(state, user_id, group_id).await?;
        Ok(User::from(user_service::get(&state.db, user_id).await?))
    }

    /// Replaces the permissions a user holds directly. ADMIN only.
    #[graphql(guard = "Admin")]
    async fn set_user_permissions(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        permission_ids: Vec<ID>,
    ) -> Result<User> {
        let state = ctx.state();
        let user_id = input::id("userId", &user_id)?;
        let permission_ids = ids("permissionIds", &permission_ids)?;
        let txn = crate::db::begin_write(&state.db)
            .await
            .map_err(AppError::from)?;
        let user = user_service::get_locked(&txn, user_id).await?;
        services::permissions::set_for_user(&txn, user_id, &permission_ids).await?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(User::from(user))
    }

    /// Creates a group. ADMIN or `groups.manage` (granting only what the caller holds).
    #[graphql(guard = "AdminOr::permission(\"groups.manage\")")]
    async fn create_group(&self, ctx: &Context<'_>, input: GroupInput) -> Result<Group> {
        let state = ctx.state();
        let viewer = ctx.viewer().await?;
        let changes = group_changes(input);
        Ok(Group::from(
            services::groups::create(state, &grantor(state, &viewer).await?, changes).await?,
        ))
    }

    /// Edits a group; `permissionIds`, when given, replaces its permissions. ADMIN or
    /// `groups.manage` (granting only what the caller holds).
    #[graphql(guard = "AdminOr::permission(\"groups.manage\")")]
    async fn update_group(&self, ctx: &Context<'_>, id: ID, input: GroupInput) -> Result<Group> {
        let state = ctx.state();
        let viewer = ctx.viewer().await?;
        let id = input::id("id", &id)?;
        let changes = group_changes(input);
        Ok(Group::from(
            services::groups::update(state, &grantor(state, &viewer).await?, id, changes).await?,
        ))
    }

    /// Deletes a group; memberships and grants go with it. ADMIN or `groups.manage`.
    #[graphql(guard = "AdminOr::permission(\"groups.manage\")")]
    async fn delete_group(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = input::id("id", &id)?;
        services::groups::delete(ctx.state(), id).await?;
        Ok(true)
    }

    /// Replaces a group's permissions. ADMIN only.
    #[graphql(guard = "Admin")]
    async fn set_group_permissions(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        permission_ids: Vec<ID>,
    ) -> Result<Group> {
        let group_id = input::id("groupId", &group_id)?;
        let permission_ids = ids("permissionIds", &permission_ids)?;
        Ok(Group::from(
            services::groups::set_permissions(ctx.state(), group_id, &permission_ids).await?,
        ))
    }

    /// Creates a permission. ADMIN only.
    #[graphql(guard = "Admin")]
    async fn create_permission(
        &self,
        ctx: &Context<'_>,
        input: PermissionInput,
    ) -> Result<Permission> {
        let permission = services::permissions::create(
            &ctx.state().db,
            &input.codename,
            &input.name,
            input.description,
        )
        .await?;
        Ok(Permission(permission))
    }

    /// Deletes a permission; users and groups lose it. ADMIN only.
    #[graphql(guard = "Admin")]
    async fn delete_permission(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = input::id("id", &id)?;
        services::permissions::delete(&ctx.state().db, id).await?;
        Ok(true)
    }
}

fn group_changes(input: GroupInput) -> GroupChanges {
    GroupChanges {
        name: input.name,
        description: input.description,
        permission_ids: input
            .permission_ids
            .map(|ids| ids.into_iter().map(|id| id.to_string()).collect()),
    }
}
