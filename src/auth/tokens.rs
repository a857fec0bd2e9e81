//! Tokens. Access tokens are JWTs naming the user (`sub`) and the session (`sid`), signed with
//! the HMAC secret (HS256, no `kid`) or with the current key pair (ES256 or EdDSA, its `kid` in
//! the header). Every claim is required on verify, and a token is verified only the way its
//! header's `kid` allows: without one, HS256 with the secret; with one, that published key and
//! its own algorithm. `jku`, `x5u` and `jwk` headers are never read. Refresh tokens are opaque:
//! the session id followed by 256 random bits, of which the database keeps only a SHA-256.
//! Putting the session id in the token lets a replayed, already-rotated token find (and
//! revoke) its session even though its hash no longer matches anything.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use crate::auth::key_ring::{Published, SigningKey};

use crate::auth::key_pairs::PublicJwk;
use crate::auth::key_ring::KeyRing;
use crate::db::entities::sessions::{AssuranceLevel, Method};
use crate::error::{AppError, AppResult};

/// `iss` and `aud` of every access token unless `--jwt-issuer` / `--jwt-audience` say otherwise.
const DEFAULT_ISSUER: &str = "roster";
const DEFAULT_AUDIENCE: &str = "roster";
/// How long after a key pair stops signing its tokens stay accepted, beyond their own
/// lifetime (API.md: the access-token TTL plus 5 minutes).
pub const GRACE_BEYOND_TTL_SECS: i64 = 5 * 60;
/// `typ` of an access token; anything else (a future token kind) is refused.
const ACCESS_TYPE: &str = "access";
/// How far in the future a token's `iat` may lie: replicas' clocks drift a little (NTP keeps
/// them within far less), never by minutes.
const MAX_CLOCK_AHEAD_SECS: i64 = 60;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    sid: Uuid,
    iat: i64,
    exp: i64,
    iss: String,
    aud: String,
    typ: String,
    /// For other services, what the sign-in proved: `aal1` or `aal2`, and RFC 8176 method
    /// names. Roster itself reads the session, never these; tokens from before they existed
    /// lack them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aal: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    amr: Vec<String>,
}

/// `aal` and `amr` for a session signed in by `proof`: `pwd` for a password, `otp` for a code
/// (an app's or a recovery code), `hwk` for a passkey, and `mfa` once a second factor is among
/// them. A provider or a reset link has no RFC 8176 name and adds none.
fn assurance_claims(proof: &[Method]) -> (String, Vec<String>) {
    let mut amr: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if !amr.iter().any(|known| known == name) {
            amr.push(name.to_owned());
        }
    };
    for method in proof {
        match method {
            Method::Password => add("pwd"),
            Method::Totp | Method::RecoveryCode => add("otp"),
            Method::Passkey => add("hwk"),
            Method::Oidc | Method::PasswordReset => {}
        }
    }
    let aal = match AssuranceLevel::of(proof) {
        AssuranceLevel::Aal1 => "aal1",
        AssuranceLevel::Aal2 => {
            add("mfa");
            "aal2"
        }
    };
    (aal.to_owned(), amr)
}

/// Who an access token speaks for. Still to be checked against the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub user_id: Uuid,
    pub session_id: Uuid,
    /// The key pair it was signed with; `None`: the HMAC secret.
    pub kid: Option<String>,
}

/// Signs and verifies access tokens; knows both token lifetimes.
#[derive(Clone)]
pub struct TokenKeys {
    hmac_encoding: EncodingKey,
    hmac_decoding: DecodingKey,
    hmac_validation: Validation,
    /// The key pairs, when tokens are signed with one (shared by every clone, refreshed from
    /// the database); empty under HS256.
    ring: Arc<KeyRing>,
    issuer: String,
    audience: String,
    pub access_ttl_secs: i64,
    pub refresh_ttl_secs: i64,
    /// Longest a session lives from its login, however often it is refreshed.
    pub session_max_age_secs: i64,
}

/// 30 days, API.md's default for `--session-max-age`.
const DEFAULT_SESSION_MAX_AGE_SECS: i64 = 30 * 24 * 3600;

