//! `AppState`: what every request shares (the pool, the token keys, the password hasher, the
//! rate limits, the mail queue's bell, the settings requests read). It lives on the GraphQL
//! schema and in the axum router; what belongs to one request (its credentials, fresh
//! loaders) is built per request in `graphql::Api`. Cloning it is one reference count:
//! every request takes a copy, and a deep copy (the token keys, the validation rules) cost a
//! `me` request 7% of its instructions.

use std::ops::Deref;
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::password::Passwords;
use crate::auth::rate_limits::RateLimits;
use crate::auth::tokens::TokenKeys;
use crate::auth::viewer::AccountRules;
use crate::config::RequireMfa;
use crate::mail::MailQueue;
use crate::services::keys::encryption::EncryptionKeys;

#[derive(Clone)]
pub struct AppState(Arc<State>);

impl AppState {
    pub fn new(state: State) -> Self {
        Self(Arc::new(state))
    }
}

impl Deref for AppState {
    type Target = State;

    fn deref(&self) -> &State {
        &self.0
    }
}

/// What `AppState` shares.
pub struct State {
    pub db: DatabaseConnection,
    pub keys: TokenKeys,
    pub passwords: Passwords,
    pub rate_limits: RateLimits,
    /// The mailer and the bell of this replica's delivery task.
    pub mail: Arc<MailQueue>,
    /// `--require-verified-email`.
    pub require_verified_email: bool,
    /// `--reauthentication-window`, in seconds.
    pub reauthentication_window_secs: i64,
    /// `--require-mfa`: whose accounts must hold a second factor.
    pub require_mfa: RequireMfa,
    /// `--totp-issuer`: the name authenticator apps show.
    pub totp_issuer: String,
    /// What seals the secrets Roster reads back (TOTP secrets, recovery-code keys).
    pub encryption: EncryptionKeys,
    /// Identity providers: the outbound HTTP client, discovery cache and callback URLs.
    pub identity: Arc<crate::services::identity::Identity>,
    /// Passkeys: the relying party (decided when the server listens) and the fake ids.
    pub passkeys: Arc<crate::services::passkeys::Passkeys>,
    /// Under ES256 or EdDSA, what keeps the key pairs as the database says.
    pub key_pairs: Option<crate::app::signing_keys::KeyPairs>,
}

impl State {
    /// What `--require-verified-email` and `--require-mfa` ask of each account.
    pub fn account_rules(&self) -> AccountRules {
        AccountRules {
            require_verified_email: self.require_verified_email,
            require_mfa: self.require_mfa,
        }
    }
}
