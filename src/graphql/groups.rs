//! Groups and membership: `group`, `groups`, the group mutations and who belongs where.
//! Guards declare who may call each field; what a caller may grant is `services::rules::grants`'.

// Connection fields take the five Relay arguments plus their own.
#![allow(clippy::too_many_arguments)]

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::auth::codenames;
use crate::graphql::arguments::ids;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{Admin, AdminOr, Rule};
use crate::graphql::limits;
use crate::graphql::types::{Group, GroupConnection, User, group_connection, page_args};
use crate::services::admin::groups::{self as group_service, GroupInput as GroupChanges};
use crate::services::admin::membership;
use crate::services::rows::lookup;
use crate::services::rules::validation;

#[derive(InputObject)]
pub struct GroupInput {
    pub name: String,
    pub description: Option<String>,
    pub permission_ids: Option<Vec<ID>>,
}

impl From<GroupInput> for GroupChanges {
    fn from(input: GroupInput) -> Self {
        GroupChanges {
            name: input.name,
            description: input.description,
            permission_ids: input
                .permission_ids
                .map(|ids| ids.into_iter().map(|id| id.to_string()).collect()),
        }
    }
}

#[derive(Default)]
pub struct GroupsQuery;

#[Object]
impl GroupsQuery {
    /// A group by id; null when none. ADMIN or `groups.view`.
    async fn group(&self, ctx: &Context<'_>, id: ID) -> Option<Group> {
        let found = async {
            let viewer = ctx.viewer().await?;
            AdminOr::permission(codenames::GROUPS_VIEW)
                .allows(&viewer)
                .await?;
            group_service::find(&ctx.state().db, validation::id("id", &id)?).await
        };
        ctx.or_null(found.await.map(|group| group.map(Group::from)))
    }

    /// Groups by name, page by page. ADMIN or `groups.view`.
    #[graphql(
        guard = "AdminOr::permission(codenames::GROUPS_VIEW)",
        complexity = "limits::page_cost(first, last, child_complexity)"
    )]
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
        let search_pattern = validation::search("search", search.as_deref())?;
        let args = page_args(first, after, last, before, offset);
        Ok(group_connection(&ctx.state().db, search_pattern, &args).await?)
    }
}

/// What `change_membership` does.
enum Change {
    Add,
    Remove,
}

/// Adds user `user_id` to group `group_id`, or takes them out of it, and answers the user.
async fn change_membership(
    ctx: &Context<'_>,
    user_id: &ID,
    group_id: &ID,
    change: Change,
) -> Result<User> {
    let viewer = ctx.viewer().await?;
    let user_id = validation::id("userId", user_id)?;
    let group_id = validation::id("groupId", group_id)?;
    match change {
        Change::Add => membership::add(ctx.state(), &viewer, user_id, group_id).await?,
        Change::Remove => membership::remove(ctx.state(), &viewer, user_id, group_id).await?,
    }
    member(ctx, user_id).await
}

#[derive(Default)]
pub struct GroupsMutation;

#[Object]
impl GroupsMutation {
    /// Replaces a user's groups. ADMIN or `groups.manage`.
    #[graphql(guard = "AdminOr::permission(codenames::GROUPS_MANAGE)")]
    async fn set_user_groups(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        group_ids: Vec<ID>,
    ) -> Result<User> {
        let viewer = ctx.viewer().await?;
        let user_id = validation::id("userId", &user_id)?;
        let group_ids = ids("groupIds", &group_ids)?;
        membership::set_groups(ctx.state(), &viewer, user_id, &group_ids).await?;
        member(ctx, user_id).await
    }

    /// Adds a user to a group. ADMIN or `groups.manage`.
    #[graphql(guard = "AdminOr::permission(codenames::GROUPS_MANAGE)")]
    async fn add_user_to_group(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        group_id: ID,
    ) -> Result<User> {
        change_membership(ctx, &user_id, &group_id, Change::Add).await
    }

    /// Removes a user from a group. ADMIN or `groups.manage`.
    #[graphql(guard = "AdminOr::permission(codenames::GROUPS_MANAGE)")]
    async fn remove_user_from_group(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        group_id: ID,
    ) -> Result<User> {
        change_membership(ctx, &user_id, &group_id, Change::Remove).await
    }

    /// Creates a group. ADMIN or `groups.manage` (granting only what the caller holds).
    #[graphql(guard = "AdminOr::permission(codenames::GROUPS_MANAGE)")]
    async fn create_group(&self, ctx: &Context<'_>, input: GroupInput) -> Result<Group> {
        let viewer = ctx.viewer().await?;
        let group = group_service::create(ctx.state(), &viewer, input.into()).await?;
        Ok(Group::from(group))
    }

    /// Edits a group; `permissionIds`, when given, replaces its permissions. ADMIN or
    /// `groups.manage` (granting only what the caller holds).
    #[graphql(guard = "AdminOr::permission(codenames::GROUPS_MANAGE)")]
    async fn update_group(&self, ctx: &Context<'_>, id: ID, input: GroupInput) -> Result<Group> {
        let viewer = ctx.viewer().await?;
        let id = validation::id("id", &id)?;
        let group = group_service::update(ctx.state(), &viewer, id, input.into()).await?;
        Ok(Group::from(group))
    }

    /// Deletes a group; memberships and grants go with it. ADMIN or `groups.manage`.
    #[graphql(guard = "AdminOr::permission(codenames::GROUPS_MANAGE)")]
    async fn delete_group(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        let id = validation::id("id", &id)?;
        group_service::delete(ctx.state(), &viewer, id).await?;
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
        let viewer = ctx.viewer().await?;
        let group_id = validation::id("groupId", &group_id)?;
        let permission_ids = ids("permissionIds", &permission_ids)?;
        let group =
            group_service::set_permissions(ctx.state(), &viewer, group_id, &permission_ids).await?;
        Ok(Group::from(group))
    }
}

/// The user a membership change named, as it is now.
async fn member(ctx: &Context<'_>, user_id: uuid::Uuid) -> Result<User> {
    Ok(User::from(
        lookup::existing_user(&ctx.state().db, user_id).await?,
    ))
}
