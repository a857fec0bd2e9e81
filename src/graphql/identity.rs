//! Sign-in with identity providers: the providers a sign-in page offers and an ADMIN
//! configures, the round trip (`startOAuth`, `completeOAuth`), and the viewer's linked
//! identities and first password. Resolvers are thin: read the context, call a service,
//! convert.

use async_graphql::{Context, ID, Object, Result};

use crate::graphql::context::ContextExt;
use crate::graphql::guards::{Admin, Authenticated};
use crate::graphql::types::{
    AccountLinkRequired, AuthPayload, IdentityLinked, IdentityProvider, IdentityProviderInput,
    LinkedIdentity, OAuthResult, OAuthStart, SignInProvider, StartOAuthInput,
};
use crate::services::account;
use crate::services::identity::Intent;
use crate::services::identity::flows::{self, Completed};
use crate::services::identity::{links, providers};
use crate::services::rules::validation;
use crate::services::sessions::SignIn;

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The enabled providers, for a sign-in page; anyone may ask.
    async fn sign_in_providers(&self, ctx: &Context<'_>) -> Result<Vec<SignInProvider>> {
        let enabled = providers::enabled(&ctx.state().db).await?;
        Ok(enabled.iter().map(SignInProvider::from).collect())
    }

    /// Every configured provider, by slug (ADMIN).
    #[graphql(guard = "Admin")]
    async fn identity_providers(&self, ctx: &Context<'_>) -> Result<Vec<IdentityProvider>> {
        let all = providers::list(&ctx.state().db).await?;
        Ok(all.into_iter().map(IdentityProvider).collect())
    }
}

#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Starts a round trip through a provider: send the browser to `authorizationUrl`. SIGN_IN
    /// needs no session. LINK needs a `reauthenticate` within `--reauthentication-window` (an
    /// account with neither a password nor a second factor: a sign-in within it), else
    /// `FORBIDDEN` `REAUTHENTICATION_REQUIRED`. An unknown or disabled provider, a `redirectUri`
    /// not allowed exactly, or a malformed `codeChallenge`: `BAD_USER_INPUT` on that field.
    #[graphql(name = "startOAuth")]
    async fn start_oauth(&self, ctx: &Context<'_>, input: StartOAuthInput) -> Result<OAuthStart> {
        // Only a LINK reads the token: a stale one sent along with a sign-in harms nothing.
        let intent: Intent = input.intent.into();
        let viewer = match intent {
            Intent::Link => ctx.maybe_viewer().await?,
            Intent::SignIn => None,
        };
        let client = &ctx.credentials().client;
        let started = flows::start(
            ctx.state(),
            viewer.as_deref(),
            &input.provider,
            &input.redirect_uri,
            &input.code_challenge,
            intent,
            client,
        )
        .await?;
        Ok(OAuthStart {
            authorization_url: started.authorization_url,
            expires_at: started.expires_at,
        })
    }

    /// Finishes a round trip with the one-time `code` the browser brought back and the
    /// verifier whose challenge `startOAuth` got. An unknown, used or expired code, or a
    /// verifier that does not match: `BAD_USER_INPUT` on `code`, one message.
    #[graphql(name = "completeOAuth")]
    async fn complete_oauth(
        &self,
        ctx: &Context<'_>,
        code: String,
        code_verifier: String,
    ) -> Result<OAuthResult> {
        let client = &ctx.credentials().client;
        let state = ctx.state();
        // A LINK completes in the session that started it; a sign-in needs no token (a stale
        // one sent along is ignored).
        let viewer = ctx.maybe_viewer().await.ok().flatten();
        let completed =
            flows::complete(state, viewer.as_deref(), &code, &code_verifier, client).await?;
        Ok(match completed {
            Completed::SignedIn(SignIn::Session(user, tokens)) => {
                OAuthResult::AuthPayload(Box::new(AuthPayload::new(
                    *user,
                    tokens,
                    &state.db,
                    state.account_rules(),
                )))
            }
            Completed::SignedIn(SignIn::SecondFactor(challenge)) => {
                OAuthResult::SecondFactorRequired(challenge.into())
            }
            Completed::LinkRequired {
                token,
                email,
                provider,
                expires_at,
            } => OAuthResult::AccountLinkRequired(AccountLinkRequired {
                link_token: token,
                email,
                provider: (&provider).into(),
                expires_at,
            }),
            Completed::Linked(identity, provider) => OAuthResult::IdentityLinked(IdentityLinked {
                identity: LinkedIdentity::new(identity, &provider),
            }),
        })
    }

    /// Unlinks one of the viewer's identities; needs a sign-in or reauthentication within
    /// `--reauthentication-window`. The account's only way to sign in: `CONFLICT`
    /// `LAST_SIGN_IN_METHOD`. Another account's identity: `NOT_FOUND`.
    #[graphql(guard = "Authenticated")]
    async fn unlink_identity(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        let id = validation::id("id", &id)?;
        Ok(links::unlink(ctx.state(), &viewer, id).await?)
    }

    /// The first password of an account made by a provider sign-in; needs a sign-in or
    /// reauthentication within `--reauthentication-window`. Ends the other sessions and returns
    /// a pair for a new one. An account with a password: `CONFLICT` (use `changePassword`).
    #[graphql(guard = "Authenticated")]
    async fn set_password(&self, ctx: &Context<'_>, new_password: String) -> Result<AuthPayload> {
        let viewer = ctx.viewer().await?;
        let client = &ctx.credentials().client;
        let state = ctx.state();
        let (user, tokens) = account::set_password(state, &viewer, &new_password, client).await?;
        Ok(AuthPayload::new(
            user,
            tokens,
            &state.db,
            state.account_rules(),
        ))
    }

    /// Adds a provider (ADMIN). A slug in use: `CONFLICT` on `slug`.
    #[graphql(guard = "Admin")]
    async fn create_identity_provider(
        &self,
        ctx: &Context<'_>,
        input: IdentityProviderInput,
    ) -> Result<IdentityProvider> {
        let viewer = ctx.viewer().await?;
        let created = providers::create(ctx.state(), &viewer, input.into()).await?;
        Ok(IdentityProvider(created))
    }

    /// Replaces a provider's settings (ADMIN); `clientSecret` left out keeps the stored one.
    #[graphql(guard = "Admin")]
    async fn update_identity_provider(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: IdentityProviderInput,
    ) -> Result<IdentityProvider> {
        let viewer = ctx.viewer().await?;
        let id = validation::id("id", &id)?;
        let updated = providers::update(ctx.state(), &viewer, id, input.into()).await?;
        Ok(IdentityProvider(updated))
    }

    /// Removes a provider and the identities linked through it (ADMIN); an unknown id is
    /// `NOT_FOUND`. While an account signs in only through it: `CONFLICT`
    /// `LAST_SIGN_IN_METHOD` (disable it instead).
    #[graphql(guard = "Admin")]
    async fn delete_identity_provider(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        let id = validation::id("id", &id)?;
        Ok(providers::delete(ctx.state(), &viewer, id).await?)
    }
}
