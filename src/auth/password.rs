//! Passwords: the policy (length, zxcvbn strength, confirmation) and argon2id hashing.
//!
//! Hashing costs ~19 MiB and tens of milliseconds of CPU, so it runs on tokio's blocking pool
//! behind a semaphore of about one permit per core. The permit moves into the blocking task
//! and is released only when the hash is done, even if the request that asked for it has
//! been dropped (client gone): memory stays bounded under a login flood.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult, FieldErrors};

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// zxcvbn's score 3 ("safely unguessable") starts just above 10^8 guesses, which is exactly
/// what zxcvbn estimates for 8 characters in which it finds no pattern at all: taken as is, no
/// 8-character password could ever pass and the documented minimum of 8 would be a lie. So
/// the bar is score 3's own, inclusive: at least 10^8 estimated guesses.
const MIN_GUESSES: u64 = 100_000_000;

/// Hashes and verifies passwords with argon2id (the crate's defaults: m=19456 KiB, t=2, p=1).
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// A real hash of a random password: verifying an unknown user's login against it costs
    /// what a real verification costs, so response time does not reveal which accounts exist.
    dummy_hash: Arc<str>,
}

impl Passwords {
    /// `max_concurrent` hashes run at once; the rest wait for a permit.
    pub async fn new(max_concurrent: usize) -> AppResult<Self> {
        return_large_allocations_to_the_os();
        let permits = Arc::new(Semaphore::new(max_concurrent.max(1)));
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| AppError::internal(e.to_string()))?;
        let placeholder = crate::auth::tokens::encode_base64(&random);
        let dummy_hash = hash_blocking(&permits, placeholder).await?;
        Ok(Self {
            permits,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Returns the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
    pub async fn hash(&self, password: &str) -> AppResult<String> {
        hash_blocking(&self.permits, password.to_owned()).await
    }

    /// True when `password` matches `hash`. A malformed stored hash counts as a mismatch.
    pub async fn verify(&self, password: &str, hash: &str) -> AppResult<bool> {
        let permit = self.acquire().await?;
        let (password, hash) = (password.to_owned(), hash.to_owned());
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            PasswordHash::new(&hash)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(AppError::internal)
    }

    /// Spends the time of one verification and returns false: for logins whose account does
    /// not exist.
    pub async fn verify_dummy(&self, password: &str) -> AppResult<bool> {
        let dummy = self.dummy_hash.clone();
        self.verify(password, &dummy).await.map(|_| false)
    }

    async fn acquire(&self) -> AppResult<tokio::sync::OwnedSemaphorePermit> {
        self.permits
            .clone()
            .acquire_owned()
            .await
            .map_err(AppError::internal)
    }
}

/// Each hash allocates ~19 MiB. glibc serves such blocks from per-thread arenas once its
/// adaptive mmap threshold has grown, and then keeps them: measured with the bench example,
/// peak memory reached ~600 MiB under a login load. A fixed 1 MiB threshold makes every hash
/// buffer its own mapping, returned on free (~65 MiB for the same load).
fn return_large_allocations_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: mallopt only adjusts allocator tunables; it is thread-safe and has no
        // memory-safety preconditions.
        ONCE.call_once(|| unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        });
    }
}

async fn hash_blocking(permits: &Arc<Semaphore>, password: String) -> AppResult<String> {
    let permit = permits
        .clone()
        .acquire_owned()
        .await
        .map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| AppError::internal(e.to_string()))
    })
    .await
    .map_err(AppError::internal)?
}

/// Checks `password` against the policy and records every reason it fails on `field`.
///
/// `personal` holds the user's own email, username and names: zxcvbn counts a password built
/// from them as weak.
pub fn check_policy(errors: &mut FieldErrors, field: &str, password: &str, personal: &[&str]) {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        errors.add(
            field,
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        );
        return;
    }
    if length > MAX_PASSWORD_CHARS {
        errors.add(
            field,
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        );
        return;
    }
    if password.chars().any(|c| c == '\0') {
        errors.add(field, "must not contain NUL characters");
        return;
    }
    let mut inputs: Vec<&str> = personal.iter().copied().filter(|s| !s.is_empty()).collect();
    // The local part of an email is as guessable as the whole address.
    inputs.extend(
        personal
            .iter()
            .filter_map(|s| s.split_once('@').map(|(local, _)| local)),
    );
    let entropy = zxcvbn::zxcvbn(password, &inputs);
    if entropy.guesses() < MIN_GUESSES {
        let mut message = String::from("is too weak");
        if let Some(warning) = entropy.feedback().and_then(|f| f.warning()) {
            message.push_str(&format!(": {warning}"));
        } else if let Some(suggestion) = entropy.feedback().and_then(|f| f.suggestions().first()) {
            message.push_str(&format!(": {suggestion}"));
        }
        errors.add(field, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(password: &str, personal: &[&str]) -> Vec<String> {
        let mut errors = FieldErrors::default();
        check_policy(&mut errors, "password", password, personal);
        errors.fields().get("password").cloned().unwrap_or_default()
    }

    #[test]
    fn length_limits_are_in_characters_and_never_truncate() {
        assert!(policy("short", &[])[0].contains("at least 8"));
        assert!(policy(&"é".repeat(129), &[])[0].contains("at most 128"));
        assert!(policy("correct horse battery staple", &[]).is_empty());
    }

    #[test]
    fn weak_and_personal_passwords_are_refused() {
        for weak in [
            "password123",
            "aaaaaaaa",
            "qwertyuiop",
            "12345678",
            "Passw0rd!",
        ] {
            assert!(policy(weak, &[])[0].starts_with("is too weak"), "{weak}");
        }
        assert!(!policy("jonathan.doe1987", &["jonathan.doe1987@example.com"]).is_empty());
    }

    #[test]
    fn eight_characters_without_a_pattern_are_enough() {
        for strong in ["k#9Vq!2z", "T7%mW@4p", "x8$Lr0&N"] {
            assert!(
                policy(strong, &[]).is_empty(),
                "{strong}: {:?}",
                policy(strong, &[])
            );
        }
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let passwords = Passwords::new(1).await.unwrap();
        let hash = passwords
            .hash("correct horse battery staple")
            .await
            .unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            passwords
                .verify("correct horse battery staple", &hash)
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("wrong horse battery staple", &hash)
                .await
                .unwrap()
        );
        assert!(!passwords.verify_dummy("anything at all").await.unwrap());
    }
}
