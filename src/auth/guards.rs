//! Field guards: authorization declared on the schema (`#[graphql(guard = "...")]`).
//! Row-level rules (self or other, the last admin) live in the services.
//!
//! Each guard answers `UNAUTHENTICATED` without a valid viewer and `FORBIDDEN` when the viewer
//! lacks the role or permission. Both come from the database for every request.

use async_graphql::{Context, Guard, Result};

use crate::auth::viewer::ContextExt;
use crate::error::AppError;

/// Any authenticated, live user.
pub struct Authenticated;

impl Guard for Authenticated {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        ctx.viewer().await?;
        Ok(())
    }
}

/// Role ADMIN.
pub struct Admin;

impl Guard for Admin {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        if ctx.viewer().await?.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden("requires the ADMIN role").into())
        }
    }
}

/// Role ADMIN, or the permission `codename` held directly or through a group.
pub struct AdminOr(pub &'static str);

impl AdminOr {
    pub fn permission(codename: &'static str) -> Self {
        Self(codename)
    }
}

impl Guard for AdminOr {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let viewer = ctx.viewer().await?;
        if viewer.has_permission(ctx.state(), self.0).await? {
            Ok(())
        } else {
            Err(
                AppError::Forbidden("requires the ADMIN role or a permission you do not hold")
                    .into(),
            )
        }
    }
}
