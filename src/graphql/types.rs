//! GraphQL output types, written by hand over the entities so that nothing the schema does not
//! name (a password hash, a token hash) can ever be serialized. Relationships resolve through
//! the request's DataLoader.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::guards::{Admin, AdminOr};
use crate::db::entities::{groups, permissions, sessions, users};
use crate::graphql::loaders::{GroupBatch, Loaders, UserBatch};
use crate::services::{self, pagination::PageArgs};

/// What an account may do beyond its permissions: an ADMIN holds every permission.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Role {
    User,
    Admin,
}

impl From<users::Role> for Role {
    fn from(role: users::Role) -> Self {
        match role {
            users::Role::User => Role::User,
            users::Role::Admin => Role::Admin,
        }
    }
}

impl From<Role> for users::Role {
    fn from(role: Role) -> Self {
        match role {
            Role::User => users::Role::User,
            Role::Admin => users::Role::Admin,
        }
    }
}

/// A user account, and the list it was loaded with (relationships load for the whole list).
#[derive(Clone)]
pub struct User {
    model: users::Model,
    batch: Arc<UserBatch>,
}

impl From<users::Model> for User {
    fn from(model: users::Model) -> Self {
        let batch = UserBatch::new(vec![model.id]);
        Self { model, batch }
    }
}

impl User {
    /// Users of one list, sharing their relationship loads.
    pub fn list(models: Vec<users::Model>) -> Vec<User> {
        let batch = UserBatch::new(models.iter().map(|m| m.id).collect());
        Self::list_in(models, &batch)
    }

    /// Users whose relationships load with `batch` (which holds their ids, and maybe more).
    pub fn list_in(models: Vec<users::Model>, batch: &Arc<UserBatch>) -> Vec<User> {
        models
            .into_iter()
            .map(|model| User {
                model,
                batch: batch.clone(),
            })
            .collect()
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
    #[graphql(guard = "Admin")]
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.model.deleted_at
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
    /// The groups the user belongs to, by name.
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<Group>> {
        let loader = loader(ctx);
        let groups = self
            .batch
            .groups_of(loader, self.model.id)
            .await
            .map_err(unshare)?;
        let batch = self.batch.group_batch(loader).await.map_err(unshare)?;
        Ok(groups
            .into_iter()
            .map(|model| Group {
                model,
                batch: batch.clone(),
            })
            .collect())
    }
    /// Effective permissions: direct plus through groups; an ADMIN holds all of them.
    async fn permissions(&self, ctx: &Context<'_>) -> Result<Vec<Permission>> {
        let loader = loader(ctx);
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
    #[graphql(guard = "Admin")]
    async fn direct_permissions(&self, ctx: &Context<'_>) -> Result<Option<Vec<Permission>>> {
        let direct = self
            .batch
            .direct_of(loader(ctx), self.model.id)
            .await
            .map_err(unshare)?;
        Ok(Some(direct.into_iter().map(Permission).collect()))
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

fn loader<'a>(ctx: &'a Context<'_>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

fn unshare(error: std::sync::Arc<async_graphql::Error>) -> async_graphql::Error {
    (*error).clone()
}

/// A named set of permissions that users join, and the list it was loaded with.
#[derive(Clone)]
pub struct Group {
    model: groups::Model,
    batch: Arc<GroupBatch>,
}

impl From<groups::Model> for Group {
    fn from(model: groups::Model) -> Self {
        let batch = GroupBatch::new(vec![model.id]);
        Self { model, batch }
    }
}

impl Group {
    /// Groups of one list, sharing their relationship loads.
    pub fn list(models: Vec<groups::Model>) -> Vec<Group> {
        let batch = GroupBatch::new(models.iter().map(|m| m.id).collect());
        models
            .into_iter()
            .map(|model| Group {
                model,
                batch: batch.clone(),
            })
            .collect()
    }
}

#[Object]
impl Group {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.model.name
    }
    async fn description(&self) -> Option<&str> {
        self.model.description.as_deref()
    }
    /// What membership grants, by codename.
    async fn permissions(&self, ctx: &Context<'_>) -> Result<Vec<Permission>> {
        let granted = self
            .batch
            .permissions_of(loader(ctx), self.model.id)
            .await
            .map_err(unshare)?;
        Ok(granted.into_iter().map(Permission).collect())
    }
    /// Members that are not deleted.
    async fn member_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let count = self
            .batch
            .member_count_of(loader(ctx), self.model.id)
            .await
            .map_err(unshare)?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
    /// Members that are not deleted, oldest account first. ADMIN or `users.view`.
    #[graphql(guard = "AdminOr::permission(\"users.view\")")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<UserConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            offset,
        };
        UserConnection::members(ctx, &self.batch, self.model.id, &args).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
}

/// Something a guard can require, named by `codename`.
pub struct Permission(pub permissions::Model);

#[Object]
impl Permission {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Stable machine name, such as `users.view`.
    async fn codename(&self) -> &str {
        &self.0.codename
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}

/// One login of the viewer's, on one device.
pub struct Session {
    pub model: sessions::Model,
    pub current: bool,
}

#[Object]
impl Session {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// The last login or refresh.
    async fn last_used_at(&self) -> DateTime<Utc> {
        self.model.last_used_at
    }
    /// When the current refresh token stops working.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.model.expires_at
    }
    async fn user_agent(&self) -> Option<&str> {
        self.model.user_agent.as_deref()
    }
    async fn ip_address(&self) -> Option<&str> {
        self.model.ip_address.as_deref()
    }
    /// The session of the token making this request.
    async fn current(&self) -> bool {
        self.current
    }
}

/// Tokens for a session, and its user.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <accessToken>`.
    pub access_token: String,
    /// Opaque; exchange it with `refreshToken` before the access token expires. Single use.
    pub refresh_token: String,
    /// Access-token lifetime in seconds.
    pub expires_in: i32,
    #[graphql(skip)]
    pub user: users::Model,
}

#[ComplexObject]
impl AuthPayload {
    /// Always "Bearer".
    async fn token_type(&self) -> &'static str {
        "Bearer"
    }
    async fn user(&self) -> User {
        User::from(self.user.clone())
    }
}

impl AuthPayload {
    pub fn new(user: users::Model, tokens: services::sessions::IssuedTokens) -> Self {
        Self {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_in: i32::try_from(tokens.expires_in).unwrap_or(i32::MAX),
            user,
        }
    }
}

/// Relay page information.
#[derive(SimpleObject, Default)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

impl PageInfo {
    pub fn of<M>(page: &services::pagination::Page<M>) -> Self {
        Self {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor: page.rows.first().map(|(cursor, _)| cursor.clone()),
            end_cursor: page.rows.last().map(|(cursor, _)| cursor.clone()),
        }
    }
}

pub use crate::graphql::connections::{GroupConnection, UserConnection};
