//! The viewer's own account: register, log in, refresh, log out, profile, password, sessions,
//! deletion; and `me` / `user`. Resolvers are thin: read the context, call a service, convert.

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::db::entities::users;
use crate::error::{AppError, AppResult, FieldErrors, Reason};
use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::limits;
use crate::graphql::types::{
    AuthPayload, PasskeyAssertionInput, ProfileInput, SecondFactorInput, Session, SignInResult,
    User,
};
use crate::services::account::reauthentication::{self, Proof};
use crate::services::admin::users as user_service;
use crate::services::mfa::challenges;
use crate::services::rules::profile_fields::{NewAccount, Role};
use crate::services::sessions::{self, IssuedTokens, SignIn};
use crate::services::{account, recovery};

/// Everything `register` takes.
#[derive(InputObject)]
pub struct RegisterInput {
    pub email: String,
    /// 8 to 128 characters, and not guessable: zxcvbn must estimate at least 10^8 guesses (8
    /// characters with no word, name or pattern in them are enough).
    pub password: String,
    /// Checked against `password` when given.
    pub password_confirmation: Option<String>,
    #[graphql(flatten)]
    pub profile: ProfileInput,
}

/// `login` is an email (contains `@`) or a username.
#[derive(InputObject)]
pub struct LoginInput {
    pub login: String,
    pub password: String,
    /// From `AccountLinkRequired`: this sign-in also links the provider identity waiting under
    /// it (after the second factor, for an account with one).
    pub link_token: Option<String>,
}

/// Omitted fields stay as they are; `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub email: Option<String>,
    /// Required when `email` changes: an address is a credential (reset links go there).
    pub current_password: Option<String>,
    #[graphql(flatten)]
    pub profile: ProfileInput,
}

/// What `reauthenticate` takes: exactly one secret.
#[derive(InputObject)]
pub struct ReauthenticateInput {
    pub password: Option<String>,
    /// A code of the viewer's authenticator app.
    pub totp_code: Option<String>,
    /// One of the viewer's recovery codes (used up).
    pub recovery_code: Option<String>,
    /// A passkey's answer to the ceremony `startPasskeyReauthentication` started.
    pub passkey: Option<PasskeyAssertionInput>,
}

