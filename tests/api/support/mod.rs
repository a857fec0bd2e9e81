//! Support shared by the API tests. Here: `TestApp`, a running server on its own database and
//! port, typed helpers to talk to it, and the `both!` macro; in the submodules, what the tests of
//! one area share.

use std::sync::Arc;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use roster::config::{Secret, Settings};
use roster::db::entities::users;
use roster::state::AppState;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use uuid::Uuid;

pub mod admin;
pub mod auth;
pub mod pagination;
pub mod process;
pub mod proxy;
pub mod smtp;

/// A password that passes the policy.
pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `async fn $name(app: TestApp)` once per backend, as `$name::sqlite` and `$name::postgres`.
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = crate::support::TestApp::spawn(crate::support::Backend::Sqlite).await.expect("sqlite is always available");
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = crate::support::TestApp::spawn(crate::support::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

/// A Roster server for one test.
pub struct TestApp {
    pub address: String,
    /// The management listener (`/metrics`, `/health`), `http://127.0.0.1:PORT`.
    pub management_address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub backend: Backend,
    pub settings: Settings,
    /// SQL statements executed so far (all connections of the pool).
    statements: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<PostgresDatabase>,
}

/// Whether `sql` is one of the statements the server's background tasks run: the mail
/// delivery task's (on the outbox and link tokens) and the pruning of expired rows.
fn is_background(sql: &str) -> bool {
    sql.contains("mail_outbox")
        || sql.contains("account_tokens")
        || (sql.starts_with("DELETE")
            && (sql.contains("login_failures")
                || sql.contains("login_address_failures")
                || sql.contains("login_known_addresses")))
        // The pruning of long-ended sessions (requests ask for `revoked_at IS NULL`).
        || sql.contains("\"revoked_at\" <")
        || (sql.contains("audit_events") && !sql.starts_with("INSERT"))
}

/// A PostgreSQL database created for one test and dropped when this is dropped (also after a
/// panic).
pub struct PostgresDatabase {
    admin_url: String,
    name: String,
}

impl PostgresDatabase {
    /// A fresh, empty database; `None` when `TEST_DATABASE_URL` is not set.
    pub async fn create() -> Option<Self> {
        let admin_url = postgres_admin_url()?;
        let name = format!("roster_test_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(&admin_url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        admin.close().await.ok();
        Some(Self { admin_url, name })
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

fn postgres_admin_url() -> Option<String> {
    static SKIP_NOTICE: Once = Once::new();
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            SKIP_NOTICE.call_once(|| {
                // Written to the real stderr, past the test harness's capture, so it shows.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "\nNOTE: TEST_DATABASE_URL is not set: the PostgreSQL variants of the API tests \
                     are SKIPPED (they pass without running). Set it, e.g. \
                     TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres, to run them.\n"
                );
            });
            None
        }
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

impl TestApp {
    /// Starts a server on a fresh database; `None` for PostgreSQL when it is not configured.
    /// The per-address rate limit is off (every test client is 127.0.0.1).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like `spawn`, with settings adjusted by `configure` first.
    pub async fn spawn_with(
        backend: Backend,
        configure: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        let (url, dir, postgres) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("roster.db").display()
                );
                (url, Some(dir), None)
            }
            Backend::Postgres => {
                let database = PostgresDatabase::create().await?;
                (database.url(), None, Some(database))
            }
        };
        let mut settings = Settings::defaults();
        settings.database_url = Some(Secret::new(url));
        settings.bind = "127.0.0.1:0".into();
        settings.database_max_connections = 5.try_into().unwrap();
        settings.max_concurrent_hashes = Some(2.try_into().unwrap());
        settings.rate_limit = 0;
        configure(&mut settings);
        let mut app = Self::start(backend, settings).await;
        app._dir = dir;
        app.postgres = postgres;
        Some(app)
    }

    /// A server with `settings` on a database that exists already; owns no database.
    async fn start(backend: Backend, settings: Settings) -> TestApp {
        let mut db: DatabaseConnection = roster::app::connect(&settings).await.expect("connect");
        roster::app::migrate(&db).await.expect("migrate");
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |info| {
            // The server's background tasks (mail delivery, pruning) run on their own clock;
            // only what requests run is counted.
            if !is_background(&info.statement.sql) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        let state = roster::app::state(db, &settings).await.expect("state");

        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let address = format!("http://{}", listener.local_addr().unwrap());
        let management = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let management_address = format!("http://{}", management.local_addr().unwrap());
        let listeners = roster::app::Listeners {
            public: listener,
            management: Some(management),
        };
        let (shutdown, signal) = oneshot::channel::<()>();
        let server_state = state.clone();
        let server_settings = settings.clone();
        let server = tokio::spawn(async move {
            roster::app::serve(listeners, server_state, &server_settings, async {
                signal.await.ok();
            })
            .await
            .expect("server runs");
        });
        TestApp {
            address,
            management_address,
            client: reqwest::Client::new(),
            state,
            backend,
            settings,
            statements,
            shutdown: Some(shutdown),
            server: Some(server),
            _dir: None,
            postgres: None,
        }
    }

    /// A second server (another replica) on this one's database, which this one still owns.
    pub async fn replica(&self) -> TestApp {
        Self::start(self.backend, self.settings.clone()).await
    }

    /// Stops this server (letting open requests finish) and starts a new one on the same
    /// database: what survives is what the database kept.
    pub async fn restart(mut self) -> TestApp {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server stops");
        }
        self.state.db.clone().close().await.ok();
        let mut app = Self::start(self.backend, self.settings.clone()).await;
        app._dir = self._dir.take();
        app.postgres = self.postgres.take();
        app
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Statements executed so far.
    pub fn statement_count(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// POSTs a GraphQL request and returns the JSON body (asserting HTTP 200).
    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let response = self
            .post(json!({ "query": query, "variables": variables }), token)
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("JSON body");
        assert_eq!(status, 200, "GraphQL requests answer 200; body: {body}");
        body
    }

    /// Like `gql`, as a request a trusted proxy passes on for `client` (`X-Forwarded-For`);
    /// the server must trust loopback (`trusting_loopback`).
    pub async fn gql_from(&self, client: &str, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .header("x-forwarded-for", client)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200);
        response.json().await.expect("JSON body")
    }

    /// POSTs any JSON body to /graphql.
    pub async fn post(&self, body: Value, token: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// Registers `email` with the standard password; returns (access, refresh, user id).
    pub async fn register(&self, email: &str) -> Tokens {
        let body = self
            .gql(
                "mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken user { id } } }",
                json!({ "input": { "email": email, "password": PASSWORD } }),
                None,
            )
            .await;
        Tokens::from_payload(&body, "register")
    }

    /// Logs in; panics on failure.
    pub async fn login(&self, login: &str, password: &str) -> Tokens {
        let body = self
            .gql(
                "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id } } }",
                json!({ "input": { "login": login, "password": password } }),
                None,
            )
            .await;
        Tokens::from_payload(&body, "login")
    }

    /// Creates an active ADMIN the way an operator does (`create-superuser`) and logs in.
    pub async fn admin(&self, email: &str) -> Tokens {
        roster::services::admin::superuser::create_superuser(&self.state, email, Some(PASSWORD))
            .await
            .unwrap_or_else(|e| panic!("create_superuser: {}", e.message()));
        self.login(email, PASSWORD).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        // Then the database, if it is a PostgreSQL one of its own.
        self.postgres.take();
    }
}

/// Settings for a server behind a proxy on loopback: `X-Forwarded-For` from 127.0.0.1 is
/// believed, so tests can speak for any client address.
pub fn trusting_loopback(settings: &mut Settings) {
    settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
}

/// A token pair and its user.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub user_id: String,
}

