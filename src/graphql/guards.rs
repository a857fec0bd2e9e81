//! Field guards: authorization declared on the schema (`#[graphql(guard = "...")]`). Row-level
//! rules (self or other, the last admin, what a caller may grant) live in the services.
//!
//! Each guard answers `UNAUTHENTICATED` without a valid viewer and `FORBIDDEN` when the viewer
//! lacks the role or permission; both come from the database for every request. A guard is
//! judged for the request's viewer, or `.for_(&self.viewed_by)` for whoever an object is
//! shown to (see `ViewedBy`). Nullable fields check the same rules with `Rule::allows` and
//! answer `null` instead of failing.

use async_graphql::{Context, Guard, Result};

use crate::auth::viewer::Viewer;
use crate::error::{AppError, AppResult};
use crate::graphql::context::{ContextExt, ViewedBy};

/// A requirement on the viewer.
pub trait Rule: Sync {
    /// `FORBIDDEN` unless `viewer` meets the requirement.
    fn allows(&self, viewer: &Viewer) -> impl Future<Output = AppResult<()>> + Send;

    /// This rule, judged for `viewed_by` instead of the request's viewer.
    fn for_(self, viewed_by: &ViewedBy) -> For<'_, Self>
    where
        Self: Sized,
    {
        For {
            rule: self,
            viewed_by,
        }
    }
}

/// Any authenticated, live user.
pub struct Authenticated;

impl Rule for Authenticated {
    async fn allows(&self, _: &Viewer) -> AppResult<()> {
        Ok(())
    }
}

/// Role ADMIN.
pub struct Admin;

impl Rule for Admin {
    async fn allows(&self, viewer: &Viewer) -> AppResult<()> {
        viewer.require_admin("requires the ADMIN role")
    }
}

/// Role ADMIN, or the permission `codename` (one of `auth::codenames`) held directly or
/// through a group.
pub struct AdminOr(pub &'static str);

impl AdminOr {
    pub fn permission(codename: &'static str) -> Self {
        Self(codename)
    }
}

impl Rule for AdminOr {
    async fn allows(&self, viewer: &Viewer) -> AppResult<()> {
        if viewer.has_permission(self.0).await? {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "requires the ADMIN role or a permission you do not hold",
            ))
        }
    }
}

/// `rule`, judged for `viewed_by`.
pub struct For<'a, R> {
    rule: R,
    viewed_by: &'a ViewedBy,
}

impl<R: Rule> Guard for For<'_, R> {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let viewer = self.viewed_by.viewer(ctx).await?;
        Ok(self.rule.allows(&viewer).await?)
    }
}

/// Each rule is a guard for the request's viewer.
macro_rules! request_guard {
    ($($rule:ty),*) => {$(
        impl Guard for $rule {
            async fn check(&self, ctx: &Context<'_>) -> Result<()> {
                Ok(self.allows(&*ctx.viewer().await?).await?)
            }
        }
    )*};
}
request_guard!(Authenticated, Admin, AdminOr);
