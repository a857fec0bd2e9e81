//! The HTTP layer's own defences: JSON-only POST bodies, headers that keep answers out of
//! caches and other pages, a CSP on HTML, the header-read timer, refusals that reach a client
//! still sending its body, the connection limit, and production mode.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::auth::user_count;
use crate::support::documents::REGISTER;
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
    let app = TestApp::spawn(Backend::Sqlite).await;
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
    let app = TestApp::spawn(Backend::Sqlite).await;
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

per_backend!(backend; production_turns_off_introspection_suggestions_and_graphiql);

async fn production_turns_off_introspection_suggestions_and_graphiql(backend: Backend) {
    let app = TestApp::spawn_with(backend, |settings| {
        settings.environment = roster::config::Environment::Production;
        settings.jwt_secret = Some(roster::config::Secret::new("p".repeat(48)));
        settings.encryption_key = Some(roster::config::Secret::new(ENCRYPTION_KEY.to_owned()));
    })
    .await;
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
    let body = app.try_login("ada@example.com", PASSWORD).await;
    assert_ok(&body);

    // `--graphiql` turns GraphiQL back on; introspection stays off.
    let app = TestApp::spawn_with(backend, |settings| {
        settings.environment = roster::config::Environment::Production;
        settings.jwt_secret = Some(roster::config::Secret::new("p".repeat(48)));
        settings.encryption_key = Some(roster::config::Secret::new(ENCRYPTION_KEY.to_owned()));
        settings.graphiql = Some(true);
    })
    .await;
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
    settings.database_url = Some(roster::config::Secret::new(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("roster.db").display()
    )));
    settings.environment = roster::config::Environment::Production;
    let error = roster::app::build(&settings).await.err().expect("refused");
    assert!(error.to_string().contains("JWT secret"), "{error}");
}

