//! Claims of access tokens already verified, by the token's SHA-256, until the token expires.
//! An ES256 signature costs thousands of times an HMAC to check, and even an HMAC token's
//! decoding and checks cost several times its digest; a token cannot change, so checking it
//! once is enough. The session behind it is still checked on every request (that is what
//! ends a logged-out token at once). HMAC tokens are kept only while no key pair was ever
//! installed (`TokenKeys::verify_access`). Bounded: when full, expired
//! entries go, and if that frees nothing, everything goes.
//!
//! A cached token is honoured only while its key is in the ring and accepted (`TokenKeys`
//! consults the ring first), and its key's state is checked in the database with the session.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::auth::tokens::AccessClaims;

/// Most tokens remembered at once (about 100 bytes each).
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct VerifiedClaims {
    by_token: Mutex<HashMap<[u8; 32], (AccessClaims, i64)>>,
}

impl VerifiedClaims {
    /// The claims of `token` if it was verified before and has not expired at `now` (seconds).
    pub fn get(&self, token: &str, now: i64) -> Option<AccessClaims> {
        let key = digest(token);
        let mut map = self
            .by_token
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match map.get(&key) {
            Some((claims, expires_at)) if now <= *expires_at => Some(claims.clone()),
            Some(_) => {
                map.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Remembers that `token` verified to `claims`, valid until `expires_at` (seconds).
    pub fn insert(&self, token: &str, claims: AccessClaims, expires_at: i64, now: i64) {
        let mut map = self
            .by_token
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if map.len() >= CAPACITY {
            map.retain(|_, (_, expires)| now <= *expires);
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(digest(token), (claims, expires_at));
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn claims() -> AccessClaims {
        AccessClaims {
            user_id: Uuid::new_v4(),
            session_id: Uuid::new_v4(),
            kid: Some("kid".into()),
        }
    }

    #[test]
    fn a_token_is_remembered_until_it_expires_and_no_other_matches() {
        let cache = VerifiedClaims::default();
        let verified = claims();
        cache.insert("a.b.c", verified.clone(), 100, 50);
        assert_eq!(cache.get("a.b.c", 100), Some(verified));
        assert_eq!(cache.get("a.b.d", 60), None);
        assert_eq!(cache.get("a.b.c", 101), None);
        // Gone once seen expired, even for a clock that went back.
        assert_eq!(cache.get("a.b.c", 60), None);
    }

    #[test]
    fn a_full_cache_drops_the_expired_first_and_never_grows_past_its_capacity() {
        let cache = VerifiedClaims::default();
        for n in 0..CAPACITY {
            cache.insert(&format!("old-{n}"), claims(), 10, 0);
        }
        let fresh = claims();
        cache.insert("fresh", fresh.clone(), 1_000, 20);
        assert_eq!(cache.get("fresh", 20), Some(fresh));
        assert_eq!(cache.by_token.lock().unwrap().len(), 1);
        for n in 0..CAPACITY {
            cache.insert(&format!("live-{n}"), claims(), 1_000, 20);
        }
        assert!(cache.by_token.lock().unwrap().len() <= CAPACITY);
    }
}