impl Tokens {
    pub fn from_payload(body: &Value, field: &str) -> Tokens {
        let payload = &body["data"][field];
        assert!(payload.is_object(), "{field} failed: {body}");
        Tokens {
            access: payload["accessToken"].as_str().unwrap().to_owned(),
            refresh: payload["refreshToken"].as_str().unwrap().to_owned(),
            user_id: payload["user"]["id"].as_str().unwrap().to_owned(),
        }
    }
}

/// `extensions.code` of the first error, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// `extensions.fields` of the first error.
pub fn error_fields(body: &Value) -> &Value {
    &body["errors"][0]["extensions"]["fields"]
}

/// Asserts the first error's code, with the body in the message.
#[track_caller]
pub fn assert_code(body: &Value, code: &str) {
    assert_eq!(
        error_code(body),
        Some(code),
        "expected {code}; body: {body}"
    );
}

/// Asserts the request succeeded without errors.
#[track_caller]
pub fn assert_ok(body: &Value) {
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
}

/// Parses one of Roster's ids.
pub fn uuid(id: &str) -> Uuid {
    id.parse().expect("Roster's ids are UUIDs")
}

/// The user row `id`, if there is one.
pub async fn db_user(app: &TestApp, id: &str) -> Option<users::Model> {
    users::Entity::find_by_id(uuid(id))
        .one(app.db())
        .await
        .unwrap()
}
