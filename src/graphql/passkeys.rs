//! Passkeys: registering, renaming and removing the viewer's own, signing in with one (with or
//! without a login name), and the ceremonies behind a passkey as a second factor or a
//! reauthentication (their answers go to `verifySecondFactor` and `reauthenticate`). Resolvers
//! are thin: read the context, call a service, convert.

use async_graphql::{Context, ID, Json, Object, Result};

use crate::graphql::context::ContextExt;
use crate::graphql::guards::Authenticated;
use crate::graphql::types::{AuthPayload, Passkey, PasskeyCeremony};
use crate::services::passkeys::{management, registration, second_factor, sign_in};

#[derive(Default)]
pub struct PasskeyMutation;

#[Object]
impl PasskeyMutation {
    /// Options for `navigator.credentials.create()` to add a passkey to the viewer's account.
    /// Needs a `reauthenticate` within `--reauthentication-window` (an account with neither a
    /// password nor a second factor: a sign-in within it), else `FORBIDDEN`
    /// `REAUTHENTICATION_REQUIRED`; an account holding 10 passkeys: `CONFLICT`
    /// `LIMIT_REACHED`.
    #[graphql(guard = "Authenticated")]
    async fn start_passkey_registration(&self, ctx: &Context<'_>) -> Result<PasskeyCeremony> {
        let viewer = ctx.viewer().await?;
        Ok(registration::start(ctx.state(), &viewer).await?.into())
    }

    /// Keeps the passkey the browser created for the ceremony `ceremonyId` (started in this
    /// session). An unknown, used or expired ceremony: `BAD_USER_INPUT` on `ceremonyId`; an
    /// answer that is not a credential, or one WebAuthn refuses (origin, RP ID, challenge, user
    /// verification): on `credential`; a credential already registered: `CONFLICT`. The
    /// account's first second factor ends its other sessions and makes this one `AAL2`.
    #[graphql(guard = "Authenticated")]
    async fn finish_passkey_registration(
        &self,
        ctx: &Context<'_>,
        ceremony_id: ID,
        credential: Json<serde_json::Value>,
        #[graphql(desc = "1 to 100 characters; \"Passkey\" when omitted")] label: Option<String>,
    ) -> Result<Passkey> {
        let viewer = ctx.viewer().await?;
        let passkey = registration::finish(
            ctx.state(),
            &viewer,
            &ceremony_id,
            &credential.0,
            label.as_deref(),
        )
        .await?;
        Ok(passkey.into())
    }

    /// Relabels one of the viewer's passkeys (1 to 100 characters).
    #[graphql(guard = "Authenticated")]
    async fn rename_passkey(&self, ctx: &Context<'_>, id: ID, label: String) -> Result<Passkey> {
        let viewer = ctx.viewer().await?;
        Ok(management::rename(ctx.state(), &viewer, &id, &label)
            .await?
            .into())
    }

    /// Removes one of the viewer's passkeys, after a recent reauthentication; ends the
    /// account's other sessions. `CONFLICT` `LAST_SIGN_IN_METHOD` when nothing else (a
    /// password, an identity at an enabled provider, another passkey) would let the account
    /// in; `FORBIDDEN` `MFA_ENROLLMENT_REQUIRED` for the last second factor of an account
    /// `--require-mfa` covers.
    #[graphql(guard = "Authenticated")]
    async fn delete_passkey(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let viewer = ctx.viewer().await?;
        management::delete(ctx.state(), &viewer, &id).await?;
        Ok(true)
    }

    /// Options for `navigator.credentials.get()` to sign in with a passkey; anyone may ask.
    /// With `login`, the account's passkeys are listed (a login without any gets the same
    /// shape); without, the browser offers its discoverable passkeys for this site.
    async fn start_passkey_sign_in(
        &self,
        ctx: &Context<'_>,
        login: Option<String>,
    ) -> Result<PasskeyCeremony> {
        let client = &ctx.credentials().client;
        Ok(sign_in::start(ctx.state(), login.as_deref(), client)
            .await?
            .into())
    }

    /// Signs in with the browser's answer to a `startPasskeySignIn` ceremony: an `AAL2`
    /// session (methods `PASSKEY`) for the account the credential belongs to. A refused answer:
    /// `UNAUTHENTICATED` "passkey not accepted"; an unknown, used or expired ceremony:
    /// `UNAUTHENTICATED` `CHALLENGE_EXPIRED`.
    async fn finish_passkey_sign_in(
        &self,
        ctx: &Context<'_>,
        ceremony_id: ID,
        credential: Json<serde_json::Value>,
    ) -> Result<AuthPayload> {
        let state = ctx.state();
        let client = &ctx.credentials().client;
        let (user, tokens) = sign_in::finish(state, &ceremony_id, &credential.0, client).await?;
        Ok(AuthPayload::new(
            user,
            tokens,
            &state.db,
            state.account_rules(),
        ))
    }

    /// Options for `navigator.credentials.get()` to give a passkey as the second factor of the
    /// sign-in `challengeToken` names; the answer goes to `verifySecondFactor({passkey})`.
    async fn start_passkey_challenge(
        &self,
        ctx: &Context<'_>,
        challenge_token: String,
    ) -> Result<PasskeyCeremony> {
        let client = &ctx.credentials().client;
        Ok(
            second_factor::start_challenge(ctx.state(), &challenge_token, client)
                .await?
                .into(),
        )
    }

    /// Options for `navigator.credentials.get()` to reauthenticate with one of the viewer's
    /// passkeys; the answer goes to `reauthenticate({passkey})`.
    #[graphql(guard = "Authenticated")]
    async fn start_passkey_reauthentication(&self, ctx: &Context<'_>) -> Result<PasskeyCeremony> {
        let viewer = ctx.viewer().await?;
        Ok(second_factor::start_reauthentication(ctx.state(), &viewer)
            .await?
            .into())
    }
}
