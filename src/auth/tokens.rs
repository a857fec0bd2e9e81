//! Tokens. Access tokens are HS256 JWTs naming the user (`sub`) and the session (`sid`);
//! every claim is required on verify and the algorithm is pinned. Refresh tokens are opaque:
//! the session id followed by 256 random bits, of which the database keeps only a SHA-256.
//! Putting the session id in the token lets a replayed, already-rotated token find (and
//! revoke) its session even though its hash no longer matches anything.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// `iss` and `aud` of every access token.
const ISSUER: &str = "roster";
const AUDIENCE: &str = "roster";
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
}

/// Who an access token speaks for. Still to be checked against the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessClaims {
    pub user_id: Uuid,
    pub session_id: Uuid,
}

/// Signs and verifies access tokens; knows both token lifetimes.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl_secs: i64,
    pub refresh_ttl_secs: i64,
    /// Longest a session lives from its login, however often it is refreshed.
    pub session_max_age_secs: i64,
}

/// 30 days, API.md's default for `--session-max-age`.
const DEFAULT_SESSION_MAX_AGE_SECS: i64 = 30 * 24 * 3600;

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl_secs: u32, refresh_ttl_secs: u32) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        // None: an expired token is refused at once, as API.md says. Skew between replicas
        // only moves expiry by that skew; a client then refreshes a little early or late.
        validation.leeway = 0;
        validation.validate_nbf = true;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
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

    /// A signed access token for `session_id` of `user_id`, valid from `now`.
    pub fn issue_access(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> AppResult<String> {
        let claims = Claims {
            sub: user_id,
            sid: session_id,
            iat: now.timestamp(),
            exp: now.timestamp() + self.access_ttl_secs,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            typ: ACCESS_TYPE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)
    }

    /// The claims of a well-signed, unexpired access token, issued no later than
    /// `MAX_CLOCK_AHEAD_SECS` from now; `None` for anything else.
    pub fn verify_access(&self, token: &str) -> Option<AccessClaims> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        let claims = data.claims;
        // Issued in the future: signed on a clock far ahead (the token would outlive its
        // lifetime here) or not by `issue_access` at all. Neither is honoured.
        let issued_in_time = claims.iat <= Utc::now().timestamp() + MAX_CLOCK_AHEAD_SECS;
        (claims.typ == ACCESS_TYPE && issued_in_time).then_some(AccessClaims {
            user_id: claims.sub,
            session_id: claims.sid,
        })
    }
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
        let token = keys().issue_access(user, session, Utc::now()).unwrap();
        assert_eq!(
            keys().verify_access(&token),
            Some(AccessClaims {
                user_id: user,
                session_id: session
            })
        );
    }

    #[test]
    fn expired_foreign_and_tampered_tokens_are_refused() {
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        // Expired two seconds ago: refused, no grace period.
        let old = Utc::now() - chrono::Duration::seconds(900 + 2);
        assert_eq!(
            keys().verify_access(&keys().issue_access(user, session, old).unwrap()),
            None
        );
        let fresh = Utc::now() - chrono::Duration::seconds(900 - 60);
        assert!(
            keys()
                .verify_access(&keys().issue_access(user, session, fresh).unwrap())
                .is_some()
        );

        let other = TokenKeys::new(&[8u8; 32], 900, 3600);
        assert_eq!(
            keys().verify_access(&other.issue_access(user, session, Utc::now()).unwrap()),
            None
        );

        let token = keys().issue_access(user, session, Utc::now()).unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        parts[0] = &none_header;
        assert_eq!(keys().verify_access(&parts.join(".")), None);
    }

    #[test]
    fn a_token_issued_more_than_a_minute_ahead_is_refused() {
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let issued = |ahead: i64| {
            let at = Utc::now() + chrono::Duration::seconds(ahead);
            keys().issue_access(user, session, at).unwrap()
        };
        assert_eq!(keys().verify_access(&issued(300)), None);
        assert_eq!(
            keys().verify_access(&issued(MAX_CLOCK_AHEAD_SECS + 5)),
            None
        );
        assert!(keys().verify_access(&issued(30)).is_some());
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
