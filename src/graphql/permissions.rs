//! Permissions: the list, its administration, and what a user holds directly. All but the
//! list are ADMIN-only.

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::auth::codenames;
use crate::graphql::arguments::ids;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{Admin, AdminOr};
use crate::graphql::limits;
use crate::graphql::types::{Permission, User};
use crate::services::admin::permissions;
use crate::services::rules::validation;

#[derive(InputObject)]
pub struct PermissionInput {
    pub codename: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Default)]
pub struct PermissionsQuery;

#[Object]
impl PermissionsQuery {
    /// Every permission, by codename. ADMIN or `permissions.view`.
    #[graphql(
        guard = "AdminOr::permission(codenames::PERMISSIONS_VIEW)",
        complexity = "limits::list_cost(limits::PERMISSIONS_IN_ALL, child_complexity)"
    )]
    async fn permissions(&self, ctx: &Context<'_>) -> Result<Vec<Permission>> {
        let all = permissions::list(&ctx.state().db).await?;
        Ok(all.into_iter().map(Permission).collect())
    }
}

#[derive(Default)]
pub struct PermissionsMutation;

#[Object]
impl PermissionsMutation {
    /// Replaces the permissions a user holds directly. ADMIN only.
    #[graphql(guard = "Admin")]
    async fn set_user_permissions(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        permission_ids: Vec<ID>,
    ) -> Result<User> {
        let viewer = ctx.viewer().await?;
        let user_id = validation::id("userId", &user_id)?;
        let permission_ids = ids("permissionIds", &permission_ids)?;
        let user =
            permissions::set_for_user(ctx.state(), &viewer, user_id, &permission_ids).await?;
        Ok(User::from(user))
    }

    /// Creates a permission. ADMIN only.
    #[graphql(guard = "Admin")]
    async fn create_permission(
        &self,
        ctx: &Context<'_>,
        input: PermissionInput,
    ) -> Result<Permission> {
        let viewer = ctx.viewer().await?;
        let (codename, name) = (&input.codename, &input.name);
        let permission =
            permissions::create(ctx.state(), &viewer, codename, name, input.description).await?;
        Ok(Permission(permission))
    }

    /// Deletes a permission; users and groups lose it. ADMIN only.
    #[graphql(guard = "Admin")]
    async fn delete_permission(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        let id = validation::id("id", &id)?;
        permissions::delete(ctx.state(), &viewer, id).await?;
        Ok(true)
    }
}
