//! Passwords: the policy (length, zxcvbn strength, confirmation) and argon2id hashing.
//!
//! Hashing costs ~19 MiB and tens of milliseconds of CPU, so it runs on tokio's blocking pool
//! behind a semaphore of about one permit per core, in working memory reused from one hash to
//! the next (no 19 MiB allocation, zeroing and page faults per login; memory stays at one
//! buffer per permit whichever blocking thread runs the hash). The permit moves into the blocking task
//! and is released only when the hash is done, even if the request that asked for it has
//! been dropped (client gone): memory stays bounded under a login flood. A request waits for
//! a permit at most `MAX_WAIT`, then answers `TOO_MANY_REQUESTS`: under a flood the queue
//! stays short instead of growing until every request times out.
//!
//! zxcvbn runs on the blocking pool too, and only on input within the length limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use std::sync::Mutex;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

use crate::metrics::HashGauge;

use crate::error::{AppError, AppResult, FieldErrors};

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// zxcvbn's score 3 ("safely unguessable") starts just above 10^8 guesses, which is exactly
/// what zxcvbn estimates for 8 characters in which it finds no pattern at all: taken as is, no
/// 8-character password could ever pass and the documented minimum of 8 would be a lie. So
/// the bar is score 3's own, inclusive: at least 10^8 estimated guesses.
const MIN_GUESSES: u64 = 100_000_000;
/// Longest a request waits for a hashing permit.
const MAX_WAIT: Duration = Duration::from_secs(3);

/// Hashes and verifies passwords with argon2id (the crate's defaults: m=19456 KiB, t=2, p=1).
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// argon2's working memory (19 MiB each), one per hash running, reused: allocating and
    /// zeroing it per hash cost CPU, and each blocking thread's allocator kept its own copy.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
    /// Longest a request waits for a permit.
    max_wait: Duration,
    /// Hashes computed or verified since start.
    computed: Arc<AtomicU64>,
    /// A real hash of a random password: verifying an unknown user's login against it costs
    /// what a real verification costs, so response time does not reveal which accounts exist.
    dummy_hash: Arc<str>,
}

impl Passwords {
    /// `max_concurrent` hashes run at once; the rest wait for a permit.
    pub async fn new(max_concurrent: usize) -> AppResult<Self> {
        let permits = Arc::new(Semaphore::new(max_concurrent.max(1)));
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| AppError::internal(e.to_string()))?;
        let placeholder = crate::auth::tokens::encode_base64(&random);
        let memory = Arc::new(Mutex::new(Vec::new()));
        let dummy_hash = hash_blocking(&permits, &memory, MAX_WAIT, placeholder).await?;
        Ok(Self {
            permits,
            memory,
            max_wait: MAX_WAIT,
            computed: Arc::new(AtomicU64::new(0)),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// The same hasher with requests waiting at most `max_wait` for a permit.
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// How many hashes this process has computed or verified since start (not counting the
    /// one made at start).
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    /// Returns the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
    pub async fn hash(&self, password: &str) -> AppResult<String> {
        self.computed.fetch_add(1, Ordering::Relaxed);
        hash_blocking(
            &self.permits,
            &self.memory,
            self.max_wait,
            password.to_owned(),
        )
        .await
    }

    /// True when `password` matches `hash`. A malformed stored hash counts as a mismatch.
    pub async fn verify(&self, password: &str, hash: &str) -> AppResult<bool> {
        let gauge = HashGauge::queued();
        let permit = self.acquire().await?;
        let gauge = gauge.running();
        self.computed.fetch_add(1, Ordering::Relaxed);
        let (password, hash) = (password.to_owned(), hash.to_owned());
        let memory = self.memory.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = (permit, gauge);
            with_memory(&memory, |blocks| verify_with(blocks, &password, &hash))
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
        acquire(&self.permits, self.max_wait).await
    }
}

/// A hashing permit, waiting at most `max_wait`.
async fn acquire(
    permits: &Arc<Semaphore>,
    max_wait: Duration,
) -> AppResult<tokio::sync::OwnedSemaphorePermit> {
    match tokio::time::timeout(max_wait, permits.clone().acquire_owned()).await {
        Ok(permit) => permit.map_err(AppError::internal),
        Err(_) => Err(AppError::TooManyRequests {
            retry_after_secs: 1,
        }),
    }
}

async fn hash_blocking(
    permits: &Arc<Semaphore>,
    memory: &Arc<Mutex<Vec<Vec<Block>>>>,
    max_wait: Duration,
    password: String,
) -> AppResult<String> {
    let gauge = HashGauge::queued();
    let permit = acquire(permits, max_wait).await?;
    let gauge = gauge.running();
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::internal(e.to_string()))?;
    let memory = memory.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = (permit, gauge);
        with_memory(&memory, |blocks| hash_with(blocks, &password, &salt))
            .map_err(|e| AppError::internal(e.to_string()))
    })
    .await
    .map_err(AppError::internal)?
}

