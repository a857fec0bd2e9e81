//! A request sees its own changes: after each root field of a mutation, the request's viewer
//! is forgotten, so a root field that runs after `logout`, `revokeSession` of the current
//! session, `deleteAccount`, `changePassword` or a change of the viewer's own role, groups or
//! permissions is judged as that change left things (`UNAUTHENTICATED` or `FORBIDDEN`), not by
//! the viewer read before it. Queries run their root fields on one viewer.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{ServerResult, Value};

use crate::auth::viewer::Credentials;

pub struct FreshViewerPerMutation;

impl ExtensionFactory for FreshViewerPerMutation {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FreshViewerPerMutation)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for FreshViewerPerMutation {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let is_root_mutation = info.path_node.parent.is_none() && info.parent_type == "Mutation";
        let value = next.run(ctx, info).await;
        if is_root_mutation && let Some(credentials) = ctx.data_opt::<Credentials>() {
            credentials.forget_viewer();
        }
        value
    }
}
