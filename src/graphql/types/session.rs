//! `Session` (one login of the viewer's) and `AuthPayload` (the tokens of a session just
//! opened or renewed, and its user).

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::auth::viewer::{AccountRules, Viewer};
use crate::db::entities::{sessions, users};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::types::User;
use crate::services::sessions::{self as sessions_service, IssuedTokens};

/// How sure Roster is of who holds a session: `AAL1` for one factor, `AAL2` once a second
/// factor was used.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::db::entities::sessions::AssuranceLevel")]
pub enum AssuranceLevel {
    #[graphql(name = "AAL1")]
    Aal1,
    #[graphql(name = "AAL2")]
    Aal2,
}

/// What a sign-in or reauthentication proved.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::db::entities::sessions::Method")]
pub enum AuthenticationMethod {
    Password,
    Totp,
    RecoveryCode,
    Passkey,
    Oidc,
    /// A password reset link: proves the mailbox, not the password.
    PasswordReset,
}

/// One login of the viewer's, on one device.
pub struct Session {
    pub model: sessions::Model,
    pub current: bool,
}

#[Object]
impl Session {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// The last login or refresh.
    async fn last_used_at(&self) -> DateTime<Utc> {
        self.model.last_used_at
    }
    /// When the current refresh token stops working.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.model.expires_at
    }
    async fn user_agent(&self) -> Option<&str> {
        self.model.user_agent.as_deref()
    }
    async fn ip_address(&self) -> Option<&str> {
        self.model.ip_address.as_deref()
    }
    /// The session of the token making this request (on a payload: of the tokens it holds).
    async fn current(&self) -> bool {
        self.current
    }
    async fn assurance_level(&self) -> AssuranceLevel {
        self.model.assurance_level.into()
    }
    /// What the sign-in (and any reauthentication since) proved, in the order used.
    async fn authentication_methods(&self) -> Vec<AuthenticationMethod> {
        self.model.methods().into_iter().map(Into::into).collect()
    }
    /// The sign-in, or the last reauthentication.
    async fn authenticated_at(&self) -> DateTime<Utc> {
        self.model.authenticated_at.unwrap_or(self.model.created_at)
    }
}

/// Tokens for a session, and its user.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <accessToken>`.
    pub access_token: String,
    /// Opaque; exchange it with `refreshToken` before the access token expires. Single use.
    pub refresh_token: String,
    /// Access-token lifetime in seconds.
    pub expires_in: i32,
    /// Shown to the session's own user, whatever token (or none) the request came with:
    /// `login { user { deletedAt } }` is answered for who just logged in.
    pub user: User,
    #[graphql(skip)]
    pub session_id: Uuid,
}

#[ComplexObject]
impl AuthPayload {
    /// Always "Bearer".
    async fn token_type(&self) -> &'static str {
        "Bearer"
    }

    /// The session these tokens belong to (read when asked for).
    async fn session(&self, ctx: &Context<'_>) -> Result<Session> {
        let model = sessions_service::find(&ctx.state().db, self.session_id)
            .await?
            .ok_or_else(|| AppError::internal("a session just opened is gone"))?;
        Ok(Session {
            model,
            current: true,
        })
    }
}

impl AuthPayload {
    /// The payload of session `tokens` of `user`, whose permissions read from `db`;
    /// `rules`: what the account must comply with.
    pub fn new(
        user: users::Model,
        tokens: IssuedTokens,
        db: &DatabaseConnection,
        rules: AccountRules,
    ) -> Self {
        let viewer = Viewer::new(user.clone(), tokens.session_id, db.clone()).restricted_by(rules);
        Self {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_in: i32::try_from(tokens.expires_in).unwrap_or(i32::MAX),
            user: User::of_new_session(user, Arc::new(viewer)),
            session_id: tokens.session_id,
        }
    }
}
