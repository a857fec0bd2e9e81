//! The viewer's own account: register, log in, refresh, log out, profile, password, sessions,
//! deletion; and `me` / `user`. Resolvers are thin: read the context, call a service, convert.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use crate::auth::guards::Authenticated;
use crate::auth::viewer::{ContextExt, Viewer, root_response_key};
use crate::db::entities::users;
use crate::error::AppError;
use crate::graphql::types::{AuthPayload, Session, User};
use crate::services::{
    self, input,
    sessions::{self, IssuedTokens},
    users::{NewAccount, ProfileChanges, Role},
};

/// Everything `register` takes.
#[derive(InputObject)]
pub struct RegisterInput {
    pub email: String,
    /// 8 to 128 characters, and not guessable: zxcvbn must estimate at least 10^8 guesses (8
    /// characters with no word, name or pattern in them are enough).
    pub password: String,
    /// Checked against `password` when given.
    pub password_confirmation: Option<String>,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub address: Option<String>,
    pub company: Option<String>,
    pub designation: Option<String>,
}

/// `login` is an email (contains `@`) or a username.
#[derive(InputObject)]
pub struct LoginInput {
    pub login: String,
    pub password: String,
}

/// Omitted fields stay as they are; `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub email: Option<String>,
    pub username: MaybeUndefined<String>,
    pub first_name: MaybeUndefined<String>,
    pub last_name: MaybeUndefined<String>,
    pub phone_number: MaybeUndefined<String>,
    pub address: MaybeUndefined<String>,
    pub company: MaybeUndefined<String>,
    pub designation: MaybeUndefined<String>,
}

/// `None` keeps, `Some(None)` clears, `Some(Some(v))` sets.
pub fn change<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

impl From<UpdateProfileInput> for ProfileChanges {
    fn from(input: UpdateProfileInput) -> Self {
        Self {
            email: input.email,
            username: change(input.username),
            first_name: change(input.first_name),
            last_name: change(input.last_name),
            phone_number: change(input.phone_number),
            address: change(input.address),
            company: change(input.company),
            designation: change(input.designation),
        }
    }
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The viewer; null when anonymous, `UNAUTHENTICATED` when a bad token was sent.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(ctx
            .maybe_viewer()
            .await?
            .map(|viewer| User::from(viewer.user.clone())))
    }

    /// A user by id: yourself, or anyone for an ADMIN or a holder of `users.view`. Null when no
    /// such user exists; `FORBIDDEN` for others whether or not the user exists.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>> {
        let viewer = ctx.viewer().await?;
        let parsed = input::id("id", &id);
        let is_self = parsed.as_ref().is_ok_and(|&id| id == viewer.id());
        if !is_self && !viewer.has_permission(ctx.state(), "users.view").await? {
            return Err(AppError::Forbidden("you may only view your own account").into());
        }
        let id = parsed?;
        Ok(services::users::find(&ctx.state().db, id)
            .await?
            .map(User::from))
    }

    /// The viewer's live sessions, most recently used first.
    #[graphql(guard = "Authenticated")]
    async fn my_sessions(&self, ctx: &Context<'_>) -> Result<Vec<Session>> {
        let viewer = ctx.viewer().await?;
        let sessions = sessions::list_live(&ctx.state().db, viewer.id()).await?;
        Ok(sessions
            .into_iter()
            .map(|model| Session {
                current: model.id == viewer.session_id,
                model,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account (role USER) and logs it in.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<AuthPayload> {
        let account = NewAccount {
            profile: ProfileChanges {
                email: Some(input.email),
                username: Some(input.username),
                first_name: Some(input.first_name),
                last_name: Some(input.last_name),
                phone_number: Some(input.phone_number),
                address: Some(input.address),
                company: Some(input.company),
                designation: Some(input.designation),
            },
            password: input.password,
            password_confirmation: input.password_confirmation,
            role: Role::User,
            is_active: true,
        };
        let (user, tokens) =
            services::users::register(ctx.state(), account, &ctx.auth().client).await?;
        Ok(issued(ctx, user, tokens))
    }

    /// Opens a session. Every failure is the same `UNAUTHENTICATED` "invalid credentials".
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        let (user, tokens) = services::users::login(
            ctx.state(),
            &input.login,
            &input.password,
            &ctx.auth().client,
        )
        .await?;
        Ok(issued(ctx, user, tokens))
    }

    /// Exchanges a refresh token for a new pair. The old token stops working; presenting it
    /// again ends the session.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        let (user, tokens) =
            sessions::refresh(ctx.state(), &refresh_token, &ctx.auth().client).await?;
        Ok(issued(ctx, user, tokens))
    }

    /// Ends the session of `refreshToken` (no bearer token needed) or of the bearer token;
    /// with `allSessions`, every session of that user.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        refresh_token: Option<String>,
        // Nullable with a default: a client that declares `$all: Boolean` and omits it sends
        // null, which means the default.
        #[graphql(default_with = "Some(false)")] all_sessions: Option<bool>,
    ) -> Result<bool> {
        let all_sessions = all_sessions.unwrap_or(false);
        let viewer = match refresh_token {
            Some(_) => None,
            None => ctx.maybe_viewer().await?,
        };
        sessions::logout(
            ctx.state(),
            viewer.as_deref(),
            refresh_token.as_deref(),
            all_sessions,
        )
        .await?;
        Ok(true)
    }

    /// Edits the viewer's own profile.
    #[graphql(guard = "Authenticated")]
    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> Result<User> {
        let viewer = ctx.viewer().await?;
        Ok(User::from(
            services::users::update_profile(ctx.state(), &viewer, input.into()).await?,
        ))
    }

    /// Sets a new password, ends every session and returns a pair for a new one. A wrong
    /// current password is `BAD_USER_INPUT` on `currentPassword`.
    #[graphql(guard = "Authenticated")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> Result<AuthPayload> {
        let viewer = ctx.viewer().await?;
        let (user, tokens) = services::users::change_password(
            ctx.state(),
            &viewer,
            &current_password,
            &new_password,
            &ctx.auth().client,
        )
        .await?;
        Ok(issued(ctx, user, tokens))
    }

    /// Soft-deletes the viewer's account after checking the password.
    #[graphql(guard = "Authenticated")]
    async fn delete_account(&self, ctx: &Context<'_>, password: String) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        services::users::delete_account(ctx.state(), &viewer, &password).await?;
        Ok(true)
    }

    /// Ends one of the viewer's sessions. Another user's session is `NOT_FOUND`.
    #[graphql(guard = "Authenticated")]
    async fn revoke_session(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        sessions::revoke_own(ctx.state(), &viewer, &id).await?;
        Ok(true)
    }
}

/// The payload of a root field that opened or renewed a session; fields under it are judged
/// for that session's user (see `ContextExt::maybe_viewer`).
fn issued(ctx: &Context<'_>, user: users::Model, tokens: IssuedTokens) -> AuthPayload {
    if let Some(key) = root_response_key(ctx) {
        ctx.auth()
            .record_issued(key, Viewer::new(user.clone(), tokens.session_id));
    }
    AuthPayload::new(user, tokens)
}
