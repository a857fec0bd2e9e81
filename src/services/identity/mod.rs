//! Sign-in with identity providers (API.md, "Sign-in with identity providers"): any OpenID
//! Connect issuer, Google and GitHub.
//!
//! - `providers`: what an ADMIN configures (`createIdentityProvider` ...), client secrets sealed
//!   with the encryption key and never returned; `signInProviders`.
//! - `outbound`: the one HTTP client that calls providers (no redirects followed, 5 s to
//!   connect, 10 s in all, `--extra-ca-file`), and the cache of discovery documents and keys.
//! - `oidc` and `github`: the two protocols: building the authorization URL, redeeming the
//!   provider's code, and what the provider asserts about the person (`Asserted`).
//! - `flows`: `startOAuth`, the callback and `completeOAuth`; state, nonce, PKCE, one-time codes.
//!   What a flow is for (`Intent`) and what one call to a provider needs (`ProviderCall`) are
//!   here, shared by the flow and the two protocols.
//! - `decisions`: who an asserted identity signs in as, is linked to, or may become.
//! - `links`: identities linked to accounts, linking by a sign-in (`linkToken`), unlinking, and
//!   the rule that no account loses its last way in.

pub mod decisions;
pub mod flows;
pub mod github;
pub mod links;
pub mod oidc;
pub mod outbound;
pub mod providers;

pub use outbound::Identity;

use crate::db::entities::identity_providers::{self, Kind};
use crate::error::AppResult;
use crate::state::AppState;

/// What a provider asserts about the person who signed in there.
#[derive(Debug, Clone)]
pub struct Asserted {
    /// The provider's subject: OIDC `sub`, GitHub's numeric user id.
    pub subject: String,
    /// The email the provider reports, lower-cased.
    pub email: Option<String>,
    /// Whether the provider asserts that the person proved `email`.
    pub email_verified: bool,
    /// Google's hosted domain (`hd`), for `allowedEmailDomains`.
    pub hosted_domain: Option<String>,
}

/// Why a flow was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    SignIn,
    Link,
}

impl Intent {
    pub fn name(self) -> &'static str {
        match self {
            Intent::SignIn => "SIGN_IN",
            Intent::Link => "LINK",
        }
    }
}

/// What one call to a provider needs: its settings, where it sends the browser back, and this
/// flow's values.
pub struct ProviderCall<'a> {
    pub identity: &'a Identity,
    pub kind: Kind,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub scopes: Vec<String>,
    pub callback: String,
    pub state: &'a str,
    pub nonce: &'a str,
}

impl<'a> ProviderCall<'a> {
    fn new(
        state: &'a AppState,
        provider: &identity_providers::Model,
        flow_state: &'a str,
        nonce: &'a str,
    ) -> AppResult<Self> {
        Ok(Self {
            identity: &state.identity,
            kind: provider.kind,
            issuer: providers::issuer(provider),
            client_id: provider.client_id.clone(),
            client_secret: providers::client_secret(&state.encryption, provider)?,
            scopes: providers::scopes(provider),
            callback: state.identity.callback_url(&provider.slug)?,
            state: flow_state,
            nonce,
        })
    }
}

/// Deletes provider round trips and link tokens that expired before `before`. Returns how
/// many.
pub async fn prune(
    db: &impl sea_orm::ConnectionTrait,
    before: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    // A code handed out just before its flow expired stays redeemable for its own minute.
    let flows = flows::prune(db, before - flows::CODE_TTL).await?;
    Ok(links::prune(db, before).await? + flows)
}
