//! Throttling of the unauthenticated entry points (`register`, `login`, `refreshToken`), with
//! governor's keyed GCRA limiters: per client address, and per account for `login` so one
//! account cannot be brute-forced from many addresses. Signed-in users get a budget of the same
//! size, their own, for what could otherwise be repeated at will: checks of their current
//! password (`changePassword`, `deleteAccount`, a guess each) and changes of email or username
//! (each tells whether that value is taken). A refusal is `TOO_MANY_REQUESTS` with
//! `retryAfter` seconds. Limits are per process: with N replicas an address gets N times the
//! budget, which still bounds guessing.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Failed or not, a login attempt for one account spends one of these; one comes back every
/// `ACCOUNT_REFILL`.
const ACCOUNT_BURST: u32 = 10;
const ACCOUNT_REFILL: Duration = Duration::from_secs(30);
/// How often (in checks) idle keys are forgotten, so memory stays bounded.
const SWEEP_EVERY: u32 = 1024;

/// The limiters, shared by every request of this process.
#[derive(Clone)]
pub struct Throttle {
    per_address: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    per_account: Arc<DefaultKeyedRateLimiter<String>>,
    per_user: Arc<DefaultKeyedRateLimiter<Uuid>>,
    checks: Arc<AtomicU32>,
}

impl Throttle {
    /// `per_address_per_minute` requests per minute per client address (a burst of as many);
    /// `None` turns the address limit off.
    pub fn new(per_address_per_minute: Option<NonZeroU32>) -> Self {
        let account_quota = Quota::with_period(ACCOUNT_REFILL)
            .expect("BUG: the refill period is not zero")
            .allow_burst(NonZeroU32::new(ACCOUNT_BURST).expect("BUG: the burst is not zero"));
        Self {
            per_address: per_address_per_minute
                .map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n)))),
            per_account: Arc::new(RateLimiter::keyed(account_quota)),
            per_user: Arc::new(RateLimiter::keyed(account_quota)),
            checks: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Spends one request of `address`'s budget.
    pub fn address(&self, address: Option<IpAddr>) -> AppResult<()> {
        self.sweep();
        match (&self.per_address, address) {
            (Some(limiter), Some(address)) => refuse_after(limiter.check_key(&address)),
            _ => Ok(()),
        }
    }

    /// Spends one login attempt of the account named `login` (email or username, any case).
    pub fn account(&self, login: &str) -> AppResult<()> {
        refuse_after(self.per_account.check_key(&login.trim().to_lowercase()))
    }

    /// Spends one of signed-in user `id`'s password checks or email/username changes. A budget
    /// apart from `account`'s: failed logins by a stranger never hold up the user's own
    /// password change. (Login itself stays keyed by the name given, so that a refusal never
    /// tells which names belong to one account.)
    pub fn user(&self, id: Uuid) -> AppResult<()> {
        self.sweep();
        refuse_after(self.per_user.check_key(&id))
    }

    fn sweep(&self) {
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(SWEEP_EVERY)
        {
            if let Some(limiter) = &self.per_address {
                limiter.retain_recent();
            }
            self.per_account.retain_recent();
            self.per_user.retain_recent();
        }
    }
}

fn refuse_after(
    outcome: Result<(), governor::NotUntil<<DefaultClock as Clock>::Instant>>,
) -> AppResult<()> {
    outcome.map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        AppError::TooManyRequests {
            retry_after_secs: wait.as_secs().max(1),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_its_budget_with_a_retry_hint() {
        let throttle = Throttle::new(NonZeroU32::new(3));
        let address = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..3 {
            assert!(throttle.address(address).is_ok());
        }
        match throttle.address(address) {
            Err(AppError::TooManyRequests { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs))
            }
            other => panic!("expected TOO_MANY_REQUESTS, got {other:?}"),
        }
        assert!(throttle.address(Some(IpAddr::from([127, 0, 0, 2]))).is_ok());
    }

    #[test]
    fn accounts_are_limited_regardless_of_case_and_address_limits_can_be_off() {
        let throttle = Throttle::new(None);
        for _ in 0..100 {
            assert!(throttle.address(Some(IpAddr::from([10, 0, 0, 1]))).is_ok());
        }
        for _ in 0..ACCOUNT_BURST {
            assert!(throttle.account("Ada@Example.com").is_ok());
        }
        assert!(matches!(
            throttle.account("ada@example.com "),
            Err(AppError::TooManyRequests { .. })
        ));
        assert!(throttle.account("grace@example.com").is_ok());
    }
}
