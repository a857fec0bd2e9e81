//! `Passwords`: argon2id hashing and verification, bounded. Hashing costs ~19 MiB and tens of
//! milliseconds of CPU, so it runs on tokio's blocking pool behind a semaphore of about one
//! permit per core, in working memory reused from one hash to the next (no 19 MiB allocation,
//! zeroing and page faults per login; memory stays at one buffer per permit whichever blocking
//! thread runs the hash). The permit moves into the blocking task and is released only when
//! the hash is done, even if the request that asked for it has been dropped (client gone):
//! memory stays bounded under a login flood. A request waits for a permit at most `MAX_WAIT`,
//! then answers `TOO_MANY_REQUESTS`: under a flood the queue stays short instead of growing
//! until every request times out.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::Block;
use tokio::sync::Semaphore;

use super::phc::{hash_with, verify_with};
use crate::error::{AppError, AppResult};
use crate::metrics::HashGauge;

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

    /// `verify` against an account's stored hash; an account without a password (made by a
    /// provider sign-in) spends the same time on the dummy hash and matches nothing.
    pub async fn verify_stored(&self, password: &str, hash: Option<&str>) -> AppResult<bool> {
        match hash {
            Some(hash) => self.verify(password, hash).await,
            None => self.verify_dummy(password).await,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