/// Runs `work` with a block buffer from `pool`, returned to it afterwards. There are never
/// more buffers than hashes running at once (the permits).
fn with_memory<T>(pool: &Mutex<Vec<Vec<Block>>>, work: impl FnOnce(&mut Vec<Block>) -> T) -> T {
    let mut blocks = pool
        .lock()
        .map(|mut pool| pool.pop())
        .ok()
        .flatten()
        .unwrap_or_default();
    let result = work(&mut blocks);
    if let Ok(mut pool) = pool.lock() {
        pool.push(blocks);
    }
    result
}

/// argon2 of `password` with `salt` in `params`, computed in `blocks` (grown as needed; every
/// block is written before it is read, so what it held before does not matter).
fn compute(
    blocks: &mut Vec<Block>,
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &str,
    salt: &[u8],
) -> argon2::password_hash::Result<Output> {
    let needed = params.block_count();
    if blocks.len() < needed {
        blocks.resize(needed, Block::default());
    }
    let length = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = out
        .get_mut(..length)
        .ok_or(argon2::password_hash::Error::OutputSize)?;
    Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut *out,
        &mut blocks[..needed],
    )?;
    Ok(Output::new(out)?)
}

/// A new PHC string for `password`: argon2id, version 19, the crate's default parameters.
fn hash_with(
    blocks: &mut Vec<Block>,
    password: &str,
    salt: &[u8],
) -> argon2::password_hash::Result<String> {
    hash_with_params(blocks, password, salt, Params::default())
}

