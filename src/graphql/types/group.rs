//! `Group` and `Permission`. A `Group` carries the list it was loaded with and whose eyes it
//! is shown to, like `User`.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::auth::codenames;
use crate::db::entities::{groups, permissions};
use crate::graphql::context::{ContextExt, ViewedBy};
use crate::graphql::guards::{AdminOr, Rule};
use crate::graphql::limits;
use crate::graphql::loaders::GroupBatch;
use crate::graphql::types::connection::{UserConnection, members_connection, page_args};
use crate::graphql::types::user::unshare;

/// A named set of permissions that users join.
#[derive(Clone)]
pub struct Group {
    model: groups::Model,
    batch: Arc<GroupBatch>,
    viewed_by: ViewedBy,
}

impl From<groups::Model> for Group {
    fn from(model: groups::Model) -> Self {
        let batch = GroupBatch::new(vec![model.id]);
        Self {
            model,
            batch,
            viewed_by: ViewedBy::Request,
        }
    }
}

impl Group {
    /// Groups whose relationships load with `batch`.
    pub fn list_in(
        models: Vec<groups::Model>,
        batch: &Arc<GroupBatch>,
        viewed_by: &ViewedBy,
    ) -> Vec<Group> {
        models
            .into_iter()
            .map(|model| Group {
                model,
                batch: batch.clone(),
                viewed_by: viewed_by.clone(),
            })
            .collect()
    }

    /// The group's id.
    pub fn group_id(&self) -> uuid::Uuid {
        self.model.id
    }

    /// Groups of one list, sharing their relationship loads.
    pub fn list(models: Vec<groups::Model>) -> Vec<Group> {
        let batch = GroupBatch::new(models.iter().map(|m| m.id).collect());
        Self::list_in(models, &batch, &ViewedBy::Request)
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
    #[graphql(complexity = "limits::list_cost(limits::PERMISSIONS_PER_HOLDER, child_complexity)")]
    async fn permissions(&self, ctx: &Context<'_>) -> Result<Vec<Permission>> {
        let granted = self
            .batch
            .permissions_of(ctx.loader(), self.model.id)
            .await
            .map_err(unshare)?;
        Ok(granted.into_iter().map(Permission).collect())
    }
    /// Members that are not deleted.
    async fn member_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let count = self
            .batch
            .member_count_of(ctx.loader(), self.model.id)
            .await
            .map_err(unshare)?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
    /// Members that are not deleted, oldest account first. ADMIN or `users.view`.
    #[graphql(
        guard = "AdminOr::permission(codenames::USERS_VIEW).for_(&self.viewed_by)",
        complexity = "limits::page_cost(first, last, child_complexity)"
    )]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<UserConnection> {
        let args = page_args(first, after, last, before, offset);
        members_connection(ctx, &self.batch, self.model.id, &args, &self.viewed_by).await
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
