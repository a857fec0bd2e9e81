//! `row_counts`: how many users are not deleted, kept by triggers on `users`, so the unfiltered
//! `users { totalCount }` reads one row instead of counting every live user on every page.
//!
//! The triggers fire on every insert, delete, and change of `deleted_at`, whatever writes them
//! (the application, an operator's SQL, a bulk import), and on PostgreSQL's `TRUNCATE`. The
//! triggers are created before the count is taken, in the migration's transaction: on
//! PostgreSQL its lock on `users` holds back other writers until both are in place, on SQLite
//! its write lock does, so no write falls between them.
//!
//! On PostgreSQL the row trigger is deferred to commit. A transaction with a pending change of
//! `users` cannot then alter, index or truncate the table: a migration that does both runs
//! `SET CONSTRAINTS users_count IMMEDIATE` first.
//!
//! Writes that skip triggers (a restore with triggers disabled, SQLite's `INSERT OR REPLACE`
//! without `recursive_triggers`) can leave the count off; `docs/lists.md` gives the statement
//! that counts again.

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RowCounts {
    Table,
    Name,
    Count,
}

const SQLITE_TRIGGERS: [&str; 3] = [
    "CREATE TRIGGER users_count_insert AFTER INSERT ON users WHEN NEW.deleted_at IS NULL
     BEGIN UPDATE row_counts SET count = count + 1 WHERE name = 'live_users'; END",
    "CREATE TRIGGER users_count_delete AFTER DELETE ON users WHEN OLD.deleted_at IS NULL
     BEGIN UPDATE row_counts SET count = count - 1 WHERE name = 'live_users'; END",
    "CREATE TRIGGER users_count_update AFTER UPDATE OF deleted_at ON users
     WHEN (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
     BEGIN UPDATE row_counts
       SET count = count + CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END
       WHERE name = 'live_users'; END",
];

const POSTGRES_TRIGGER: [&str; 3] = [
    // The schema path of the migration, whatever the path of the session that writes.
    "CREATE FUNCTION users_count_live() RETURNS trigger LANGUAGE plpgsql
     SET search_path FROM CURRENT AS $$
     DECLARE
       change bigint := 0;
     BEGIN
       IF TG_OP = 'TRUNCATE' THEN
         UPDATE row_counts SET count = 0 WHERE name = 'live_users';
         RETURN NULL;
       END IF;
       IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
         change := change + 1;
       END IF;
       IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.deleted_at IS NULL THEN
         change := change - 1;
       END IF;
       IF change <> 0 THEN
         UPDATE row_counts SET count = count + change WHERE name = 'live_users';
       END IF;
       RETURN NULL;
     END $$",
    // Deferred to commit: the one counter row is the last lock a transaction takes, held for
    // the commit alone, whatever the transaction locked before.
    "CREATE CONSTRAINT TRIGGER users_count AFTER INSERT OR DELETE OR UPDATE OF deleted_at
     ON users DEFERRABLE INITIALLY DEFERRED
     FOR EACH ROW EXECUTE FUNCTION users_count_live()",
    "CREATE TRIGGER users_count_truncate AFTER TRUNCATE ON users
     FOR EACH STATEMENT EXECUTE FUNCTION users_count_live()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too: the triggers and the count they start from land
    /// together or not at all.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RowCounts::Table)
                    .col(string_len(RowCounts::Name, 64).primary_key())
                    .col(big_integer(RowCounts::Count))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let triggers: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Postgres => &POSTGRES_TRIGGER,
            _ => &SQLITE_TRIGGERS,
        };
        for trigger in triggers {
            db.execute_unprepared(trigger).await?;
        }
        db.execute_unprepared(
            "INSERT INTO row_counts (name, count) \
             SELECT 'live_users', COUNT(*) FROM users WHERE deleted_at IS NULL",
        )
        .await
        .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let drops: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Postgres => &[
                "DROP TRIGGER users_count_truncate ON users",
                "DROP TRIGGER users_count ON users",
                "DROP FUNCTION users_count_live()",
            ],
            _ => &[
                "DROP TRIGGER users_count_insert",
                "DROP TRIGGER users_count_delete",
                "DROP TRIGGER users_count_update",
            ],
        };
        for drop in drops {
            db.execute_unprepared(drop).await?;
        }
        manager
            .drop_table(Table::drop().table(RowCounts::Table).to_owned())
            .await
    }
}
