//! Request-rate limits kept in memory, with governor's keyed GCRA limiters: per client address
//! for the unauthenticated entry points (`register`, `login`, `refreshToken`,
//! `requestPasswordReset`, `resetPassword`, `verifyEmail`; `--rate-limit`),
//! and per signed-in user for what could otherwise be repeated at will: checks of their
//! current password (`changePassword`, `deleteAccount`, `reauthenticate`, a guess each),
//! changes of email or username (each tells whether that value is taken), and changes of the
//! account's second factors and passkeys (a passkey registration tells whether its credential
//! is registered already). A refusal is `TOO_MANY_REQUESTS` with
//! `retryAfter` seconds. These are per process (with N replicas an address gets N times the
//! rate); failed logins, which decide how fast passwords can be guessed, are counted in the
//! database instead (`services::sessions::login_throttle`).

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// A signed-in user's password checks and email/username changes: a burst of this many, one
/// more every `USER_REFILL`.
const USER_BURST: u32 = 10;
const USER_REFILL: Duration = Duration::from_secs(30);
/// How often (in checks) idle keys are forgotten, so memory stays bounded.
const SWEEP_EVERY: u32 = 1024;

/// The limiters, shared by every request of this process.
#[derive(Clone)]
pub struct RateLimits {
    per_address: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    per_user: Arc<DefaultKeyedRateLimiter<Uuid>>,
    checks: Arc<AtomicU32>,
}

impl RateLimits {
    /// `per_address_per_minute` requests per minute per client address (a burst of as many);
    /// `None` turns the address limit off.
    pub fn new(per_address_per_minute: Option<NonZeroU32>) -> Self {
        let user_quota = Quota::with_period(USER_REFILL)
            .expect("BUG: the refill period is not zero")
            .allow_burst(NonZeroU32::new(USER_BURST).expect("BUG: the burst is not zero"));
        Self {
            per_address: per_address_per_minute
                .map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n)))),
            per_user: Arc::new(RateLimiter::keyed(user_quota)),
            checks: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Spends one request of `address`'s budget.
    pub fn address(&self, address: Option<IpAddr>) -> AppResult<()> {
        self.sweep();
        match (&self.per_address, address) {
            (Some(limiter), Some(address)) => {
                refuse_after(limiter.check_key(&counted_address(address)), "address")
            }
            _ => Ok(()),
        }
    }

    /// Spends one of signed-in user `id`'s password checks, email/username changes or second
    /// factor and passkey changes: a budget apart from the login throttle's, so failed logins
    /// by a stranger never hold up the user's own password change.
    pub fn user(&self, id: Uuid) -> AppResult<()> {
        self.sweep();
        refuse_after(self.per_user.check_key(&id), "user")
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
            self.per_user.retain_recent();
        }
    }
}

/// The address a client is counted as: itself for IPv4 (an IPv4-mapped IPv6 address too),
/// its /64 for IPv6, the smallest network one customer is normally given: counting each /128
/// would give one such customer 2^64 budgets.
pub fn counted_address(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        v4 => v4,
    }
}

fn refuse_after(
    outcome: Result<(), governor::NotUntil<<DefaultClock as Clock>::Instant>>,
    limit: &'static str,
) -> AppResult<()> {
    outcome.map_err(|not_until| {
        crate::metrics::throttled(limit);
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        AppError::TooManyRequests {
            retry_after_secs: retry_after(wait),
        }
    })
}

/// `wait` in whole seconds, rounded up (a client that waits `retryAfter` is never early), at
/// least 1.
fn retry_after(wait: Duration) -> u64 {
    let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    whole.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_its_budget_with_a_retry_hint() {
        let throttle = RateLimits::new(NonZeroU32::new(3));
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
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after(Duration::from_millis(1200)), 2);
        assert_eq!(retry_after(Duration::from_millis(1)), 1);
        assert_eq!(retry_after(Duration::from_secs(3)), 3);
        assert_eq!(retry_after(Duration::from_nanos(29_000_000_001)), 30);
        assert_eq!(retry_after(Duration::ZERO), 1);
    }

    #[test]
    fn a_refused_user_waits_the_refill_rounded_up() {
        let throttle = RateLimits::new(None);
        let user = Uuid::new_v4();
        for _ in 0..USER_BURST {
            assert!(throttle.user(user).is_ok());
        }
        // The next check frees up a little under `USER_REFILL` (30 s) from now: 30, not 29.
        match throttle.user(user) {
            Err(AppError::TooManyRequests { retry_after_secs }) => {
                assert_eq!(retry_after_secs, USER_REFILL.as_secs())
            }
            other => panic!("expected TOO_MANY_REQUESTS, got {other:?}"),
        }
    }

    #[test]
    fn an_ipv6_network_shares_one_budget_and_the_limit_can_be_off() {
        let throttle = RateLimits::new(NonZeroU32::new(2));
        let host = |last: u16| Some(IpAddr::from([0x2001, 0xdb8, 1, 2, 0, 0, 0, last]));
        assert!(throttle.address(host(1)).is_ok());
        assert!(throttle.address(host(2)).is_ok());
        assert!(throttle.address(host(3)).is_err());
        assert!(
            throttle
                .address(Some(IpAddr::from([0x2001, 0xdb8, 1, 3, 0, 0, 0, 1])))
                .is_ok()
        );
        let off = RateLimits::new(None);
        for _ in 0..100 {
            assert!(off.address(host(1)).is_ok());
        }
    }
}
