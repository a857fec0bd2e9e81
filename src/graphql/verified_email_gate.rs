//! `--require-verified-email`: a schema extension that lets an unverified account's token
//! reach only the root fields API.md lists (and those that need no token at all). The check
//! runs once per root field, before its resolver; everything below a root field is judged by
//! that field. Installed only when the mode is on.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{PathSegment, ServerResult, Value};

use crate::auth::viewer::Credentials;
use crate::error::AppError;
use crate::state::AppState;

/// What an unverified account's token may still do: API.md's list, and the fields that take
/// no token (a client may send a stale one along with them).
const ALLOWED: &[&str] = &[
    "me",
    "mySessions",
    "logout",
    "revokeSession",
    "updateProfile",
    // Proof for an email change, on the viewer's own session.
    "reauthenticate",
    "sendVerificationEmail",
    "verifyEmail",
    "deleteAccount",
    "register",
    "login",
    "refreshToken",
    "requestPasswordReset",
    "resetPassword",
    "__typename",
    "__schema",
    "__type",
];

pub struct RequireVerifiedEmail;

impl ExtensionFactory for RequireVerifiedEmail {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequireVerifiedEmail)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequireVerifiedEmail {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let is_root = info.path_node.parent.is_none();
        if is_root && !ALLOWED.contains(&info.name) {
            let key = info.alias.unwrap_or(info.name);
            let refusal = match restricted_viewer(ctx, key).await {
                Ok(false) => None,
                Ok(true) => Some(AppError::EmailNotVerified),
                // Not knowing whether the account is verified is no reason to serve it.
                Err(error) => Some(error),
            };
            if let Some(refusal) = refusal {
                let mut error =
                    async_graphql::Error::from(refusal).into_server_error(info.field.name.pos);
                error.path = vec![PathSegment::Field(key.to_owned())];
                return Err(error);
            }
        }
        next.run(ctx, info).await
    }
}

/// True when the request's token is valid and its account unverified. A bad token is left
/// to the field, which answers `UNAUTHENTICATED` as usual; any other failure to find out is
/// an error.
async fn restricted_viewer(ctx: &ExtensionContext<'_>, root_field: &str) -> Result<bool, AppError> {
    let (Some(state), Some(credentials)) =
        (ctx.data_opt::<AppState>(), ctx.data_opt::<Credentials>())
    else {
        return Err(AppError::internal(
            "BUG: the request carries no state or credentials",
        ));
    };
    match credentials
        .viewer(&state.db, &state.keys, true, Some(root_field))
        .await
    {
        Ok(viewer) => Ok(viewer.is_some_and(|viewer| viewer.is_restricted())),
        Err(AppError::Unauthenticated(_)) => Ok(false),
        Err(error) => Err(error),
    }
}