impl TokenKeys {
    /// HS256 keys with the secret `secret`, `iss` and `aud` their defaults.
    pub fn new(secret: &[u8], access_ttl_secs: u32, refresh_ttl_secs: u32) -> Self {
        Self {
            hmac_encoding: EncodingKey::from_secret(secret),
            hmac_decoding: DecodingKey::from_secret(secret),
            hmac_validation: validation(Algorithm::HS256, DEFAULT_ISSUER, DEFAULT_AUDIENCE),
            ring: Arc::default(),
            issuer: DEFAULT_ISSUER.to_owned(),
            audience: DEFAULT_AUDIENCE.to_owned(),
            access_ttl_secs: i64::from(access_ttl_secs),
            refresh_ttl_secs: i64::from(refresh_ttl_secs),
            session_max_age_secs: DEFAULT_SESSION_MAX_AGE_SECS,
        }
    }

    /// The same keys with sessions ending `secs` after their login at the latest.
    pub fn with_session_max_age(mut self, secs: u32) -> Self {
        self.session_max_age_secs = i64::from(secs);
        self
    }

    /// The same keys issuing and requiring `iss` and `aud` (call before installing key pairs).
    pub fn with_claims(mut self, issuer: &str, audience: &str) -> Self {
        self.issuer = issuer.to_owned();
        self.audience = audience.to_owned();
        self.hmac_validation = validation(Algorithm::HS256, issuer, audience);
        self
    }

    /// From now on, publishes and accepts tokens of the keys `published`, besides HS256 tokens
    /// without `kid` issued before the first call, and signs with `signing` if it is among them
    /// and accepted; every clone sees it. Whether a key signs: if not, no token is issued.
    pub fn install_key_pairs(
        &self,
        signing: Option<SigningKey>,
        published: &[Published],
    ) -> AppResult<bool> {
        let now = Utc::now().timestamp();
        self.ring.install(
            signing,
            published,
            |algorithm| validation(algorithm, &self.issuer, &self.audience),
            now,
        )
    }

    /// How long a key pair's tokens stay accepted after it stopped signing.
    pub fn grace_secs(&self) -> i64 {
        self.access_ttl_secs + GRACE_BEYOND_TTL_SECS
    }

    /// The key pairs, for the task that keeps them as the database says.
    pub fn ring(&self) -> &KeyRing {
        &self.ring
    }

    /// The public keys to publish, by `kid`; none in HS256 mode.
    pub fn published(&self) -> Vec<PublicJwk> {
        let keys = self.ring.keys();
        let mut published: Vec<PublicJwk> =
            keys.published.values().map(|key| key.jwk.clone()).collect();
        published.sort_by(|a, b| a.kid.cmp(&b.kid));
        published
    }

    /// The `kid` of the key pair that signs, if one does.
    pub fn signing_kid(&self) -> Option<String> {
        self.ring.keys().signing.as_ref().map(|key| key.kid.clone())
    }

    /// `iss` of the access tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// A signed access token for `session_id` of `user_id`, signed in by `proof`, valid from
    /// `now`.
    pub fn issue_access(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        proof: &[Method],
        now: DateTime<Utc>,
    ) -> AppResult<String> {
        let (aal, amr) = assurance_claims(proof);
        let claims = Claims {
            sub: user_id,
            sid: session_id,
            iat: now.timestamp(),
            exp: now.timestamp() + self.access_ttl_secs,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            typ: ACCESS_TYPE.to_owned(),
            aal: Some(aal),
            amr,
        };
        let keys = self.ring.keys();
        let (header, key) = match &keys.signing {
            Some(signing) => {
                let mut header = Header::new(signing.algorithm);
                header.kid = Some(signing.kid.clone());
                (header, &signing.encoding)
            }
            None if keys.key_pairs => {
                return Err(AppError::internal(
                    "no usable signing key: the log of the key reload says why",
                ));
            }
            None => (Header::new(Algorithm::HS256), &self.hmac_encoding),
        };
        jsonwebtoken::encode(&header, &claims, key).map_err(AppError::internal)
    }

