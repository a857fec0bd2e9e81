//! The key pairs one replica signs and verifies access tokens with, as the database last said
//! (`services::keys::signing` reads them; a task in `app` refreshes them every few seconds):
//! the one that signs, and every published key with how long its tokens are accepted. Swapped
//! whole, so a request sees one consistent set; shared by every clone of `TokenKeys`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use tokio::sync::Notify;

use crate::auth::key_pairs::{self, PublicJwk};
use crate::auth::verified_claims::VerifiedClaims;
use crate::error::AppResult;

/// The key pair that signs access tokens: its `kid`, its algorithm and its private key.
#[derive(Clone)]
pub struct SigningKey {
    pub(super) kid: String,
    pub(super) algorithm: Algorithm,
    pub(super) encoding: EncodingKey,
}

impl SigningKey {
    /// The signing half of the published key `public`, from its private key in PKCS#8 DER.
    pub fn new(public: &PublicJwk, private_pkcs8: &[u8]) -> AppResult<Self> {
        let algorithm = public.algorithm()?;
        Ok(Self {
            kid: public.kid.clone(),
            algorithm,
            encoding: key_pairs::encoding_key(algorithm, private_pkcs8)?,
        })
    }

    /// The `kid` its tokens carry.
    pub fn kid(&self) -> &str {
        &self.kid
    }
}

/// A key to publish, and until when (Unix seconds) its tokens are accepted: `None` for as long
/// as it is published (`NEXT`, `CURRENT`), the end of the grace for a `PREVIOUS` key.
#[derive(Debug, Clone)]
pub struct Published {
    pub jwk: PublicJwk,
    pub accepted_until: Option<i64>,
}

/// A published key, ready to verify the tokens that name it, with its one algorithm.
pub(super) struct PublishedKey {
    pub(super) jwk: PublicJwk,
    pub(super) decoding: DecodingKey,
    pub(super) validation: Validation,
    pub(super) accepted_until: Option<i64>,
}

impl PublishedKey {
    /// Whether a token of this key is still honoured at `now` (Unix seconds).
    pub(super) fn accepts_at(&self, now: i64) -> bool {
        self.accepted_until.is_none_or(|until| now <= until)
    }
}

/// One consistent set: what signs and what is published, by `kid`.
#[derive(Default)]
pub(super) struct Keys {
    /// Whether tokens are signed with key pairs at all (else with the HMAC secret).
    pub(super) key_pairs: bool,
    /// `None` under key pairs: no usable key (the log says why), and no token is issued.
    pub(super) signing: Option<SigningKey>,
    pub(super) published: HashMap<String, PublishedKey>,
}

#[derive(Default)]
pub struct KeyRing {
    keys: RwLock<Arc<Keys>>,
    /// Tokens already verified with a published key. A key that leaves the ring takes its
    /// tokens with it: the ring is consulted before this cache.
    pub(super) verified: VerifiedClaims,
    /// Rung when the database refused a token's key that this replica still trusts: the
    /// refresher reloads at once instead of at its next tick.
    stale: Notify,
    /// When key pairs were first installed.
    since: OnceLock<i64>,
}

impl KeyRing {
    /// The current set.
    pub(super) fn keys(&self) -> Arc<Keys> {
        self.keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Replaces the set: `published` are published and accepted, each checked against
    /// `validation` made for its algorithm; `signing` signs if it is among them and accepted at
    /// `now` (else nothing does, and the caller is told).
    pub(super) fn install(
        &self,
        signing: Option<SigningKey>,
        published: &[Published],
        validation: impl Fn(Algorithm) -> Validation,
        now: i64,
    ) -> AppResult<bool> {
        let mut keys = HashMap::with_capacity(published.len());
        for key in published {
            let algorithm = key.jwk.algorithm()?;
            let ready = PublishedKey {
                decoding: key.jwk.decoding_key()?,
                validation: validation(algorithm),
                jwk: key.jwk.clone(),
                accepted_until: key.accepted_until,
            };
            keys.insert(key.jwk.kid.clone(), ready);
        }
        let signing = signing.filter(|signing| {
            keys.get(&signing.kid)
                .is_some_and(|key| key.accepts_at(now))
        });
        let usable = signing.is_some();
        let keys = Arc::new(Keys {
            key_pairs: true,
            signing,
            published: keys,
        });
        let _ = self.since.set(now);
        *self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = keys;
        Ok(usable)
    }

    /// When key pairs were first installed (Unix seconds): HMAC tokens issued later are not
    /// Roster's own.
    pub(super) fn since(&self) -> Option<i64> {
        self.since.get().copied()
    }

    /// The key that signs now, if a key pair does.
    pub fn signing(&self) -> Option<SigningKey> {
        self.keys().signing.clone()
    }

    /// Asks the refresher to reload now.
    pub fn mark_stale(&self) {
        self.stale.notify_one();
    }

    /// Resolves when `mark_stale` was called (for the refresher).
    pub async fn stale(&self) {
        self.stale.notified().await;
    }
}
