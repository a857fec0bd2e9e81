//! Relay connections on `async_graphql::connection`: `UserConnection` and `GroupConnection`,
//! with their edges and `PageInfo`, plus `totalCount`. Cursors are the services' typed
//! positions, encoded for clients as `OpaqueCursor`. The nodes of a page share one
//! `UserBatch`/`GroupBatch`, so their relationships load once for the page; `totalCount` is
//! counted only when selected. `Group.members` inside a list of groups loads the same first
//! page of every group of the list in one statement.

use std::sync::Arc;

use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields, OpaqueCursor};
use async_graphql::{Context, Object, OutputType, Result};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::db::entities::{groups, users};
use crate::error::AppResult;
use crate::graphql::context::{ContextExt, ViewedBy};
use crate::graphql::loaders::GroupBatch;
use crate::graphql::types::audit_event::AuditEvent;
use crate::graphql::types::user::unshare;
use crate::graphql::types::{Group, User};
use crate::services::admin::listing::{self, UserFilter, UserOrder};
use crate::services::audit;
use crate::services::rows::pages::{self, Cursor, Page, PageArgs};
use crate::services::{self};

/// A page of users.
pub type UserConnection = Connection<OpaqueCursor<Cursor>, User, Total, EmptyFields>;
/// A page of groups.
pub type GroupConnection = Connection<OpaqueCursor<Cursor>, Group, Total, EmptyFields>;
/// A page of audit events.
pub type AuditEventConnection = Connection<OpaqueCursor<Cursor>, AuditEvent, Total, EmptyFields>;

/// The Relay arguments as the services take them. A cursor that does not decode becomes
/// `Cursor::unreadable`, which `services::rows::pages` refuses on its argument after checking the others.
pub fn page_args(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    offset: Option<i32>,
) -> PageArgs {
    let decode = |cursor: Option<String>| {
        cursor.map(
            |cursor| match OpaqueCursor::<Cursor>::decode_cursor(cursor.trim()) {
                Ok(OpaqueCursor(cursor)) => cursor,
                Err(_) => Cursor::unreadable(),
            },
        )
    };
    PageArgs {
        first,
        after: decode(after),
        last,
        before: decode(before),
        offset,
    }
}

/// `totalCount`: where it comes from, counted when selected.
pub enum Total {
    /// The users a filter selects.
    Users(UserFilter, DatabaseConnection),
    /// The groups whose name matches a search pattern.
    Groups(Option<String>, DatabaseConnection),
    /// The members of a group: `Group.memberCount`, counted for the group's whole list.
    MembersOf(Arc<GroupBatch>, Uuid),
    /// The audit events a filter selects.
    Audit(audit::Filter, DatabaseConnection),
}

#[Object]
impl Total {
    /// Rows in the whole filtered set, not just this page.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let total = match self {
            Total::Users(filter, db) => listing::count(db, filter).await?,
            Total::Groups(pattern, db) => {
                services::admin::groups::count(db, pattern.clone()).await?
            }
            Total::Audit(filter, db) => audit::count(db, filter).await?,
            Total::MembersOf(groups, group) => {
                let count = groups
                    .member_count_of(ctx.loader(), *group)
                    .await
                    .map_err(unshare)?;
                u64::try_from(count).unwrap_or(0)
            }
        };
        Ok(i32::try_from(total).unwrap_or(i32::MAX))
    }
}

/// The connection of `page`, its nodes made by `nodes` from the page's rows.
fn connection<M, N: OutputType>(
    page: Page<M>,
    total: Total,
    nodes: impl FnOnce(Vec<M>) -> Vec<N>,
) -> Connection<OpaqueCursor<Cursor>, N, Total, EmptyFields> {
    let mut connection =
        Connection::with_additional_fields(page.has_previous_page, page.has_next_page, total);
    let (cursors, models): (Vec<Cursor>, Vec<M>) = page.rows.into_iter().unzip();
    connection.edges = cursors
        .into_iter()
        .zip(nodes(models))
        .map(|(cursor, node)| Edge::new(OpaqueCursor(cursor), node))
        .collect();
    connection
}

/// `users`: a page of the users `filter` selects.
pub async fn user_connection(
    db: &DatabaseConnection,
    filter: UserFilter,
    order: UserOrder,
    args: &PageArgs,
) -> AppResult<UserConnection> {
    let page = listing::page(db, &filter, order, args).await?;
    let total = Total::Users(filter, db.clone());
    Ok(connection(page, total, |models: Vec<users::Model>| {
        User::list(models, &ViewedBy::Request)
    }))
}

/// `auditEvents`, `myAuditEvents`: a page of the events `filter` selects, as `reader` is
/// shown them.
pub async fn audit_connection(
    db: &DatabaseConnection,
    filter: audit::Filter,
    args: &PageArgs,
    reader: audit::Reader,
) -> AppResult<AuditEventConnection> {
    let page = audit::page(db, &filter, args, reader).await?;
    let total = Total::Audit(filter, db.clone());
    Ok(connection(page, total, AuditEvent::list))
}

/// `groups`: a page of the groups whose name matches `search_pattern`.
pub async fn group_connection(
    db: &DatabaseConnection,
    search_pattern: Option<String>,
    args: &PageArgs,
) -> AppResult<GroupConnection> {
    let page = services::admin::groups::page(db, search_pattern.clone(), args).await?;
    let total = Total::Groups(search_pattern, db.clone());
    Ok(connection(page, total, |models: Vec<groups::Model>| {
        Group::list(models)
    }))
}

/// `Group.members`: a page from the front is loaded together with the same page of the other
/// groups of the list (one statement for them all); any other page on its own.
pub async fn members_connection(
    ctx: &Context<'_>,
    groups: &Arc<GroupBatch>,
    group: Uuid,
    args: &PageArgs,
    viewed_by: &ViewedBy,
) -> Result<UserConnection> {
    let Some(window) = pages::front_window(args)? else {
        let filter = UserFilter {
            group_id: Some(group),
            ..Default::default()
        };
        let db = &ctx.state().db;
        let page = listing::page(db, &filter, UserOrder::default(), args).await?;
        let total = Total::Users(filter, db.clone());
        return Ok(connection(page, total, |models| {
            User::list(models, viewed_by)
        }));
    };
    let (rows, users) = groups
        .members_of(ctx.loader(), group, window)
        .await
        .map_err(unshare)?;
    let ordering = listing::ordering(UserOrder::default());
    let page = pages::front_page(rows, &ordering, window);
    let total = Total::MembersOf(groups.clone(), group);
    Ok(connection(page, total, |models| {
        User::list_in(models, &users, viewed_by)
    }))
}
