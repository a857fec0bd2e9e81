//! `Session` (one login of the viewer's) and `AuthPayload` (the tokens of a session just
//! opened or renewed, and its user).

use std::sync::Arc;

use async_graphql::{ComplexObject, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::auth::viewer::Viewer;
use crate::db::entities::{sessions, users};
use crate::graphql::types::User;
use crate::services::sessions::IssuedTokens;

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
    /// The session of the token making this request.
    async fn current(&self) -> bool {
        self.current
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
}

#[ComplexObject]
impl AuthPayload {
    /// Always "Bearer".
    async fn token_type(&self) -> &'static str {
        "Bearer"
    }
}

impl AuthPayload {
    /// The payload of session `tokens` of `user`, whose permissions read from `db`;
    /// `require_verified` is `--require-verified-email`.
    pub fn new(
        user: users::Model,
        tokens: IssuedTokens,
        db: &DatabaseConnection,
        require_verified: bool,
    ) -> Self {
        let viewer = Viewer::new(user.clone(), tokens.session_id, db.clone())
            .restricted_unless_verified(require_verified);
        Self {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_in: i32::try_from(tokens.expires_in).unwrap_or(i32::MAX),
            user: User::of_new_session(user, Arc::new(viewer)),
        }
    }
}