    /// The claims of a well-signed, unexpired access token, issued no later than
    /// `MAX_CLOCK_AHEAD_SECS` from now; `None` for anything else.
    pub fn verify_access(&self, token: &str) -> Option<AccessClaims> {
        // The header only chooses the key; the algorithm must then be that key's own
        // (`decode` refuses any other), and an unknown `kid` is refused outright.
        let now = Utc::now().timestamp();
        // While only the HMAC secret has ever signed, an HMAC token checked once stays checked
        // too (decoding and checking it was a tenth of a `me` request). Once key pairs are
        // installed, HMAC tokens are checked anew each time against that moment (below).
        let hmac_only = self.ring.since().is_none();
        if hmac_only
            && let Some(claims) = self.ring.verified.get(token, now)
            && claims.kid.is_none()
        {
            return Some(claims);
        }
        let header = jsonwebtoken::decode_header(token).ok()?;
        let keys;
        let (key, validation) = match header.kid.as_deref() {
            None => (&self.hmac_decoding, &self.hmac_validation),
            Some(kid) => {
                keys = self.ring.keys();
                let Some(key) = keys.published.get(kid) else {
                    // Perhaps a key another replica made moments ago: reload soon (the
                    // reloads this asks for are at most one a second).
                    self.ring.mark_stale();
                    return None;
                };
                if !key.accepts_at(now) {
                    return None;
                }
                // A signature checked once stays checked: the token cannot change.
                if let Some(claims) = self.ring.verified.get(token, now) {
                    return Some(claims);
                }
                (&key.decoding, &key.validation)
            }
        };
        let data = jsonwebtoken::decode::<Claims>(token, key, validation).ok()?;
        let claims = data.claims;
        // Issued in the future: signed on a clock far ahead (the token would outlive its
        // lifetime here) or not by `issue_access` at all. Neither is honoured.
        let issued_in_time = claims.iat <= now + MAX_CLOCK_AHEAD_SECS;
        // Never longer-lived than the tokens Roster issues.
        let lifetime_ours = claims.exp - claims.iat <= self.access_ttl_secs;
        // Under key pairs, an HMAC token is one from before the switch, or not Roster's.
        let hmac_from_before =
            header.kid.is_some() || self.ring.since().is_none_or(|since| claims.iat <= since);
        if claims.typ != ACCESS_TYPE || !issued_in_time || !lifetime_ours || !hmac_from_before {
            return None;
        }
        let access = AccessClaims {
            user_id: claims.sub,
            session_id: claims.sid,
            kid: header.kid,
        };
        if access.kid.is_some() || hmac_only {
            self.ring
                .verified
                .insert(token, access.clone(), claims.exp, now);
        }
        Some(access)
    }
}

/// What a token verified with `algorithm` must hold: every claim, `iss` and `aud` ours.
fn validation(algorithm: Algorithm, issuer: &str, audience: &str) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    // None: an expired token is refused at once, as API.md says. Skew between replicas
    // only moves expiry by that skew; a client then refreshes a little early or late.
    validation.leeway = 0;
    validation.validate_nbf = true;
    validation
}

/// A new refresh token for `session_id`, and the hash to store.
pub fn new_refresh_token(session_id: Uuid) -> AppResult<(String, String)> {
    let mut bytes = [0u8; 48];
    bytes[..16].copy_from_slice(session_id.as_bytes());
    getrandom::fill(&mut bytes[16..]).map_err(|e| AppError::internal(e.to_string()))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    Ok((token, hash))
}

/// The session a refresh token claims to belong to, or `None` when it is not one of ours.
pub fn refresh_token_session(token: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    (bytes.len() == 48)
        .then(|| Uuid::from_slice(&bytes[..16]).ok())
        .flatten()
}

/// A single-use token for a mailed link (256 random bits, base64url), and the hash to store.
pub fn new_link_token() -> AppResult<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    Ok((token, hash))
}

/// What the database stores for a refresh or link token: SHA-256, base64url. A fast hash is
/// right here: each token carries 256 random bits, so there is nothing to brute-force.
pub fn hash_token(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.trim().as_bytes()))
}

