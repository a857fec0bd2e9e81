//! The database: connecting (pool size, SQLite pragmas), the entities, and the two small
//! conventions every service shares: timestamps at microsecond precision and write
//! transactions that take SQLite's write lock up front.

pub mod entities;

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// How much of a SQLite file each connection maps into memory: none. Each connection of the
/// pool maps the file on its own, and every page it touches counts in the process's resident
/// set once per connection (10 connections over a 34 MB file: 340 MB).
const SQLITE_MMAP_BYTES: u64 = 0;

/// How long a SQLite connection waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The pool size when none is configured: 10 on PostgreSQL; on SQLite, two per core (at least
/// 2, at most 10). SQLite runs in this process: each connection is a thread of its own with its
/// own page cache, and more connections than the cores can keep busy buy only memory.
pub fn default_pool_size(url: &str) -> u32 {
    if !url.starts_with("sqlite:") {
        return 10;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    u32::try_from(cores * 2).unwrap_or(u32::MAX).clamp(2, 10)
}

/// Opens a pool for `url` (`sqlite://...` or `postgres://...`).
///
/// SQLite runs in WAL mode with `synchronous=FULL` (a commit is on disk before it is
/// acknowledged: a logout or a password change survives a power loss), foreign keys on and a
/// busy timeout; a file database gets a pool
/// of several connections (readers run beside the one writer), an in-memory one exactly one
/// (each connection would otherwise see its own empty database).
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    let in_memory = url.starts_with("sqlite:") && url.contains(":memory:");
    options
        .max_connections(if in_memory { 1 } else { max_connections.max(2) })
        .min_connections(1)
        // Below the request timeout: with the database gone, a request ends in a clean error
        // rather than a 408.
        .acquire_timeout(Duration::from_secs(5))
        // Pinging every connection handed out costs a round trip per statement; one idle
        // long enough to have been dropped (a restarted server, a proxy) is still tested.
        .test_before_acquire_if_idle_for(Duration::from_secs(10))
        // sqlx logs every statement at INFO; requests are traced by the HTTP layer instead.
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
        });
    Database::connect(options).await
}

/// The current time at the precision both databases store (microseconds), so a value read
/// back compares equal to the value written (keyset cursors depend on that).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`, so the write lock
/// is taken (waiting out other writers) before the first read; a deferred transaction that
/// reads and then writes would fail with `SQLITE_BUSY` instead of waiting.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// True on PostgreSQL, where row locks (`FOR UPDATE`) serialise what SQLite's single writer
/// serialises by itself.
pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// `query`, locking the rows it reads (`FOR UPDATE`, `FOR SHARE`) until the transaction ends
/// on PostgreSQL; unchanged on SQLite, where `begin_write` already holds the one write lock.
pub fn locking<Q: sea_orm::QuerySelect>(
    query: Q,
    db: &impl ConnectionTrait,
    lock: sea_orm::sea_query::LockType,
) -> Q {
    if is_postgres(db) {
        query.lock(lock)
    } else {
        query
    }
}

/// Holds a lock named by `key` until `txn` ends, on PostgreSQL (a transaction-level advisory
/// lock), so that transactions about one thing that has no row to lock yet (an address) run one
/// after the other; nothing on SQLite, where `begin_write` already holds the one write lock.
pub async fn lock_key(txn: &DatabaseTransaction, key: &str) -> Result<(), DbErr> {
    use sha2::{Digest, Sha256};
    if !is_postgres(txn) {
        return Ok(());
    }
    let digest = Sha256::digest(key.as_bytes());
    let id = i64::from_be_bytes(digest[..8].try_into().expect("BUG: a digest has 8 bytes"));
    txn.execute_raw(sea_orm::Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [id.into()],
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};

    /// `.cargo/config.toml` builds SQLite with `SQLITE_ENABLE_QPSG`; without it, every query
    /// with a bound `LIMIT` is parsed and planned again on each execution.
    #[tokio::test]
    async fn sqlite_plans_do_not_depend_on_bound_values() {
        let db = super::connect("sqlite::memory:", 1).await.unwrap();
        let found = db
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "SELECT 1 FROM pragma_compile_options WHERE compile_options = 'ENABLE_QPSG'",
            ))
            .await
            .unwrap();
        assert!(
            found.is_some(),
            "SQLite was built without SQLITE_ENABLE_QPSG"
        );
    }
}
