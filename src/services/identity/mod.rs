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
