//! The account gates: a schema extension that lets a token reach only the root fields API.md
//! lists (and those that need no token at all) while its account is
//!
//! - unverified under `--require-verified-email` (`FORBIDDEN`, reason `EMAIL_NOT_VERIFIED`), or
//! - covered by `--require-mfa` and without a second factor (`FORBIDDEN`, reason
//!   `MFA_ENROLLMENT_REQUIRED`).
//!
//! The check runs once per root field, before its resolver; everything below a root field is
//! judged by that field. Installed only when one of the modes is on.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{PathSegment, ServerResult, Value};

use crate::auth::viewer::Credentials;
use crate::error::{AppError, Reason};
use crate::state::AppState;

/// Root fields that take no token: a client may send a stale one along with them.
const TOKENLESS: &[&str] = &[
    "register",
    "login",
    "signIn",
    "verifySecondFactor",
    "refreshToken",
    "requestPasswordReset",
    "resetPassword",
    "completePasswordReset",
    "verifyEmail",
    // Provider sign-in: a sign-in page's list and round trip (LINK asks for a recent sign-in
    // of its own, and a provider sign-in still asks for the second factor).
    "signInProviders",
    "startOAuth",
    "completeOAuth",
    // Passkey sign-in, and a passkey as a sign-in's second factor.
    "startPasskeySignIn",
    "finishPasskeySignIn",
    "startPasskeyChallenge",
    "__typename",
    "__schema",
    "__type",
];

/// What an unverified account's token may still do (API.md's list).
const UNVERIFIED_ALLOWED: &[&str] = &[
    "me",
    "mySessions",
    "logout",
    "revokeSession",
    "updateProfile",
    // Proof for an email change, on the viewer's own session.
    "reauthenticate",
    "sendVerificationEmail",
    "deleteAccount",
];

/// What the token of an account `--require-mfa` covers may do before it holds a second factor
/// (API.md's list).
const ENROLLING_ALLOWED: &[&str] = &[
    "me",
    "mySessions",
    "logout",
    "revokeSession",
    "updateProfile",
    "reauthenticate",
    "startTotpEnrollment",
    "confirmTotpEnrollment",
    "startPasskeyRegistration",
    "finishPasskeyRegistration",
    "sendVerificationEmail",
];

pub struct AccountGate;

impl ExtensionFactory for AccountGate {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AccountGate)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for AccountGate {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let is_root = info.path_node.parent.is_none();
        if is_root && !TOKENLESS.contains(&info.name) {
            let key = info.alias.unwrap_or(info.name);
            let refusal = match refusal(ctx, info.name, key).await {
                Ok(refusal) => refusal,
                // Not knowing whether the account may is no reason to serve it.
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

/// Why the request's account may not use root field `name` (asked for as `key`), if it may
/// not. A bad token is left to the field, which answers `UNAUTHENTICATED` as usual.
async fn refusal(
    ctx: &ExtensionContext<'_>,
    name: &str,
    key: &str,
) -> Result<Option<AppError>, AppError> {
    let (Some(state), Some(credentials)) =
        (ctx.data_opt::<AppState>(), ctx.data_opt::<Credentials>())
    else {
        return Err(AppError::internal(
            "BUG: the request carries no state or credentials",
        ));
    };
    let viewer = match credentials
        .viewer(&state.db, &state.keys, state.account_rules(), Some(key))
        .await
    {
        Ok(Some(viewer)) => viewer,
        Ok(None) | Err(AppError::Unauthenticated(_)) => return Ok(None),
        Err(error) => return Err(error),
    };
    if viewer.is_unverified_restricted() && !UNVERIFIED_ALLOWED.contains(&name) {
        return Ok(Some(AppError::EmailNotVerified));
    }
    if viewer.must_enrol() && !ENROLLING_ALLOWED.contains(&name) {
        return Ok(Some(Reason::MfaEnrollmentRequired.into()));
    }
    Ok(None)
}