/// A production encryption key (32 bytes in base64).
const ENCRYPTION_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// An answer read off a raw connection.
struct Answer {
    status: u16,
    /// Header names lower-cased.
    headers: Vec<(String, String)>,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A raw connection to `app`.
async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// Reads one HTTP/1.1 answer with a `Content-Length` and a JSON body off `stream`.
async fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let read = stream.read(&mut chunk).await.expect("read the answer");
        assert!(read > 0, "closed before the answer's head: {received:?}");
        received.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8(received[..head_end].to_vec()).expect("a text head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {head}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or_else(|| panic!("no Content-Length: {head}"));
    while received.len() < head_end + length {
        let read = stream
            .read(&mut chunk)
            .await
            .expect("read the answer's body");
        assert!(
            read > 0,
            "closed in the middle of the answer's body: {head}"
        );
        received.extend_from_slice(&chunk[..read]);
    }
    let body = serde_json::from_slice(&received[head_end..head_end + length])
        .unwrap_or_else(|e| panic!("not a JSON body ({e}): {head}"));
    Answer {
        status,
        headers,
        body,
    }
}

/// A GraphQL POST on a raw connection, kept alive.
async fn post_typename(stream: &mut TcpStream) -> Answer {
    let body = r#"{"query":"{ __typename }"}"#;
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: roster\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    read_answer(stream).await
}

/// Sends `bytes` as a slow client does: in chunks, a few milliseconds apart. Every write must
/// succeed: a server that answered and closed early would make one fail (a broken pipe, or a
/// reset), and the client would never see the answer meant for it.
async fn send_slowly(stream: &mut TcpStream, bytes: &[u8], chunk: usize) {
    for (n, piece) in bytes.chunks(chunk).enumerate() {
        if let Err(error) = stream.write_all(piece).await {
            panic!(
                "cut off after {} of {} bytes: {error}",
                n * chunk,
                bytes.len()
            );
        }
        // The slow client this test plays.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A body refused for its type (415) is read whole before the answer, so a client still
/// sending it gets the answer rather than a broken pipe, and may use the connection again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_body_is_read_before_the_answer() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut stream = connect(&app).await;
    let body = vec![b'x'; 200 * 1024];
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: roster\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    send_slowly(&mut stream, &body, 16 * 1024).await;
    let answer = tokio::time::timeout(Duration::from_secs(5), read_answer(&mut stream))
        .await
        .expect("answered");
    assert_eq!(answer.status, 415);
    assert!(
        answer
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_code(&answer.body, "BAD_USER_INPUT");
    assert!(
        answer.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("JSON"),
        "{}",
        answer.body
    );
    // The whole body was read: the connection serves the next request.
    let next = tokio::time::timeout(Duration::from_secs(5), post_typename(&mut stream))
        .await
        .expect("answered");
    assert_eq!(next.status, 200);
    assert_eq!(next.body, json!({ "data": { "__typename": "Query" } }));
}

/// A body over the limit is refused with a 413 in JSON, whether its length was declared or it
/// came in chunks, and the client gets that answer whole though it goes on sending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_gets_a_whole_json_413() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let json_body = |size: usize| {
        let mut body = br#"{"query":"{ __typename }","pad":""#.to_vec();
        body.resize(size - 2, b'a');
        body.extend_from_slice(br#""}"#);
        body
    };

    // Declared: refused on its `Content-Length` alone.
    let body = json_body(512 * 1024);
    let mut stream = connect(&app).await;
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: roster\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    send_slowly(&mut stream, &body, 32 * 1024).await;
    let answer = tokio::time::timeout(Duration::from_secs(5), read_answer(&mut stream))
        .await
        .expect("answered");
    assert_eq!(answer.status, 413);
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(
        answer
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_code(&answer.body, "BAD_USER_INPUT");
    assert!(
        answer.body["errors"][0]["message"].is_string(),
        "{}",
        answer.body
    );

    // In chunks: refused once the limit is reached.
    let body = json_body(320 * 1024);
    let mut chunked = Vec::new();
    for piece in body.chunks(16 * 1024) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let mut stream = connect(&app).await;
    stream
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: roster\r\nContent-Type: application/json\r\n\
              Transfer-Encoding: chunked\r\n\r\n",
        )
        .await
        .unwrap();
    send_slowly(&mut stream, &chunked, 32 * 1024).await;
    let answer = tokio::time::timeout(Duration::from_secs(5), read_answer(&mut stream))
        .await
        .expect("answered");
    assert_eq!(answer.status, 413);
    assert_code(&answer.body, "BAD_USER_INPUT");

    // Nothing ran, and the server serves on.
    assert_eq!(user_count(&app).await, 0);
    let mut stream = connect(&app).await;
    assert_eq!(post_typename(&mut stream).await.status, 200);
}

/// With `--max-connections 2`, a third connection is not served while two are open, and is
/// served once one of them closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_limit_wait_to_be_accepted() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.max_connections = 2.try_into().unwrap();
    })
    .await;
    let mut first = connect(&app).await;
    let mut second = connect(&app).await;
    // Both served, and kept open.
    assert_eq!(post_typename(&mut first).await.status, 200);
    assert_eq!(post_typename(&mut second).await.status, 200);

    let mut third = connect(&app).await;
    let waiting = tokio::time::timeout(Duration::from_millis(500), post_typename(&mut third)).await;
    assert!(
        waiting.is_err(),
        "a third connection was served while two were open"
    );

    drop(first);
    let answer = tokio::time::timeout(Duration::from_secs(5), read_answer(&mut third))
        .await
        .expect("served once a connection closed");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, json!({ "data": { "__typename": "Query" } }));
    // The other open connection is still served.
    assert_eq!(post_typename(&mut second).await.status, 200);
}

/// Production keeps the SDL to itself unless `--public-schema` says otherwise; a browser gets
/// no console page in its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_serves_the_schema_only_when_asked() {
    for public_schema in [None, Some(true)] {
        let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
            settings.environment = roster::config::Environment::Production;
            settings.jwt_secret = Some(roster::config::Secret::new("p".repeat(48)));
            settings.encryption_key = Some(roster::config::Secret::new(ENCRYPTION_KEY.to_owned()));
            settings.encryption_key = Some(roster::config::Secret::new(ENCRYPTION_KEY.to_owned()));
            settings.public_schema = public_schema;
        })
        .await;
        for accept in ["*/*", "text/html"] {
            let response = app
                .client
                .get(format!("{}/schema.graphql", app.address))
                .header("Accept", accept)
                .send()
                .await
                .unwrap();
            if public_schema == Some(true) {
                assert_eq!(response.status(), 200, "{accept}");
                assert_eq!(response.text().await.unwrap(), roster::graphql::sdl());
            } else {
                assert_eq!(response.status(), 404, "{accept}");
            }
        }
    }
}

per_backend!(
    post_bodies_must_be_json,
    answers_are_not_cached_sniffed_or_referred,
    graphiql_is_served_under_a_content_security_policy,
);

/// SQLite acknowledges a commit only once it is on disk (`synchronous=FULL`): a logout or a
/// password change survives a power loss.
#[tokio::test]
async fn sqlite_commits_reach_the_disk_before_they_are_acknowledged() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn(Backend::Sqlite).await;
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
