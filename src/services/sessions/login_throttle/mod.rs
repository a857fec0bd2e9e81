//! Login throttling, counted in the database so that replicas share it and restarts keep it.
//! Only failures count, and an attempt is refused before any password hashing:
//!
//! - per login name and client address: after `CONSECUTIVE` failures in a row that pair waits,
//!   1 s after the fifth, doubling with each further failure up to 15 minutes; a success from
//!   that address starts the count again. The owner, from another address, is not held up.
//!   The name is the login as typed (trimmed, lower-cased), so this count never tells that a
//!   username and an email belong to one account.
//! - per account, from every address: at most `HOURLY` failures in any hour (OWASP ASVS
//!   2.2.1); past that every attempt waits until the oldest failure of the hour ages out,
//!   except from an address the account signed in from successfully in the last
//!   `KNOWN_FOR` (`login_known_addresses`): there only the per-address backoff applies, so a
//!   stranger's flood cannot lock the owner out of their own devices.
//!
//! An account is its user id when the login names one (email in any case and username are one
//! account) and the login name itself otherwise, so an unknown name is throttled exactly like
//! a known one. Keys are stored as SHA-256 digests: a login field sometimes holds a password
//! typed into the wrong box. IPv6 clients are counted per /64 (one customer's network).
//!
//! An attempt is counted as failed when it starts (`begin`) and uncounted when it succeeds
//! (`Attempt::succeeded`) or ends without a verdict (`Attempt::abandon`): a flood of parallel guesses cannot all pass a check that none of
//! them has yet failed. The per-address row changes only by compare-and-set on its previous
//! state; the hourly ceiling is counted after the attempt's own row is written, so racing
//! attempts can only be refused too early, never let through beyond the ceiling.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, TryInsertResult,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::rate_limits::counted_address;
use crate::auth::tokens;
use crate::db::entities::{
    login_address_failures as by_address, login_failures, login_known_addresses as known,
};
use crate::error::{AppError, AppResult};

/// Failures in a row from one address before that address waits.
pub const CONSECUTIVE: i32 = 5;
/// The wait after the `CONSECUTIVE`th failure; each further failure doubles it.
const FIRST_WAIT_SECS: i64 = 1;
const LONGEST_WAIT_SECS: i64 = 15 * 60;
/// Failures per account in any hour, from all addresses together.
pub const HOURLY: u64 = 100;
/// A run of failures from one address is forgotten after this long without another (the
/// hourly ceiling still counts them): it bounds the rows that attempts on made-up names leave.
const FORGET_AFTER: Duration = Duration::hours(1);
/// How long a successful sign-in makes its client address known to the account (exempt from
/// the hourly ceiling).
pub const KNOWN_FOR: Duration = Duration::days(30);
/// Rounds of compare-and-set before a contended attempt is refused.
const MAX_ROUNDS: usize = 8;

/// Whose attempt it is.
pub enum Account<'a> {
    /// The login names this user.
    User(Uuid),
    /// The login names nobody: the name itself, as typed (compared in lower case).
    Unknown(&'a str),
}

impl Account<'_> {
    fn key(&self) -> String {
        match self {
            Self::User(id) => digest(&format!("user:{id}")),
            Self::Unknown(name) => name_key(name),
        }
    }
}

/// The key of a login name as typed: trimmed and lower-cased, so `Ada@Example.com` and
/// `ada@example.com` are one name (but a username and an email are two).
fn name_key(name: &str) -> String {
    digest(&format!("name:{}", name.trim().to_lowercase()))
}

fn digest(text: &str) -> String {
    tokens::encode_base64(&Sha256::digest(text.as_bytes()))
}

/// What a client address counts as: itself for IPv4, its /64 for IPv6.
pub fn address_key(address: Option<IpAddr>) -> String {
    match address.map(counted_address) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(network)) => format!("{network}/64"),
        None => "unknown".to_owned(),
    }
}

/// An attempt the throttle let through, already counted as a failure.
#[must_use = "an attempt stays counted as failed unless `succeeded` is called"]
pub struct Attempt {
    /// The per-address count's key: the login name as typed.
    name_key: String,
    address_key: String,
    failure_id: Uuid,
    /// The address row before this attempt (`None`: there was none) and as it wrote it.
    before: Option<by_address::Model>,
    written: by_address::Model,
}

/// Lets an attempt at `account`, typed as `login`, through, counting it as failed, or refuses
/// it with `TOO_MANY_REQUESTS`.
pub async fn begin(
    db: &impl ConnectionTrait,
    account: &Account<'_>,
    login: &str,
    address: Option<IpAddr>,
    now: DateTime<Utc>,
) -> AppResult<Attempt> {
    let name_key = name_key(login);
    let address_key = address_key(address);
    let row = by_address::Entity::find_by_id((name_key.clone(), address_key.clone()))
        .one(db)
        .await?;
    if let Some(until) = row.as_ref().and_then(|row| blocked(row, now)) {
        return Err(wait_until(until, now));
    }
    let failure_id = count_against_hour(db, account, &address_key, now).await?;
    match claim_address(db, &name_key, &address_key, row, now).await? {
        Claim::Claimed { before, written } => Ok(Attempt {
            name_key,
            address_key,
            failure_id,
            before,
            written,
        }),
        Claim::Blocked(until) => {
            forget_failure(db, failure_id).await?;
            Err(wait_until(until, now))
        }
        Claim::Contended => {
            forget_failure(db, failure_id).await?;
            Err(AppError::TooManyRequests {
                retry_after_secs: 1,
            })
        }
    }
}

