//! The audit log's queries: `auditEvents` (ADMIN or `audit.view`, with filters) and
//! `myAuditEvents` (the viewer's own account's events), newest first, as Relay connections.
//! The event type is `types::audit_event`; what of an event each reader is shown is
//! `services::audit::Reader`'s rule.

// Connection fields take the four Relay arguments plus their own.
#![allow(clippy::too_many_arguments)]

use async_graphql::{Context, Object, Result};

use crate::auth::codenames;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{AdminOr, Authenticated};
use crate::graphql::limits;
use crate::graphql::types::{AuditEventConnection, AuditEventFilter, audit_connection, page_args};
use crate::services::audit::{Filter, Reader};

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every event, newest first. ADMIN or `audit.view`.
    #[graphql(
        guard = "AdminOr::permission(codenames::AUDIT_VIEW)",
        complexity = "limits::page_cost(first, last, child_complexity)"
    )]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<AuditEventFilter>,
    ) -> Result<AuditEventConnection> {
        let filter = filter.unwrap_or_default().into_filter()?;
        let args = page_args(first, after, last, before, None);
        let viewer = ctx.viewer().await?;
        let reader = Reader::of_log(&viewer).await?;
        Ok(audit_connection(&ctx.state().db, filter, &args, reader).await?)
    }

    /// The events on the viewer's own account, newest first. Of an event someone else acted,
    /// who it was and their session, address and user agent are null.
    #[graphql(
        guard = "Authenticated",
        complexity = "limits::page_cost(first, last, child_complexity)"
    )]
    async fn my_audit_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<AuditEventConnection> {
        let viewer = ctx.viewer().await?;
        let filter = Filter {
            user_id: Some(viewer.id()),
            ..Default::default()
        };
        let args = page_args(first, after, last, before, None);
        let reader = Reader::owner(&viewer);
        Ok(audit_connection(&ctx.state().db, filter, &args, reader).await?)
    }
}
