//! Relay connections: `UserConnection` and `GroupConnection`. The nodes of a page share one
//! `UserBatch`/`GroupBatch`, so their relationships load once for the page. `totalCount` is
//! computed only when a client selects it. `Group.members` inside a list of groups loads the
//! same first page of every group of the list in one statement.

use std::sync::Arc;

use async_graphql::{Context, Object, Result};
use sea_orm::{DatabaseConnection, Select};

use crate::auth::viewer::ContextExt;
use crate::db::entities::{groups, users};
use crate::error::AppResult;
use crate::graphql::loaders::{GroupBatch, Loaders};
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
    total: Total,
}

/// Where `totalCount` comes from, when selected.
enum Total {
    /// Counting the filtered rows.
    Query(Box<Select<users::Entity>>, DatabaseConnection),
    /// The members of a group: `Group.memberCount`, counted for the group's whole list.
    MembersOf(Arc<GroupBatch>, uuid::Uuid),
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
        Ok(Self::of(
            page,
            Total::Query(Box::new(filtered), state.db.clone()),
        ))
    }

    /// `Group.members`: a page from the front is loaded together with the same page of the
    /// other groups of the list (one statement for them all); any other page on its own.
    pub async fn members(
        ctx: &Context<'_>,
        groups: &Arc<GroupBatch>,
        group: uuid::Uuid,
        args: &PageArgs,
    ) -> Result<Self> {
        let Some(window) = pagination::front_window(args)? else {
            let filter = UserFilter {
                group_id: Some(group),
                ..Default::default()
            };
            return Ok(Self::load(ctx.state(), &filter, None, args).await?);
        };
        let (rows, users) = groups
            .members_of(ctx.data_unchecked::<Loaders>(), group, window)
            .await
            .map_err(|error| (*error).clone())?;
        let ordering = services::users::ordering(Default::default());
        let page = pagination::front_page(rows, &ordering, window);
        let total = Total::MembersOf(groups.clone(), group);
        Ok(Self::build(page, total, |models| {
            User::list_in(models, &users)
        }))
    }

    fn of(page: pagination::Page<users::Model>, total: Total) -> Self {
        Self::build(page, total, User::list)
    }

    fn build(
        page: pagination::Page<users::Model>,
        total: Total,
        users: impl FnOnce(Vec<users::Model>) -> Vec<User>,
    ) -> Self {
        let page_info = PageInfo::of(&page);
        let (cursors, models): (Vec<String>, Vec<users::Model>) = page.rows.into_iter().unzip();
        let edges = cursors
            .into_iter()
            .zip(users(models))
            .map(|(cursor, node)| UserEdge { cursor, node })
            .collect();
        Self {
            edges,
            page_info,
            total,
        }
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
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let total = match &self.total {
            Total::Query(filtered, db) => pagination::count(db, (**filtered).clone()).await?,
            Total::MembersOf(groups, group) => {
                let count = groups
                    .member_count_of(ctx.data_unchecked::<Loaders>(), *group)
                    .await
                    .map_err(|error| (*error).clone())?;
                u64::try_from(count).unwrap_or(0)
            }
        };
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