/// Counts the attempt against the account's hour and returns its failure's id; past `HOURLY`
/// failures, refuses it (taking the count back) unless it comes from an address the account
/// has signed in from lately.
async fn count_against_hour(
    db: &impl ConnectionTrait,
    account: &Account<'_>,
    address_key: &str,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    let account_key = account.key();
    let failure_id = Uuid::now_v7();
    login_failures::Entity::insert(login_failures::ActiveModel {
        id: Set(failure_id),
        account_key: Set(account_key.clone()),
        failed_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    let window_start = now - Duration::hours(1);
    let in_window = login_failures::Entity::find()
        .filter(login_failures::Column::AccountKey.eq(&account_key))
        .filter(login_failures::Column::FailedAt.gt(window_start));
    if in_window.clone().count(db).await? > HOURLY
        && !is_known(db, account, address_key, now).await?
    {
        let oldest = in_window
            .order_by_asc(login_failures::Column::FailedAt)
            .one(db)
            .await?
            .map_or(now, |failure| failure.failed_at);
        forget_failure(db, failure_id).await?;
        return Err(wait_until(oldest + Duration::hours(1), now));
    }
    Ok(failure_id)
}

/// What became of an attempt's claim on its (login name, address) row.
enum Claim {
    /// The row now counts this attempt; `before` is what it was (`None`: there was none).
    Claimed {
        before: Option<by_address::Model>,
        written: by_address::Model,
    },
    /// Another attempt blocked the pair meanwhile.
    Blocked(DateTime<Utc>),
    /// Others kept changing the row first, `MAX_ROUNDS` times.
    Contended,
}

/// Adds the attempt to its (login name, address) row by compare-and-set, looking again when
/// another attempt changed the row first.
async fn claim_address(
    db: &impl ConnectionTrait,
    name_key: &str,
    address_key: &str,
    mut row: Option<by_address::Model>,
    now: DateTime<Utc>,
) -> AppResult<Claim> {
    for _ in 0..MAX_ROUNDS {
        let failures = match &row {
            Some(current) if current.updated_at + FORGET_AFTER >= now => {
                current.failures.saturating_add(1)
            }
            _ => 1,
        };
        let written = by_address::Model {
            account_key: name_key.to_owned(),
            address_key: address_key.to_owned(),
            failures,
            blocked_until: wait_after(failures).map(|wait| now + wait),
            updated_at: now,
        };
        let claimed = match &row {
            None => insert_new(db, &written).await?,
            Some(current) => {
                if let Some(until) = blocked(current, now) {
                    return Ok(Claim::Blocked(until));
                }
                replace(db, current, &written).await?
            }
        };
        if claimed {
            return Ok(Claim::Claimed {
                before: row,
                written,
            });
        }
        row = by_address::Entity::find_by_id((name_key.to_owned(), address_key.to_owned()))
            .one(db)
            .await?;
    }
    Ok(Claim::Contended)
}

/// Inserts `row` unless another attempt inserted the pair's row first.
async fn insert_new(db: &impl ConnectionTrait, row: &by_address::Model) -> AppResult<bool> {
    let inserted = by_address::Entity::insert(by_address::ActiveModel {
        account_key: Set(row.account_key.clone()),
        address_key: Set(row.address_key.clone()),
        failures: Set(row.failures),
        blocked_until: Set(row.blocked_until),
        updated_at: Set(row.updated_at),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    Ok(matches!(inserted, TryInsertResult::Inserted(n) if n > 0))
}

/// Compare-and-set: `current` becomes `next` if nobody changed it meanwhile.
async fn replace(
    db: &impl ConnectionTrait,
    current: &by_address::Model,
    next: &by_address::Model,
) -> AppResult<bool> {
    Ok(by_address::Entity::update_many()
        .col_expr(by_address::Column::Failures, Expr::value(next.failures))
        .col_expr(
            by_address::Column::BlockedUntil,
            Expr::value(next.blocked_until),
        )
        .col_expr(by_address::Column::UpdatedAt, Expr::value(next.updated_at))
        .filter(by_address::Column::AccountKey.eq(&current.account_key))
        .filter(by_address::Column::AddressKey.eq(&current.address_key))
        .filter(by_address::Column::Failures.eq(current.failures))
        .filter(by_address::Column::UpdatedAt.eq(current.updated_at))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

impl Attempt {
    /// The password was right: the address's run of failures ends and this attempt no longer
    /// counts against the account's hour. (The session it opened made the address known to
    /// the account: `remember_address`.)
    pub async fn succeeded(self, db: &impl ConnectionTrait) -> AppResult<()> {
        by_address::Entity::delete_by_id((self.name_key, self.address_key))
            .exec(db)
            .await?;
        forget_failure(db, self.failure_id).await
    }

    /// No verdict on the password was reached (no hashing slot, a database error): the
    /// attempt is taken back, so that what the owner cannot help never counts against her.
    /// The address row returns to what it was, unless another attempt has changed it since.
    pub async fn abandon(self, db: &impl ConnectionTrait) -> AppResult<()> {
        forget_failure(db, self.failure_id).await?;
        match &self.before {
            Some(before) => {
                replace(db, &self.written, before).await?;
            }
            None => {
                by_address::Entity::delete_many()
                    .filter(by_address::Column::AccountKey.eq(&self.name_key))
                    .filter(by_address::Column::AddressKey.eq(&self.address_key))
                    .filter(by_address::Column::Failures.eq(self.written.failures))
                    .filter(by_address::Column::UpdatedAt.eq(self.written.updated_at))
                    .exec(db)
                    .await?;
            }
        }
        Ok(())
    }
}

/// Records that `user_id` signed in successfully from `address` (a session was opened: by a
/// login, a registration or a password reset), which exempts that address from the hourly
/// ceiling for `KNOWN_FOR`.
pub async fn remember_address(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    address: Option<IpAddr>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if address.is_none() {
        // "unknown" is every client without an address: no proof of anyone's.
        return Ok(());
    }
    known::Entity::insert(known::ActiveModel {
        user_id: Set(user_id),
        address_key: Set(address_key(address)),
        last_success_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([known::Column::UserId, known::Column::AddressKey])
            .update_column(known::Column::LastSuccessAt)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Whether `account` signed in successfully from `address_key` within `KNOWN_FOR`.
async fn is_known(
    db: &impl ConnectionTrait,
    account: &Account<'_>,
    address_key: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let Account::User(user_id) = account else {
        return Ok(false);
    };
    let known = known::Entity::find_by_id((*user_id, address_key.to_owned()))
        .one(db)
        .await?;
    Ok(known.is_some_and(|known| known.last_success_at > now - KNOWN_FOR))
}

/// `clearLoginThrottle`: forgets the failures counted against the account `user_id`, whose
/// login names are `names` (its email and username): its hourly ceiling and every address's
/// run of failures under those names. Returns whether there was anything to forget.
pub async fn clear(db: &impl ConnectionTrait, user_id: Uuid, names: &[&str]) -> AppResult<bool> {
    let failures = login_failures::Entity::delete_many()
        .filter(login_failures::Column::AccountKey.eq(Account::User(user_id).key()))
        .exec(db)
        .await?
        .rows_affected;
    let mut keys: Vec<String> = names.iter().map(|name| name_key(name)).collect();
    // Runs counted per account before they were counted per name.
    keys.push(Account::User(user_id).key());
    let runs = by_address::Entity::delete_many()
        .filter(by_address::Column::AccountKey.is_in(keys))
        .exec(db)
        .await?
        .rows_affected;
    Ok(failures + runs > 0)
}

/// Deletes counters that no longer decide anything: failures older than the hour, runs of
/// failures that are neither waiting nor recent enough to continue, and addresses not signed
/// in from for `KNOWN_FOR`. Returns the rows deleted.
pub async fn prune(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    let failures = login_failures::Entity::delete_many()
        .filter(login_failures::Column::FailedAt.lte(now - Duration::hours(1)))
        .exec(db)
        .await?
        .rows_affected;
    let runs = by_address::Entity::delete_many()
        .filter(by_address::Column::UpdatedAt.lt(now - FORGET_AFTER))
        .filter(
            Condition::any()
                .add(by_address::Column::BlockedUntil.is_null())
                .add(by_address::Column::BlockedUntil.lt(now)),
        )
        .exec(db)
        .await?
        .rows_affected;
    let known = known::Entity::delete_many()
        .filter(known::Column::LastSuccessAt.lt(now - KNOWN_FOR))
        .exec(db)
        .await?
        .rows_affected;
    Ok(failures + runs + known)
}

async fn forget_failure(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    login_failures::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// The wait after `failures` failures in a row, if any.
fn wait_after(failures: i32) -> Option<Duration> {
    let beyond = failures
        .checked_sub(CONSECUTIVE)
        .filter(|beyond| *beyond >= 0)?;
    let secs = if beyond >= 20 {
        LONGEST_WAIT_SECS
    } else {
        (FIRST_WAIT_SECS << beyond).min(LONGEST_WAIT_SECS)
    };
    Some(Duration::seconds(secs))
}

fn blocked(row: &by_address::Model, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    row.blocked_until.filter(|until| *until > now)
}

/// `TOO_MANY_REQUESTS` until `until`: whole seconds, rounded up, at least 1.
fn wait_until(until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    let millis = (until - now).num_milliseconds().max(0);
    AppError::TooManyRequests {
        retry_after_secs: u64::try_from((millis + 999) / 1000).unwrap_or(1).max(1),
    }
}

#[cfg(test)]
mod tests;
