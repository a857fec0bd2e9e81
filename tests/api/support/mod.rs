//! Support shared by the API tests. Here: `TestApp`, a running server on its own database and
//! port, and typed helpers to talk to it. In the submodules: running a test on each backend
//! (`backends`, with the `per_backend!` macro; `database`), the GraphQL documents several areas
//! send (`documents`), moving the server's clock in its database (`clock`), the mail outbox
//! (`outbox`), the server's functions tests call directly (`services`), fake identity
//! providers (`fake_provider`, `fake_github`), a real OpenID Provider and a browser's way
//! through it (`oidc_provider`), and what the tests of one area share (`admin`, `auth`,
//! `pagination`, `process`, `proxy`, `smtp`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use roster::config::{Secret, Settings};
use roster::db::entities::users;
use roster::state::AppState;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use uuid::Uuid;

#[macro_use]
pub mod backends;
pub mod admin;
pub mod auth;
pub mod clock;
pub mod database;
pub mod documents;
pub mod fake_github;
pub mod fake_provider;
pub mod oidc_provider;
pub mod outbox;
pub mod pagination;
pub mod process;
pub mod proxy;
pub mod services;
pub mod smtp;
pub mod totp;
pub mod webauthn;

pub use database::{Backend, PostgresDatabase, TestDatabase};

/// A password that passes the policy.
pub const PASSWORD: &str = "correct horse battery staple";

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
    /// Passes of the mail delivery task finished so far (`outbox::wait_for_delivery_passes`).
    delivery_passes: Arc<AtomicUsize>,
    /// Passes of the server's pruning of old rows that reached its last step, the sessions.
    pruning_passes: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// The database, when this server owns it (a replica does not).
    database: Option<TestDatabase>,
}

/// Whether `sql` is one of the statements the server's background tasks run: the mail
/// delivery task's (on the outbox and link tokens) and the pruning of expired rows.
fn is_background(sql: &str) -> bool {
    sql.contains("mail_outbox")
        || sql.contains("account_tokens")
        || (sql.starts_with("DELETE")
            && (sql.contains("login_failures")
                || sql.contains("login_address_failures")
                || sql.contains("login_known_addresses")
                || sql.contains("sign_in_challenges")
                || sql.contains("totp_enrollments")
                || sql.contains("oauth_flows")
                || sql.contains("account_links")
                || sql.contains("passkey_ceremonies")))
        // The pruning of long-ended sessions (requests ask for `revoked_at IS NULL`).
        || sql.contains("\"revoked_at\" <")
        || (sql.contains("audit_events") && !sql.starts_with("INSERT"))
}

/// Whether `sql` is the statement with which the delivery task ends each pass that found
/// nothing more to send (`outbox::next_due`: when the next mail falls due).
fn ends_a_delivery_pass(sql: &str) -> bool {
    sql.starts_with(r#"SELECT "mail_outbox"."next_attempt_at" FROM"#)
}

/// Whether `sql` looks for long-ended sessions: the last step of each pruning pass
/// (`sessions::prune`).
fn prunes_sessions(sql: &str) -> bool {
    sql.starts_with("SELECT") && sql.contains("\"revoked_at\" <")
}

impl TestApp {
    /// Starts a server on a fresh database (PostgreSQL: ask `database::available` first).
    /// The per-address rate limit is off (every test client is 127.0.0.1).
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like `spawn`, with settings adjusted by `configure` first.
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let database = TestDatabase::create(backend).await;
        let mut settings = Settings::defaults();
        settings.database_url = Some(Secret::new(database.url()));
        settings.bind = "127.0.0.1:0".into();
        settings.database_max_connections = Some(5.try_into().unwrap());
        settings.max_concurrent_hashes = Some(2.try_into().unwrap());
        settings.rate_limit = 0;
        configure(&mut settings);
        let mut app = Self::start(backend, settings).await;
        app.database = Some(database);
        app
    }

    /// A server with `settings` on a database that exists already; owns no database.
    async fn start(backend: Backend, settings: Settings) -> TestApp {
        let mut db: DatabaseConnection = roster::app::connect(&settings).await.expect("connect");
        roster::app::migrate(&db).await.expect("migrate");
        let statements = Arc::new(AtomicUsize::new(0));
        let delivery_passes = Arc::new(AtomicUsize::new(0));
        let pruning_passes = Arc::new(AtomicUsize::new(0));
        let (counter, passes, prunings) = (
            statements.clone(),
            delivery_passes.clone(),
            pruning_passes.clone(),
        );
        db.set_metric_callback(move |info| {
            let sql = &info.statement.sql;
            // The server's background tasks (mail delivery, pruning) run on their own clock;
            // only what requests run is counted.
            if !is_background(sql) {
                counter.fetch_add(1, Ordering::SeqCst);
            } else if ends_a_delivery_pass(sql) {
                passes.fetch_add(1, Ordering::SeqCst);
            } else if prunes_sessions(sql) {
                prunings.fetch_add(1, Ordering::SeqCst);
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
            delivery_passes,
            pruning_passes,
            shutdown: Some(shutdown),
            server: Some(server),
            database: None,
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
        app.database = self.database.take();
        app
    }

    /// Like `restart`, with the settings changed by `configure` first: the same database under
    /// another configuration.
    pub async fn restart_with(mut self, configure: impl FnOnce(&mut Settings)) -> TestApp {
        configure(&mut self.settings);
        self.restart().await
    }

    /// The database URL this server runs on (for the binary's commands).
    pub fn database_url(&self) -> String {
        let url = self.settings.database_url.as_ref();
        url.expect("a test server has a database URL")
            .expose()
            .to_owned()
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Statements executed so far.
    pub fn statement_count(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// Passes of this server's mail delivery task finished so far.
    pub fn delivery_passes(&self) -> usize {
        self.delivery_passes.load(Ordering::SeqCst)
    }

    /// Waits until the server's pruning of old rows, which runs at start and then once a
    /// minute, has made its first pass: for a minute after, rows a test dates back are the
    /// test's to prune.
    pub async fn wait_for_first_pruning(&self) {
        for _ in 0..400 {
            if self.pruning_passes.load(Ordering::SeqCst) > 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the server did not prune within 20 s of its start");
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
                documents::REGISTER,
                json!({ "input": { "email": email, "password": PASSWORD } }),
                None,
            )
            .await;
        Tokens::from_payload(&body, "register")
    }

    /// Logs in; panics on failure.
    pub async fn login(&self, login: &str, password: &str) -> Tokens {
        Tokens::from_payload(&self.try_login(login, password).await, "login")
    }

    /// Tries to log in; returns the answer, whatever it is.
    pub async fn try_login(&self, login: &str, password: &str) -> Value {
        self.gql(
            documents::LOGIN,
            json!({ "input": { "login": login, "password": password } }),
            None,
        )
        .await
    }

    /// Creates an active ADMIN the way an operator does (`create-superuser`) and logs in.
    pub async fn admin(&self, email: &str) -> Tokens {
        services::create_superuser(&self.state, email, Some(PASSWORD))
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
        // Then the database, if it is one of its own.
        self.database.take();
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

/// Asserts the first error is `TOO_MANY_REQUESTS`; returns its `retryAfter` (seconds).
#[track_caller]
pub fn retry_after(body: &Value) -> u64 {
    assert_code(body, "TOO_MANY_REQUESTS");
    body["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap_or_else(|| panic!("retryAfter in {body}"))
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