impl ReauthenticateInput {
    /// The one secret given, or `BAD_USER_INPUT` on `input`.
    fn proof(&self) -> AppResult<Proof<'_>> {
        match (
            &self.password,
            &self.totp_code,
            &self.recovery_code,
            &self.passkey,
        ) {
            (Some(password), None, None, None) => Ok(Proof::Password(password)),
            (None, Some(code), None, None) => Ok(Proof::TotpCode(code)),
            (None, None, Some(code), None) => Ok(Proof::RecoveryCode(code)),
            (None, None, None, Some(passkey)) => Ok(Proof::Passkey(passkey.answer())),
            _ => Err(FieldErrors::single(
                "input",
                "give exactly one of password, totpCode, recoveryCode and passkey",
            )),
        }
    }
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The viewer; null when anonymous, `UNAUTHENTICATED` when a bad token was sent.
    async fn me(&self, ctx: &Context<'_>) -> Option<User> {
        let viewer = ctx.maybe_viewer().await;
        ctx.or_null(viewer.map(|viewer| viewer.map(|viewer| User::from(viewer.user.clone()))))
    }

    /// A user by id: yourself, or anyone for an ADMIN or a holder of `users.view`. Null when no
    /// such user exists; `FORBIDDEN` for others whether or not the user exists.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Option<User> {
        let found = async {
            let viewer = ctx.viewer().await?;
            user_service::view(&ctx.state().db, &viewer, &id).await
        };
        ctx.or_null(found.await.map(|user| user.map(User::from)))
    }

    /// The viewer's live sessions, most recently used first.
    #[graphql(
        guard = "Authenticated",
        complexity = "limits::list_cost(limits::SESSIONS_PER_USER, child_complexity)"
    )]
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
            profile: input.profile.changes(Some(input.email)),
            password: input.password,
            password_confirmation: input.password_confirmation,
            role: Role::User,
            is_active: true,
            email_verified: false,
        };
        let client = &ctx.credentials().client;
        let (user, tokens) = account::register(ctx.state(), account, client).await?;
        Ok(payload(ctx, user, tokens))
    }

    /// Opens a session. Every failure is the same `UNAUTHENTICATED` "invalid credentials". An
    /// account with a second factor gets no tokens here: `FORBIDDEN`, reason
    /// `SECOND_FACTOR_REQUIRED`, with `extensions.challengeToken` and `extensions.methods` for
    /// `verifySecondFactor` (`signIn` returns the same as a typed result).
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        let client = &ctx.credentials().client;
        let signed_in = sessions::login(
            ctx.state(),
            &input.login,
            &input.password,
            input.link_token.as_deref(),
            client,
        )
        .await?;
        tokens_only(ctx, signed_in)
    }

    /// `login` with a typed answer: tokens (`AuthPayload`), or, for an account with a second
    /// factor, `SecondFactorRequired` once the password checks out.
    async fn sign_in(&self, ctx: &Context<'_>, input: LoginInput) -> Result<SignInResult> {
        let client = &ctx.credentials().client;
        let signed_in = sessions::login(
            ctx.state(),
            &input.login,
            &input.password,
            input.link_token.as_deref(),
            client,
        )
        .await?;
        Ok(sign_in_result(ctx, signed_in))
    }

    /// The second step of signing in: exactly one field of `input` (else `BAD_USER_INPUT` on
    /// `input`). A wrong or already used code: `UNAUTHENTICATED`, reason
    /// `INVALID_SECOND_FACTOR`; an unknown, used, expired or exhausted challenge:
    /// `UNAUTHENTICATED`, reason `CHALLENGE_EXPIRED`.
    async fn verify_second_factor(
        &self,
        ctx: &Context<'_>,
        challenge_token: String,
        input: SecondFactorInput,
    ) -> Result<AuthPayload> {
        let factor = input.factor()?;
        let client = &ctx.credentials().client;
        let (user, tokens) =
            challenges::verify(ctx.state(), &challenge_token, factor, client).await?;
        Ok(payload(ctx, user, tokens))
    }

    /// Exchanges a refresh token for a new pair. The old token stops working; presenting it
    /// again ends the session.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        let client = &ctx.credentials().client;
        let (user, tokens) = sessions::refresh(ctx.state(), &refresh_token, client).await?;
        Ok(payload(ctx, user, tokens))
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
        let viewer = match refresh_token {
            Some(_) => None,
            None => ctx.maybe_viewer().await?,
        };
        let all_sessions = all_sessions.unwrap_or(false);
        let token = refresh_token.as_deref();
        let client = &ctx.credentials().client;
        sessions::logout(ctx.state(), viewer.as_deref(), token, all_sessions, client).await?;
        Ok(true)
    }

    /// Proves again, inside this session, that the viewer holds it: `authenticatedAt` becomes
    /// now, in the database, so what asks for recent proof accepts it on the next request. A
    /// wrong secret is `BAD_USER_INPUT` on its field; anything but exactly one field is
    /// `BAD_USER_INPUT` on `input`.
    #[graphql(guard = "Authenticated")]
    async fn reauthenticate(
        &self,
        ctx: &Context<'_>,
        input: ReauthenticateInput,
    ) -> Result<Session> {
        let viewer = ctx.viewer().await?;
        let proof = input.proof()?;
        let model = reauthentication::reauthenticate(ctx.state(), &viewer, proof).await?;
        Ok(Session {
            model,
            current: true,
        })
    }

    /// Edits the viewer's own profile. Changing `email` needs proof: `currentPassword`, or a
    /// `reauthenticate` within `--reauthentication-window` (missing or wrong: `BAD_USER_INPUT`
    /// on `currentPassword`).
    #[graphql(guard = "Authenticated")]
    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> Result<User> {
        let viewer = ctx.viewer().await?;
        let changes = input.profile.changes(input.email);
        let current_password = input.current_password.as_deref();
        Ok(User::from(
            account::update_profile(ctx.state(), &viewer, changes, current_password).await?,
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
        let client = &ctx.credentials().client;
        let (user, tokens) = account::change_password(
            ctx.state(),
            &viewer,
            &current_password,
            &new_password,
            client,
        )
        .await?;
        Ok(payload(ctx, user, tokens))
    }

    /// Soft-deletes the viewer's account after checking the password (an account without one:
    /// a sign-in within `--reauthentication-window`, else `FORBIDDEN`
    /// `REAUTHENTICATION_REQUIRED`).
    #[graphql(guard = "Authenticated")]
    async fn delete_account(&self, ctx: &Context<'_>, password: String) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        account::delete_account(ctx.state(), &viewer, &password).await?;
        Ok(true)
    }

    /// Mails a password-reset link (valid 30 minutes) to the account with this email, if
    /// there is an active one. Always `true`, at once: the answer tells nothing about which
    /// addresses have accounts.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> Result<bool> {
        let client = &ctx.credentials().client;
        recovery::request_password_reset(ctx.state(), &email, client).await?;
        Ok(true)
    }

    /// Sets a new password with the token from a reset mail, marks the email verified, ends
    /// every session and returns a pair for a new one. A bad token is `BAD_USER_INPUT` on
    /// `token`.
    ///
    /// For an account with a second factor, the password is set and the sessions end, but no
    /// tokens come back: `FORBIDDEN`, reason `SECOND_FACTOR_REQUIRED`, with the challenge in
    /// `extensions` (`completePasswordReset` returns it as a typed result).
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        token: String,
        new_password: String,
    ) -> Result<AuthPayload> {
        let client = &ctx.credentials().client;
        let reset = recovery::reset_password(ctx.state(), &token, &new_password, client).await?;
        tokens_only(ctx, reset)
    }

    /// `resetPassword` with a typed answer: `AuthPayload`, or `SecondFactorRequired` for an
    /// account with a second factor (the password is set either way).
    async fn complete_password_reset(
        &self,
        ctx: &Context<'_>,
        token: String,
        new_password: String,
    ) -> Result<SignInResult> {
        let client = &ctx.credentials().client;
        let reset = recovery::reset_password(ctx.state(), &token, &new_password, client).await?;
        Ok(sign_in_result(ctx, reset))
    }

    /// Mails another verification link (valid 24 hours) to the viewer's address; `false` when
    /// it is verified already. At most 5 an hour, then `TOO_MANY_REQUESTS`.
    #[graphql(guard = "Authenticated")]
    async fn send_verification_email(&self, ctx: &Context<'_>) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        Ok(recovery::send_verification_email(ctx.state(), &viewer).await?)
    }

    /// Marks the email verified with the token from a verification mail; no session needed.
    async fn verify_email(&self, ctx: &Context<'_>, token: String) -> Result<bool> {
        let client = &ctx.credentials().client;
        recovery::verify_email(ctx.state(), &token, client).await?;
        Ok(true)
    }

    /// Ends one of the viewer's sessions. Another user's session is `NOT_FOUND`.
    #[graphql(guard = "Authenticated")]
    async fn revoke_session(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        let client = &ctx.credentials().client;
        sessions::revoke_own(ctx.state(), &viewer, &id, client).await?;
        Ok(true)
    }
}

/// For the mutations that return tokens or nothing (`login`, `resetPassword`): a second step
/// is `FORBIDDEN` `SECOND_FACTOR_REQUIRED`, with the challenge in `extensions`, so that a
/// client that knows nothing of it never receives tokens for a password alone.
fn tokens_only(ctx: &Context<'_>, signed_in: SignIn) -> Result<AuthPayload> {
    match signed_in {
        SignIn::Session(user, tokens) => Ok(payload(ctx, *user, tokens)),
        SignIn::SecondFactor(challenge) => {
            Err(AppError::from(Reason::SecondFactorRequired(challenge)).into())
        }
    }
}

fn sign_in_result(ctx: &Context<'_>, signed_in: SignIn) -> SignInResult {
    match signed_in {
        SignIn::Session(user, tokens) => {
            SignInResult::AuthPayload(Box::new(payload(ctx, *user, tokens)))
        }
        SignIn::SecondFactor(challenge) => SignInResult::SecondFactorRequired(challenge.into()),
    }
}

fn payload(ctx: &Context<'_>, user: users::Model, tokens: IssuedTokens) -> AuthPayload {
    let state = ctx.state();
    AuthPayload::new(user, tokens, &state.db, state.account_rules())
}