fn hash_with_params(
    blocks: &mut Vec<Block>,
    password: &str,
    salt: &[u8],
    params: Params,
) -> argon2::password_hash::Result<String> {
    let output = compute(
        blocks,
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password,
        salt,
    )?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(Salt::new(salt)?),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash`, with the parameters it names. A malformed
/// hash is a mismatch. The comparison of outputs is constant-time (`Output`'s `==`).
fn verify_with(blocks: &mut Vec<Block>, password: &str, hash: &str) -> bool {
    let mut verify = || -> argon2::password_hash::Result<bool> {
        let parsed = PasswordHash::new(hash)?;
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
            return Ok(false);
        };
        let algorithm = Algorithm::try_from(parsed.algorithm.as_str())?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let params = Params::try_from(&parsed)?;
        let computed = compute(blocks, algorithm, version, params, password, salt.as_ref())?;
        Ok(computed == *expected)
    };
    verify().unwrap_or(false)
}

/// Whether the PHC string `hash` was made weaker than `hash_with` makes one today: another
/// algorithm or version, or less memory, fewer passes or less parallelism than the current
/// parameters. A hash made stronger is kept (no downgrade); a malformed one is left alone (it
/// verifies nothing anyway).
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let current = Params::default();
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).ok();
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .ok()
        .flatten();
    algorithm != Some(Algorithm::Argon2id)
        || version != Some(Version::V0x13)
        || params.m_cost() < current.m_cost()
        || params.t_cost() < current.t_cost()
        || params.p_cost() < current.p_cost()
}

/// Checks `password` against the policy and records every reason it fails on `field`.
///
/// `personal` holds the user's own email, username and names: zxcvbn counts a password built
/// from them as weak.
pub async fn check_policy(
    errors: &mut FieldErrors,
    field: &str,
    password: &str,
    personal: &[&str],
) {
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
    let mut inputs: Vec<String> = personal
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| (*s).to_owned())
        .collect();
    inputs.extend(
        personal
            .iter()
            .filter_map(|s| s.split_once('@').map(|(local, _)| local.to_owned())),
    );
    let password = password.to_owned();
    // A few milliseconds of CPU on a long input: off the runtime's workers.
    let verdict = tokio::task::spawn_blocking(move || weakness(&password, &inputs)).await;
    match verdict {
        Ok(Some(message)) => errors.add(field, message),
        Ok(None) => {}
        Err(error) => {
            tracing::error!(%error, "password strength check failed");
            errors.add(field, "could not be checked; try again");
        }
    }
}

/// zxcvbn's verdict: `None` when strong enough, else why not.
fn weakness(password: &str, personal: &[String]) -> Option<String> {
    let inputs: Vec<&str> = personal.iter().map(String::as_str).collect();
    let entropy = zxcvbn::zxcvbn(password, &inputs);
    if entropy.guesses() >= MIN_GUESSES {
        return None;
    }
    let mut message = String::from("is too weak");
    if let Some(warning) = entropy.feedback().and_then(|f| f.warning()) {
        message.push_str(&format!(": {warning}"));
    } else if let Some(suggestion) = entropy.feedback().and_then(|f| f.suggestions().first()) {
        message.push_str(&format!(": {suggestion}"));
    }
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashes_weaker_than_todays_are_rehashed() {
        let salt = [7u8; 16];
        let with = |m, t, p| {
            let params = Params::new(m, t, p, None).expect("valid parameters");
            hash_with_params(&mut Vec::new(), "pw", &salt, params).expect("a hash")
        };
        let today = Params::default();
        let (m, t, p) = (today.m_cost(), today.t_cost(), today.p_cost());
        let current = hash_with(&mut Vec::new(), "pw", &salt).expect("a hash");
        assert!(!needs_rehash(&current));
        assert!(needs_rehash(&with(m / 2, t, p)));
        assert!(needs_rehash(&with(m, t - 1, p)));
        assert!(!needs_rehash(&with(m * 2, t + 1, p)), "stronger stays");
        assert!(!needs_rehash("not a hash"));
        let weak = with(8 * 1024, 1, 1);
        assert!(
            verify_with(&mut Vec::new(), "pw", &weak),
            "a weak hash still verifies"
        );
    }

    fn policy(password: &str, personal: &[&str]) -> Vec<String> {
        let mut errors = FieldErrors::default();
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(check_policy(&mut errors, "password", password, personal));
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

    /// Hashes stored by the argon2 crate's own hasher (every hash Roster wrote before its
    /// memory was reused) verify, and ours verify with the crate's verifier.
    #[test]
    fn hashes_agree_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery staple")
            .unwrap()
            .to_string();
        let mut blocks = Vec::new();
        assert!(verify_with(
            &mut blocks,
            "correct horse battery staple",
            &theirs
        ));
        assert!(!verify_with(
            &mut blocks,
            "correct horse battery stapl",
            &theirs
        ));
        let ours = hash_with(&mut blocks, "correct horse battery staple", &[7u8; 16]).unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery staple", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
        // Other parameters, named in the hash, are honoured; garbage is a mismatch.
        let light = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"pw")
        .unwrap()
        .to_string();
        assert!(verify_with(&mut blocks, "pw", &light));
        assert!(!verify_with(&mut blocks, "pw", "$argon2id$v=19$garbage"));
        assert!(!verify_with(&mut blocks, "pw", ""));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_answers_too_many_requests_instead_of_waiting_on() {
        let passwords = Passwords::new(1)
            .await
            .unwrap()
            .with_max_wait(Duration::from_millis(30));
        let hash = passwords
            .hash("correct horse battery staple")
            .await
            .unwrap();
        let attempts: Vec<_> = (0..8)
            .map(|_| {
                let (passwords, hash) = (passwords.clone(), hash.clone());
                tokio::spawn(async move { passwords.verify("guess", &hash).await })
            })
            .collect();
        let mut refused = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(matched) => assert!(!matched),
                Err(AppError::TooManyRequests { retry_after_secs }) => {
                    assert_eq!(retry_after_secs, 1);
                    refused += 1;
                }
                Err(other) => panic!("{other:?}"),
            }
        }
        // One permit, each verification longer than the wait: most are turned away.
        assert!(refused >= 4, "refused {refused} of 8");
    }
}