/// base64url without padding, for random bytes that must travel as text.
pub fn encode_base64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7u8; 32], 900, 3600)
    }

    #[test]
    fn access_tokens_round_trip() {
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let token = keys().issue_access(user, session, &[], Utc::now()).unwrap();
        assert_eq!(
            keys().verify_access(&token),
            Some(AccessClaims {
                user_id: user,
                session_id: session,
                kid: None,
            })
        );
    }

    #[test]
    fn expired_foreign_and_tampered_tokens_are_refused() {
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        // Expired two seconds ago: refused, no grace period.
        let old = Utc::now() - chrono::Duration::seconds(900 + 2);
        assert_eq!(
            keys().verify_access(&keys().issue_access(user, session, &[], old).unwrap()),
            None
        );
        let fresh = Utc::now() - chrono::Duration::seconds(900 - 60);
        assert!(
            keys()
                .verify_access(&keys().issue_access(user, session, &[], fresh).unwrap())
                .is_some()
        );

        let other = TokenKeys::new(&[8u8; 32], 900, 3600);
        assert_eq!(
            keys().verify_access(&other.issue_access(user, session, &[], Utc::now()).unwrap()),
            None
        );

        let token = keys().issue_access(user, session, &[], Utc::now()).unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        parts[0] = &none_header;
        assert_eq!(keys().verify_access(&parts.join(".")), None);
    }

    #[test]
    fn a_remembered_hmac_token_is_still_only_itself_and_only_until_it_expires() {
        let keys = keys();
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let token = keys.issue_access(user, session, &[], Utc::now()).unwrap();
        let claims = keys.verify_access(&token).expect("valid");
        // Remembered: the same answer from memory.
        assert_eq!(keys.verify_access(&token), Some(claims));
        // Another payload under its signature, or its signature cut short, is not it.
        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD.encode(
            format!(
                r#"{{"sub":"{}","sid":"{}","iat":{},"exp":{},"iss":"roster","aud":"roster","typ":"access"}}"#,
                Uuid::new_v4(),
                session,
                Utc::now().timestamp(),
                Utc::now().timestamp() + 900
            )
            .as_bytes(),
        );
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(keys.verify_access(&forged), None);
        assert_eq!(keys.verify_access(&token[..token.len() - 1]), None);
        // A token remembered and since expired is refused.
        let old = Utc::now() - chrono::Duration::seconds(900 - 1);
        let expiring = keys.issue_access(user, session, &[], old).unwrap();
        assert!(keys.verify_access(&expiring).is_some());
        std::thread::sleep(std::time::Duration::from_millis(2100));
        assert_eq!(keys.verify_access(&expiring), None);
    }

    #[test]
    fn a_token_issued_more_than_a_minute_ahead_is_refused() {
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let issued = |ahead: i64| {
            let at = Utc::now() + chrono::Duration::seconds(ahead);
            keys().issue_access(user, session, &[], at).unwrap()
        };
        assert_eq!(keys().verify_access(&issued(300)), None);
        assert_eq!(
            keys().verify_access(&issued(MAX_CLOCK_AHEAD_SECS + 5)),
            None
        );
        assert!(keys().verify_access(&issued(30)).is_some());
    }

    /// HS256 keys that sign with a new key pair of `algorithm`.
    fn key_pair_keys(algorithm: crate::config::JwtAlgorithm) -> TokenKeys {
        let pair = crate::auth::key_pairs::KeyPair::generate(algorithm).unwrap();
        let signing = SigningKey::new(&pair.public, &pair.private_pkcs8).unwrap();
        let keys = keys();
        let published = Published {
            jwk: pair.public.clone(),
            accepted_until: None,
        };
        assert!(keys.install_key_pairs(Some(signing), &[published]).unwrap());
        keys
    }

    fn header(token: &str) -> serde_json::Value {
        let encoded = token.split('.').next().unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(encoded).unwrap()).unwrap()
    }

    #[test]
    fn key_pairs_sign_with_their_kid_and_algorithm() {
        use crate::config::JwtAlgorithm;
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        for algorithm in [JwtAlgorithm::Es256, JwtAlgorithm::EdDsa] {
            let keys = key_pair_keys(algorithm);
            let token = keys.issue_access(user, session, &[], Utc::now()).unwrap();
            let header = header(&token);
            assert_eq!(header["alg"], algorithm.name());
            assert_eq!(header["kid"], keys.published()[0].kid.as_str());
            assert!(keys.verify_access(&token).is_some(), "{algorithm:?}");
            // Another replica's keys without this key pair refuse its tokens.
            assert_eq!(key_pair_keys(algorithm).verify_access(&token), None);
            assert_eq!(self::keys().verify_access(&token), None);
        }
    }

    #[test]
    fn tokens_without_kid_stay_hs256_only() {
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let old = keys().issue_access(user, session, &[], Utc::now()).unwrap();
        assert!(header(&old).get("kid").is_none());
        let keys = key_pair_keys(crate::config::JwtAlgorithm::Es256);
        assert!(keys.verify_access(&old).is_some());

        // HS256 under the published key's kid, with its public `x` as the secret.
        let jwk = keys.published()[0].clone();
        let mut forged_header = Header::new(Algorithm::HS256);
        forged_header.kid = Some(jwk.kid.clone());
        let claims = Claims {
            sub: user,
            sid: session,
            iat: Utc::now().timestamp(),
            exp: Utc::now().timestamp() + 60,
            iss: DEFAULT_ISSUER.into(),
            aud: DEFAULT_AUDIENCE.into(),
            typ: ACCESS_TYPE.into(),
            aal: None,
            amr: Vec::new(),
        };
        let forged = jsonwebtoken::encode(
            &forged_header,
            &claims,
            &EncodingKey::from_secret(jwk.x.as_bytes()),
        )
        .unwrap();
        assert_eq!(keys.verify_access(&forged), None);

        let mut unknown = Header::new(Algorithm::HS256);
        unknown.kid = Some("no-such-key".into());
        let secret = EncodingKey::from_secret(&[7u8; 32]);
        let forged = jsonwebtoken::encode(&unknown, &claims, &secret).unwrap();
        assert_eq!(keys.verify_access(&forged), None);
    }

    #[test]
    fn under_key_pairs_hmac_tokens_are_only_those_from_before_the_switch() {
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let before = keys().issue_access(user, session, &[], Utc::now()).unwrap();
        let keys = key_pair_keys(crate::config::JwtAlgorithm::EdDsa);
        assert!(keys.verify_access(&before).is_some());
        // Signed with the secret after the switch: not Roster's.
        let later = Utc::now() + chrono::Duration::seconds(5);
        let minted = self::keys()
            .issue_access(user, session, &[], later)
            .unwrap();
        assert_eq!(keys.verify_access(&minted), None);
    }

    #[test]
    fn a_token_living_longer_than_the_access_ttl_is_refused() {
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let long_lived = TokenKeys::new(&[7u8; 32], 900 + 1, 3600)
            .issue_access(user, session, &[], Utc::now())
            .unwrap();
        assert_eq!(keys().verify_access(&long_lived), None);
        let same = TokenKeys::new(&[7u8; 32], 900, 3600)
            .issue_access(user, session, &[], Utc::now())
            .unwrap();
        assert!(keys().verify_access(&same).is_some());
    }

    #[test]
    fn tokens_say_what_their_session_proved_in_rfc_8176_names() {
        let claims = |proof: &[Method]| {
            let token = keys()
                .issue_access(Uuid::new_v4(), Uuid::new_v4(), proof, Utc::now())
                .unwrap();
            let payload = token.split('.').nth(1).unwrap();
            let claims: serde_json::Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
            (claims["aal"].clone(), claims.get("amr").cloned())
        };
        use serde_json::json;
        assert_eq!(
            claims(&[Method::Password]),
            (json!("aal1"), Some(json!(["pwd"])))
        );
        assert_eq!(
            claims(&[Method::Password, Method::Totp]),
            (json!("aal2"), Some(json!(["pwd", "otp", "mfa"])))
        );
        assert_eq!(
            claims(&[Method::Passkey]),
            (json!("aal2"), Some(json!(["hwk", "mfa"])))
        );
        assert_eq!(claims(&[Method::PasswordReset]), (json!("aal1"), None));
    }

    #[test]
    fn issuer_and_audience_are_checked() {
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let other = keys().with_claims("https://auth.example.com", "api");
        let token = other.issue_access(user, session, &[], Utc::now()).unwrap();
        assert!(other.verify_access(&token).is_some());
        assert_eq!(keys().verify_access(&token), None);
    }

    #[test]
    fn refresh_tokens_name_their_session_and_hash_stably() {
        let session = Uuid::new_v4();
        let (token, hash) = new_refresh_token(session).unwrap();
        assert_eq!(refresh_token_session(&token), Some(session));
        assert_eq!(hash_token(&token), hash);
        assert_ne!(new_refresh_token(session).unwrap().0, token);
        assert_eq!(refresh_token_session("not-a-token"), None);
    }
}
