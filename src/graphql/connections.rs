//! Relay connections: `UserConnection` and `GroupConnection`. `totalCount` is computed only
//! when a client selects it.

use async_graphql::{Context, Object, Result};
use sea_orm::{DatabaseConnection, Select};

use crate::auth::viewer::ContextExt;
use crate::db::entities::{groups, users};
use crate::error::AppResult;
use crate::graphql::types::{Group, PageInfo, User};
use crate::services::pagination::{self, Page, PageArgs};
use crate::services::{
    self,
    users::{UserFilter, UserOrder},
};
use crate::state::AppState;

/// A page of users.
pub struct UserConnection {
    page: Page<users::Model>,
    filtered: Select<users::Entity>,
    db: DatabaseConnection,
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
        Ok(Self {
            page,
            filtered,
            db: state.db.clone(),
        })
    }
}

/// A user and its cursor.
pub struct UserEdge {
    cursor: String,
    node: users::Model,
}

#[Object]
impl UserEdge {
    async fn cursor(&self) -> &str {
        &self.cursor
    }
    async fn node(&self) -> User {
        User(self.node.clone())
    }
}

#[Object]
impl UserConnection {
    async fn edges(&self) -> Vec<UserEdge> {
        self.page
            .rows
            .iter()
            .map(|(cursor, node)| UserEdge {
                cursor: cursor.clone(),
                node: node.clone(),
            })
            .collect()
    }
    async fn nodes(&self) -> Vec<User> {
        self.page
            .rows
            .iter()
            .map(|(_, node)| User(node.clone()))
            .collect()
    }
    async fn page_info(&self) -> PageInfo {
        PageInfo::of(&self.page)
    }
    /// Rows in the whole filtered set, not just this page.
    async fn total_count(&self) -> Result<i32> {
        let total = pagination::count(&self.db, self.filtered.clone()).await?;
        Ok(i32::try_from(total).unwrap_or(i32::MAX))
    }
}

/// A page of groups.
pub struct GroupConnection {
    page: Page<groups::Model>,
    filtered: Select<groups::Entity>,
    db: DatabaseConnection,
}

impl GroupConnection {
    pub async fn load(ctx: &Context<'_>, search: Option<&str>, args: &PageArgs) -> AppResult<Self> {
        let state = ctx.state();
        let filtered = services::groups::select(search);
        let page = pagination::paginate(
            &state.db,
            filtered.clone(),
            &services::groups::ordering(),
            args,
        )
        .await?;
        Ok(Self {
            page,
            filtered,
            db: state.db.clone(),
        })
    }
}

/// A group and its cursor.
pub struct GroupEdge {
    cursor: String,
    node: groups::Model,
}

#[Object]
impl GroupEdge {
    async fn cursor(&self) -> &str {
        &self.cursor
    }
    async fn node(&self) -> Group {
        Group(self.node.clone())
    }
}

#[Object]
impl GroupConnection {
    async fn edges(&self) -> Vec<GroupEdge> {
        self.page
            .rows
            .iter()
            .map(|(cursor, node)| GroupEdge {
                cursor: cursor.clone(),
                node: node.clone(),
            })
            .collect()
    }
    async fn nodes(&self) -> Vec<Group> {
        self.page
            .rows
            .iter()
            .map(|(_, node)| Group(node.clone()))
            .collect()
    }
    async fn page_info(&self) -> PageInfo {
        PageInfo::of(&self.page)
    }
    /// Rows in the whole filtered set, not just this page.
    async fn total_count(&self) -> Result<i32> {
        let total = pagination::count(&self.db, self.filtered.clone()).await?;
        Ok(i32::try_from(total).unwrap_or(i32::MAX))
    }
}
