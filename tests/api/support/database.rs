//! The databases tests run on: a SQLite file in a temp dir, or a PostgreSQL database created on
//! the server `TEST_DATABASE_URL` names and dropped after the test; and whether PostgreSQL tests
//! run at all (`available`), saying so when they do not.

use std::io::Write;
use std::sync::Once;

use sea_orm::ConnectionTrait;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The variable that turns the PostgreSQL tests on: a server where the user may create and drop
/// databases.
const URL_VARIABLE: &str = "TEST_DATABASE_URL";

/// Whether `test` can run on `backend`: always on SQLite; on PostgreSQL when
/// `TEST_DATABASE_URL` is set. When it is not, this says on the terminal that `test` is
/// skipped.
///
/// Why a line and not `#[ignore]`: the test harness decides what is ignored when the tests are
/// compiled, and the variable is read when they run (`.ci/run` exports it just before
/// `cargo test`). So a skipped PostgreSQL variant still counts as passed in the harness's
/// summary; the line (written past the harness's output capture) is what shows that it did
/// not run.
pub fn available(backend: Backend, test: &str) -> bool {
    if backend == Backend::Sqlite || postgres_url().is_some() {
        return true;
    }
    static HOW_TO_RUN: Once = Once::new();
    HOW_TO_RUN.call_once(|| {
        to_terminal(&format!(
            "\nNOTE: {URL_VARIABLE} is not set, so the PostgreSQL variants of the API tests do not \
             run: each says `skipped:` here and the harness counts it as passed. To run them, set \
             e.g. {URL_VARIABLE}=postgres://postgres@127.0.0.1:5432/postgres\n"
        ));
    });
    // The name `cargo test` shows: without the crate's.
    let test = test
        .strip_prefix(concat!(env!("CARGO_CRATE_NAME"), "::"))
        .unwrap_or(test);
    to_terminal(&format!("skipped: {test} (no {URL_VARIABLE})"));
    false
}

/// Writes `line` to the real stderr: the harness captures only `print!` and `eprint!`, so
/// this shows even for a test that passes.
fn to_terminal(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn postgres_url() -> Option<String> {
    std::env::var(URL_VARIABLE)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A fresh, empty database for one test (or one child process), removed when dropped.
pub enum TestDatabase {
    Sqlite {
        url: String,
        _dir: tempfile::TempDir,
    },
    Postgres(PostgresDatabase),
}

impl TestDatabase {
    /// Panics for PostgreSQL when `TEST_DATABASE_URL` is not set: ask `available` first.
    pub async fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("roster.db").display()
                );
                TestDatabase::Sqlite { url, _dir: dir }
            }
            Backend::Postgres => TestDatabase::Postgres(PostgresDatabase::create().await),
        }
    }

    pub fn url(&self) -> String {
        match self {
            TestDatabase::Sqlite { url, .. } => url.clone(),
            TestDatabase::Postgres(database) => database.url(),
        }
    }
}

/// A PostgreSQL database created for one test and dropped when this is dropped (also after a
/// panic).
pub struct PostgresDatabase {
    admin_url: String,
    name: String,
}

impl PostgresDatabase {
    /// A fresh, empty database. Panics when `TEST_DATABASE_URL` is not set: ask `available`
    /// first.
    pub async fn create() -> Self {
        let admin_url = postgres_url().unwrap_or_else(|| {
            panic!("BUG: a PostgreSQL test ran without {URL_VARIABLE}; ask `available` first")
        });
        let name = format!("roster_test_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(&admin_url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        admin.close().await.ok();
        Self { admin_url, name }
    }

    pub fn url(&self) -> String {
        with_database(&self.admin_url, &self.name)
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Dropping needs async work; do it on a private runtime so it also runs after a panic.
        let handle = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        });
        let _ = handle.join();
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(query) => format!("{root}/{name}?{query}"),
        None => format!("{root}/{name}"),
    }
}

/// Undoes every migration from the one whose name starts with `first` on, then applies them
/// all again: what upgrading a database from before `first` does to the rows it holds.
pub async fn redo_migrations_from(db: &sea_orm::DatabaseConnection, first: &str) {
    use migration::MigratorTrait;
    let names: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|step| step.name().to_owned())
        .collect();
    let position = names
        .iter()
        .position(|name| name.starts_with(first))
        .unwrap_or_else(|| panic!("no migration {first} in {names:?}"));
    let steps = u32::try_from(names.len() - position).unwrap();
    migration::Migrator::down(db, Some(steps)).await.unwrap();
    migration::Migrator::up(db, None).await.unwrap();
}
