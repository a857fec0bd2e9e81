//! Relay connections: `UserConnection` and `GroupConnection`. The nodes of a page share one
//! `UserBatch`/`GroupBatch`, so their relationships load once for the page. `totalCount` is
//! computed only when a client selects it.

use async_graphql::{Context, Object, Result};
use sea_orm::{DatabaseConnection, Select};

use crate::auth::viewer::ContextExt;
use crate::db::entities::{groups, users};
use crate::error::AppResult;
use crate::graphql::types::{Group, PageInfo, User};
use crate::services::pagination::{self, PageArgs};
use crate::services::{
    self,
    users::{UserFilter, UserOrder},
};
use crate::state::AppState;

/// A page of users.
pub struct UserConnection {
    edges: Vec<UserEdge>,
    page_info: PageInfo,
    filtered: Select<users::Entity>,
    db: DatabaseConnection,
}

/// A user and its cursor.
#[derive(Clone)]
pub struct UserEdge {
    cursor: String,
    node: User,
}

impl UserConnection {
    pub async fn load(
        state: &AppState,
        filter: &UserFilter,
        order: Option<UserOrder>,
        args: &PageArgs,
    ) -> AppResult<Self> {
        let filtered = services::users::select(filter);
        let ordering = services::users::ordering(order.unwrap_or_default());
        let page = pagination::paginate(&state.db, filtered.clone(), &ordering, args).await?;
        let page_info = PageInfo::of(&page);
        let (cursors, models): (Vec<String>, Vec<users::Model>) = page.rows.into_iter().unzip();
        let edges = cursors
            .into_iter()
            .zip(User::list(models))
            .map(|(cursor, node)| UserEdge { cursor, node })
            .collect();
        Ok(Self {
            edges,
            page_info,
            filtered,
            db: state.db.clone(),
        })
    }
}

#[Object]
impl UserEdge {
    async fn cursor(&self) -> &str {
        &self.cursor
    }
    async fn node(&self) -> &User {
        &self.node
    }
}

#[Object]
impl UserConnection {
    async fn edges(&self) -> &[UserEdge] {
        &self.edges
    }
    async fn nodes(&self) -> Vec<User> {
        self.edges.iter().map(|edge| edge.node.clone()).collect()
    }
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    /// Rows in the whole filtered set, not just this page.
    async fn total_count(&self) -> Result<i32> {
        let total = pagination::count(&self.db, self.filtered.clone()).await?;
        Ok(i32::try_from(total).unwrap_or(i32::MAX))
    }
}

/// A page of groups.
pub struct GroupConnection {
    edges: Vec<GroupEdge>,
    page_info: PageInfo,
    filtered: Select<groups::Entity>,
    db: DatabaseConnection,
}

/// A group and its cursor.
#[derive(Clone)]
pub struct GroupEdge {
    cursor: String,
    node: Group,
}

impl GroupConnection {
    pub async fn load(
        ctx: &Context<'_>,
        search_pattern: Option<String>,
        args: &PageArgs,
    ) -> AppResult<Self> {
        let state = ctx.state();
        let filtered = services::groups::select(search_pattern);
        let ordering = services::groups::ordering();
        let page = pagination::paginate(&state.db, filtered.clone(), &ordering, args).await?;
        let page_info = PageInfo::of(&page);
        let (cursors, models): (Vec<String>, Vec<groups::Model>) = page.rows.into_iter().unzip();
        let edges = cursors
            .into_iter()
            .zip(Group::list(models))
            .map(|(cursor, node)| GroupEdge { cursor, node })
            .collect();
        Ok(Self {
            edges,
            page_info,
            filtered,
            db: state.db.clone(),
        })
    }
}

#[Object]
impl GroupEdge {
    async fn cursor(&self) -> &str {
        &self.cursor
    }
    async fn node(&self) -> &Group {
        &self.node
    }
}

#[Object]
impl GroupConnection {
    async fn edges(&self) -> &[GroupEdge] {
        &self.edges
    }
    async fn nodes(&self) -> Vec<Group> {
        self.edges.iter().map(|edge| edge.node.clone()).collect()
    }
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    /// Rows in the whole filtered set, not just this page.
    async fn total_count(&self) -> Result<i32> {
        let total = pagination::count(&self.db, self.filtered.clone()).await?;
        Ok(i32::try_from(total).unwrap_or(i32::MAX))
    }
}
