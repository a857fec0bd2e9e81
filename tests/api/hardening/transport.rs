//! The HTTP layer's own defences: JSON-only POST bodies, headers that keep answers out of
//! caches and other pages, a CSP on HTML, the header-read timer, and production mode.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::auth::{LOGIN, REGISTER, user_count};
use crate::support::{Backend, PASSWORD, TestApp, assert_code, assert_ok};

/// Bodies a browser may send cross-origin without asking first are never run.
async fn post_bodies_must_be_json(app: TestApp) {
    let url = format!("{}/graphql", app.address);
    let body = json!({ "query": REGISTER, "variables": { "input": {
        "email": "ada@example.com", "password": PASSWORD } } })
    .to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/graphql"),
        None,
    ] {
        let mut request = app.client.post(&url).body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 415, "{content_type:?}");
        let answer: Value = response.json().await.unwrap();
        assert!(
            answer["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("JSON")
        );
    }
    assert_eq!(user_count(&app).await, 0);
    let response = app
        .client
        .post(&url)
        .header("Content-Type", "Application/JSON; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(user_count(&app).await, 1);
}

async fn answers_are_not_cached_sniffed_or_referred(app: TestApp) {
    let url = format!("{}/graphql", app.address);
    let responses = [
        app.post(json!({ "query": "{ me { id } }" }), None).await,
        app.client
            .get(format!("{url}?query=%7Bme%7Bid%7D%7D"))
            .send()
            .await
            .unwrap(),
        app.client
            .post(&url)
            .header("Content-Type", "text/plain")
            .body("x")
            .send()
            .await
            .unwrap(),
    ];
    for response in responses {
        let headers = response.headers();
        assert_eq!(headers["cache-control"], "no-store", "{headers:?}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
    }
}

/// `GET /graphql` as a browser asks for it.
async fn open_in_a_browser(app: &TestApp) -> reqwest::Response {
    app.client
        .get(format!("{}/graphql", app.address))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap()
}

async fn graphiql_is_served_under_a_content_security_policy(app: TestApp) {
    let response = open_in_a_browser(&app).await;
    assert_eq!(response.status(), 200);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let directive = |name: &str| {
        policy
            .split(';')
            .map(str::trim)
            .find(|directive| directive.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in {policy}"))
            .to_owned()
    };
    // Scripts and workers from this server only: no inline script, no other host.
    assert_eq!(directive("script-src"), "script-src 'self'");
    assert_eq!(directive("worker-src"), "worker-src 'self'");
    assert_eq!(directive("connect-src"), "connect-src 'self'");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("http"), "no other host: {policy}");
    let html = response.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("https://"), "nothing from another host");
    assert!(
        html.contains(r#"<script type="module" crossorigin src="/assets/"#),
        "{html}"
    );
}

/// A connection that never finishes its headers is closed after about 10 s (the database plays
/// no part: SQLite only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_are_cut_off() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"POST /graphql HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buffer = [0u8; 1024];
    let outcome = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            // Trickle a byte now and then, as a slowloris client does.
            match tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buffer)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return,
                Ok(Ok(_)) => {}
                Err(_) => {
                    if stream.write_all(b"a").await.is_err() {
                        return;
                    }
                }
            }
        }
    })
    .await;
    assert!(outcome.is_ok(), "the connection was still open after 20 s");
    let held = started.elapsed();
    assert!(
        held >= Duration::from_secs(9) && held < Duration::from_secs(15),
        "closed after {held:?}"
    );
    // The server still serves others.
    assert_ok(&app.gql("{ me { id } }", json!({}), None).await);
}

/// A connection that sends nothing at all is closed too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connections_are_cut_off() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let started = Instant::now();
    let mut buffer = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buffer)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "still open after 20 s: {read:?}"
    );
    let held = started.elapsed();
    assert!(held < Duration::from_secs(15), "closed after {held:?}");
}

async fn production_turns_off_introspection_suggestions_and_graphiql(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |settings| {
        settings.environment = roster::config::Environment::Production;
        settings.jwt_secret = Some(roster::config::Secret::new("p".repeat(48)));
    })
    .await
    else {
        return;
    };
    let body = app
        .gql("{ __schema { types { name } } }", json!({}), None)
        .await;
    assert_code(&body, "GRAPHQL_VALIDATION_FAILED");
    assert!(body["data"].is_null(), "{body}");
    let body = app.gql("{ me { emai } }", json!({}), None).await;
    assert_code(&body, "GRAPHQL_VALIDATION_FAILED");
    assert!(!body.to_string().contains("Did you mean"), "{body}");
    let response = open_in_a_browser(&app).await;
    assert_eq!(response.status(), 400);
    // The API itself works as ever.
    app.register("ada@example.com").await;
    let body = app
        .gql(
            LOGIN,
            json!({ "input": { "login": "ada@example.com", "password": PASSWORD } }),
            None,
        )
        .await;
    assert_ok(&body);

    // `--graphiql` turns GraphiQL back on; introspection stays off.
    let Some(app) = TestApp::spawn_with(backend, |settings| {
        settings.environment = roster::config::Environment::Production;
        settings.jwt_secret = Some(roster::config::Secret::new("p".repeat(48)));
        settings.graphiql = Some(true);
    })
    .await
    else {
        return;
    };
    let response = open_in_a_browser(&app).await;
    assert_eq!(response.status(), 200);
    let body = app
        .gql("{ __type(name: \"User\") { name } }", json!({}), None)
        .await;
    assert_code(&body, "GRAPHQL_VALIDATION_FAILED");
}

/// Production refuses to start on a generated secret.
#[tokio::test]
async fn production_needs_a_configured_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = roster::config::Settings::defaults();
    settings.database_url = roster::config::Secret::new(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("roster.db").display()
    ));
    settings.environment = roster::config::Environment::Production;
    let error = roster::app::build(&settings).await.err().expect("refused");
    assert!(error.to_string().contains("JWT secret"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_turns_off_introspection_suggestions_and_graphiql_sqlite() {
    production_turns_off_introspection_suggestions_and_graphiql(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_turns_off_introspection_suggestions_and_graphiql_postgres() {
    production_turns_off_introspection_suggestions_and_graphiql(Backend::Postgres).await;
}

both!(
    post_bodies_must_be_json,
    answers_are_not_cached_sniffed_or_referred,
    graphiql_is_served_under_a_content_security_policy,
);

/// SQLite acknowledges a commit only once it is on disk (`synchronous=FULL`): a logout or a
/// password change survives a power loss.
#[tokio::test]
async fn sqlite_commits_reach_the_disk_before_they_are_acknowledged() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    for _ in 0..3 {
        let row = app
            .db()
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "PRAGMA synchronous",
            ))
            .await
            .unwrap()
            .unwrap();
        let level: i32 = row.try_get_by_index(0).unwrap();
        assert_eq!(level, 2, "2 is FULL");
    }
}
