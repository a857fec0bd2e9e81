//! The identity-provider types: providers as sign-in pages and ADMINs see them, linked
//! identities, and what a provider round trip ends in (`OAuthResult`).

use async_graphql::{Enum, ID, InputObject, Object, SimpleObject, Union};
use chrono::{DateTime, Utc};

use crate::db::entities::identity_providers::{self, Kind};
use crate::db::entities::user_identities;
use crate::graphql::types::{AuthPayload, SecondFactorRequired};
use crate::services::identity::providers::{self, ProviderInput};

/// What protocol a provider speaks.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::db::entities::identity_providers::Kind")]
pub enum IdentityProviderKind {
    /// Any OpenID Connect issuer, by discovery.
    #[graphql(name = "OIDC")]
    Oidc,
    /// Google (OpenID Connect; `hd` checked against `allowedEmailDomains`).
    #[graphql(name = "GOOGLE")]
    Google,
    /// GitHub or a GitHub Enterprise Server (OAuth 2 and its REST API).
    #[graphql(name = "GITHUB")]
    Github,
}

/// Why a provider round trip is started.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "OAuthIntent", remote = "crate::services::identity::Intent")]
pub enum OAuthIntent {
    /// Sign in (or sign up) with the provider.
    SignIn,
    /// Link the provider to the signed-in account.
    Link,
}

/// A provider as a sign-in page shows it; public.
#[derive(SimpleObject, Clone)]
pub struct SignInProvider {
    pub slug: String,
    pub display_name: String,
    pub kind: IdentityProviderKind,
}

impl From<&identity_providers::Model> for SignInProvider {
    fn from(model: &identity_providers::Model) -> Self {
        Self {
            slug: model.slug.clone(),
            display_name: model.display_name.clone(),
            kind: model.kind.into(),
        }
    }
}

/// A provider's settings (ADMIN). The client secret is never returned.
pub struct IdentityProvider(pub identity_providers::Model);

#[Object]
impl IdentityProvider {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// In the callback URL to register at the provider: `{public-url}/oauth/{slug}/callback`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn kind(&self) -> IdentityProviderKind {
        self.0.kind.into()
    }
    /// OIDC: the issuer, discovered at `{issuer}/.well-known/openid-configuration`. GOOGLE:
    /// `https://accounts.google.com` unless set. GITHUB: a GitHub Enterprise Server's base URL,
    /// `https://github.com` unless set.
    async fn issuer(&self) -> Option<&str> {
        self.0.issuer.as_deref()
    }
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    /// What is asked of the provider (default: `openid email profile`; GITHUB: `read:user
    /// user:email`).
    async fn scopes(&self) -> Vec<String> {
        providers::scopes(&self.0)
    }
    /// The email domains that may sign in through this provider; empty: any.
    async fn allowed_email_domains(&self) -> Vec<String> {
        providers::allowed_email_domains(&self.0)
    }
    /// Whether a person without an account gets one.
    async fn allow_sign_up(&self) -> bool {
        self.0.allow_sign_up
    }
    /// Whether an identity whose verified email is an account's verified email is linked to
    /// it without a sign-in to that account.
    async fn auto_link_verified_email(&self) -> bool {
        self.0.auto_link_verified_email
    }
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// An account's identity at a provider.
pub struct LinkedIdentity {
    pub identity: user_identities::Model,
    pub provider: SignInProvider,
}

impl LinkedIdentity {
    pub fn new(identity: user_identities::Model, provider: &identity_providers::Model) -> Self {
        Self {
            identity,
            provider: provider.into(),
        }
    }
}

#[Object]
impl LinkedIdentity {
    async fn id(&self) -> ID {
        ID(self.identity.id.to_string())
    }
    async fn provider(&self) -> &SignInProvider {
        &self.provider
    }
    /// As the provider last reported it.
    async fn email(&self) -> Option<&str> {
        self.identity.email.as_deref()
    }
    async fn linked_at(&self) -> DateTime<Utc> {
        self.identity.linked_at
    }
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.identity.last_used_at
    }
}

/// Where to send the browser.
#[derive(SimpleObject)]
#[graphql(name = "OAuthStart")]
pub struct OAuthStart {
    pub authorization_url: String,
    /// 10 minutes from now.
    pub expires_at: DateTime<Utc>,
}

/// An account with this email exists: sign in to it with `signIn({login, password,
/// linkToken})` to link the provider.
#[derive(SimpleObject)]
pub struct AccountLinkRequired {
    /// Opaque, single use, 30 minutes.
    pub link_token: String,
    pub email: String,
    pub provider: SignInProvider,
    pub expires_at: DateTime<Utc>,
}

/// The provider is now linked to the signed-in account.
pub struct IdentityLinked {
    pub identity: LinkedIdentity,
}

#[Object]
impl IdentityLinked {
    async fn identity(&self) -> &LinkedIdentity {
        &self.identity
    }
}

/// What a provider round trip ends in.
#[derive(Union)]
#[graphql(name = "OAuthResult")]
pub enum OAuthResult {
    AuthPayload(Box<AuthPayload>),
    SecondFactorRequired(SecondFactorRequired),
    AccountLinkRequired(AccountLinkRequired),
    IdentityLinked(IdentityLinked),
}

/// `startOAuth`'s input.
#[derive(InputObject)]
#[graphql(name = "StartOAuthInput")]
pub struct StartOAuthInput {
    /// The provider's slug.
    pub provider: String,
    /// Exactly one of `--oauth-redirect-uris` (default `{public-url}/oauth/complete`).
    pub redirect_uri: String,
    /// BASE64URL(SHA-256(codeVerifier)) of a verifier (43 to 128 characters) the frontend
    /// keeps for `completeOAuth`.
    pub code_challenge: String,
    #[graphql(default_with = "OAuthIntent::SignIn")]
    pub intent: OAuthIntent,
}

/// A provider's settings.
#[derive(InputObject)]
pub struct IdentityProviderInput {
    /// 2 to 40 of `a-z`, `0-9` and `-`; unique.
    pub slug: String,
    pub display_name: String,
    pub kind: IdentityProviderKind,
    /// An `https://` URL (`http://` only to a loopback address, outside production).
    pub issuer: Option<String>,
    pub client_id: String,
    /// Write-only; left out of an update: unchanged.
    pub client_secret: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub allowed_email_domains: Option<Vec<String>>,
    #[graphql(default = true)]
    pub allow_sign_up: bool,
    #[graphql(default = false)]
    pub auto_link_verified_email: bool,
    #[graphql(default = true)]
    pub enabled: bool,
}

impl From<IdentityProviderInput> for ProviderInput {
    fn from(input: IdentityProviderInput) -> Self {
        Self {
            slug: input.slug,
            display_name: input.display_name,
            kind: Kind::from(input.kind),
            issuer: input.issuer,
            client_id: input.client_id,
            client_secret: input.client_secret,
            scopes: input.scopes,
            allowed_email_domains: input.allowed_email_domains,
            allow_sign_up: input.allow_sign_up,
            auto_link_verified_email: input.auto_link_verified_email,
            enabled: input.enabled,
        }
    }
}
