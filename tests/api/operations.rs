//! What an operator reads and runs: request ids (in the `X-Request-Id` header, in the
//! request's log lines, in `extensions.requestId` of an internal error), JSON logs, metrics on
//! the management listener, and what the binary says or refuses at start.

use std::time::Duration;

use roster::config::DEFAULT_MANAGEMENT_BIND;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::documents::LOGIN;
use crate::support::process::{Launch, RosterProcess, client};
use crate::support::{Backend, TestApp, TestDatabase, assert_code, trusting_loopback};

const REQUEST_ID: &str = "x-request-id";

/// How long a test waits for a line the binary logs once it serves (after its address).
const LOG_WAIT: Duration = Duration::from_secs(5);

async fn typename(app: &TestApp, request_id: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "{ __typename }" }));
    if let Some(id) = request_id {
        request = request.header(REQUEST_ID, id);
    }
    request.send().await.expect("request sent")
}

fn id_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(REQUEST_ID)
        .expect("every answer carries X-Request-Id")
        .to_str()
        .unwrap()
        .to_owned()
}

per_backend!(
    every_answer_carries_a_request_id_of_its_own,
    an_internal_error_names_its_request,
);

async fn every_answer_carries_a_request_id_of_its_own(app: TestApp) {
    let first = id_of(&typename(&app, None).await);
    let second = id_of(&typename(&app, None).await);
    assert!(uuid::Uuid::parse_str(&first).is_ok(), "{first}");
    assert_ne!(first, second);
    // A client cannot choose the id its request is logged under.
    let chosen = id_of(&typename(&app, Some("i-am-someone-else")).await);
    assert_ne!(chosen, "i-am-someone-else");
    assert!(uuid::Uuid::parse_str(&chosen).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_proxy_s_request_id_is_kept() {
    let app = TestApp::spawn_with(Backend::Sqlite, trusting_loopback).await;
    let kept = id_of(&typename(&app, Some("lb-7f3a9c")).await);
    assert_eq!(kept, "lb-7f3a9c");
    // Not a short line of visible characters: replaced even from a trusted proxy.
    let long = "x".repeat(500);
    let replaced = id_of(&typename(&app, Some(&long)).await);
    assert!(uuid::Uuid::parse_str(&replaced).is_ok());
}

async fn an_internal_error_names_its_request(app: TestApp) {
    let admin = app.admin("root@example.com").await;
    // A database that lost a table: every read of it fails inside the server.
    let drop = match app.backend {
        Backend::Sqlite => "DROP TABLE group_permissions",
        Backend::Postgres => "DROP TABLE group_permissions CASCADE",
    };
    app.db().execute_unprepared(drop).await.unwrap();
    app.db()
        .execute_unprepared(match app.backend {
            Backend::Sqlite => "DROP TABLE groups",
            Backend::Postgres => "DROP TABLE groups CASCADE",
        })
        .await
        .unwrap();
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&admin.access)
        .json(&json!({ "query": "{ groups { totalCount } }" }))
        .send()
        .await
        .unwrap();
    let id = id_of(&response);
    let body: Value = response.json().await.unwrap();
    assert_code(&body, "INTERNAL_SERVER_ERROR");
    assert_eq!(
        body["errors"][0]["extensions"]["requestId"],
        id.as_str(),
        "{body}"
    );
    // Nothing of the cause reaches the client.
    assert_eq!(body["errors"][0]["message"], "internal error");
    assert!(!body.to_string().contains("groups\" does not exist"));
    assert!(!body.to_string().to_lowercase().contains("no such table"));
}

/// `ROSTER_LOG_FORMAT=json`: every line is one JSON object, and a request's lines carry its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_parse_line_by_line_and_carry_the_request_id() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let roster = RosterProcess::start_with(&database.url(), &[("ROSTER_LOG_FORMAT", "json")]).await;
    let response = client()
        .post(format!("{}/graphql", roster.address))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    let id = response.headers()[REQUEST_ID].to_str().unwrap().to_owned();
    let mut request_line = None;
    for _ in 0..200 {
        request_line = roster.log().into_iter().find(|line| line.contains(&id));
        if request_line.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let log = roster.log();
    for line in &log {
        let parsed: Result<Value, _> = serde_json::from_str(line);
        assert!(parsed.is_ok(), "not one JSON object: {line}");
    }
    let line: Value =
        serde_json::from_str(&request_line.expect("a log line of the request")).unwrap();
    assert_eq!(line["level"], "INFO", "{line}");
    assert_eq!(line["span"]["request_id"], id.as_str(), "{line}");
    assert_eq!(line["span"]["path"], "/graphql", "{line}");
    roster.assert_no_panic();
}

/// A metric's name, labels and value.
type Sample = (String, Vec<(String, String)>, f64);

/// The samples of a Prometheus text exposition, each line checked against the format: `# HELP`
/// and `# TYPE` comments, or `name{label="value",...} number`. Panics on any other line.
fn samples(text: &str) -> Vec<Sample> {
    let name_ok = |name: &str| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    };
    let mut out = Vec::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.split_whitespace();
            let kind = words.next();
            assert!(matches!(kind, Some("HELP" | "TYPE")), "bad comment: {line}");
            assert!(words.next().is_some_and(name_ok), "bad comment: {line}");
            if kind == Some("TYPE") {
                let kind = words.next();
                assert!(
                    matches!(
                        kind,
                        Some("counter" | "gauge" | "histogram" | "summary" | "untyped")
                    ),
                    "bad type: {line}"
                );
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("bad line: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            other => other
                .parse()
                .unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("bad labels: {line}"));
                let labels = body
                    .split("\",")
                    .filter(|pair| !pair.is_empty())
                    .map(|pair| {
                        let (key, value) = pair
                            .split_once("=\"")
                            .unwrap_or_else(|| panic!("bad label: {line}"));
                        assert!(name_ok(key), "bad label name: {line}");
                        (key.to_owned(), value.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (name, labels)
            }
            None => (series, Vec::new()),
        };
        assert!(name_ok(name), "bad metric name: {line}");
        out.push((name.to_owned(), labels, value));
    }
    out
}

/// The value of `name` with exactly these labels, or 0 when absent.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && l.len() == labels.len()
                && labels
                    .iter()
                    .all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map_or(0.0, |(_, _, v)| *v)
}

async fn scrape(address: &str) -> Vec<Sample> {
    let response = client()
        .get(format!("{address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    assert!(
        !text.contains("@example.com"),
        "no address in metrics:\n{text}"
    );
    samples(&text)
}

/// `/metrics` on the management listener parses as Prometheus text, and its login and request
/// counters move with what this server (a process of its own, so no other test's traffic
/// counts) did on the public one, which has no `/metrics`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_count_logins_and_requests() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let roster = RosterProcess::start(&database.url()).await;
    let management = roster
        .management_address
        .clone()
        .expect("a management listener");
    roster.register("ada@example.com").await;
    let before = scrape(&management).await;
    let wrong = roster
        .gql(
            LOGIN,
            json!({ "input": { "login": "ada@example.com", "password": "not it at all" } }),
        )
        .await;
    assert_code(&wrong, "UNAUTHENTICATED");
    let right = roster
        .gql(
        LOGIN,
        json!({ "input": { "login": "ada@example.com", "password": crate::support::PASSWORD } }),
    )
    .await;
    assert!(right["data"]["login"]["accessToken"].is_string(), "{right}");
    let public = client()
        .get(format!("{}/metrics", roster.address))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
    let after = scrape(&management).await;

    let delta = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert_eq!(delta("roster_logins_total", &[("outcome", "failed")]), 1.0);
    assert_eq!(
        delta("roster_logins_total", &[("outcome", "succeeded")]),
        1.0
    );
    assert_eq!(
        delta(
            "roster_http_requests_total",
            &[("route", "/graphql"), ("status", "200")]
        ),
        2.0
    );
    // The scrape before this one, on the management listener.
    assert_eq!(
        delta(
            "roster_http_requests_total",
            &[("route", "/metrics"), ("status", "200")]
        ),
        1.0
    );
    assert_eq!(
        delta(
            "roster_graphql_operations_total",
            &[("outcome", "unauthenticated")]
        ),
        1.0
    );
    // The histogram and the gauges are there, with their conventions.
    assert!(
        after
            .iter()
            .any(|(n, _, _)| n == "roster_http_request_duration_seconds_bucket")
    );
    assert!(
        after
            .iter()
            .any(|(n, l, _)| n == "roster_db_pool_connections"
                && l.iter().any(|(k, v)| k == "state" && v == "idle"))
    );
    // Bound on loopback: no warning about other hosts.
    assert!(
        !roster
            .log()
            .iter()
            .any(|line| line.contains("other hosts can reach")),
        "{:?}",
        roster.log()
    );
    roster.assert_no_panic();
}

/// urql sends queries by GET: each is an operation counted like a POST, refused or run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_sent_by_get_are_counted() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let roster = RosterProcess::start(&database.url()).await;
    let management = roster
        .management_address
        .clone()
        .expect("a management listener");
    let get = |query: &'static str| {
        let url = format!("{}/graphql", roster.address);
        async move {
            client()
                .get(reqwest::Url::parse_with_params(&url, &[("query", query)]).unwrap())
                .send()
                .await
                .unwrap()
        }
    };
    let before = scrape(&management).await;
    let answered = get("{ __typename }").await;
    assert_eq!(answered.status(), 200);
    assert_eq!(
        answered.json::<Value>().await.unwrap(),
        json!({ "data": { "__typename": "Query" } })
    );
    let broken = get("{ me { id ").await.json::<Value>().await.unwrap();
    assert_code(&broken, "GRAPHQL_PARSE_FAILED");
    let after = scrape(&management).await;
    let delta = |outcome: &str| {
        let labels = [("outcome", outcome)];
        value(&after, "roster_graphql_operations_total", &labels)
            - value(&before, "roster_graphql_operations_total", &labels)
    };
    assert_eq!(delta("ok"), 1.0);
    assert_eq!(delta("graphql_parse_failed"), 1.0);
}

/// The management listener serves metrics and health, and nothing for browsers: no CORS, no
/// GraphQL. The public listener keeps `/health` and has no `/metrics`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_management_listener_serves_metrics_and_health_only() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let management = &app.management_address;
    assert_ne!(management, &app.address);
    for address in [&app.address, management] {
        let health = client()
            .get(format!("{address}/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200, "{address}");
        assert_eq!(
            health.json::<Value>().await.unwrap(),
            json!({ "status": "ok" })
        );
    }
    let metrics = client()
        .get(format!("{management}/metrics"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(
        metrics
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "{:?}",
        metrics.headers()
    );
    assert!(metrics.text().await.unwrap().contains("# TYPE"));
    let preflight = client()
        .request(reqwest::Method::OPTIONS, format!("{management}/metrics"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "{:?}",
        preflight.headers()
    );
    let graphql = client()
        .post(format!("{management}/graphql"))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(graphql.status(), 404);
    let public = client()
        .get(format!("{}/metrics", app.address))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_be_turned_off() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.metrics = false).await;
    for address in [&app.address, &app.management_address] {
        let response = app
            .client
            .get(format!("{address}/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{address}");
    }
    let health = app
        .client
        .get(format!("{}/health", app.management_address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

/// Passkey settings that could never finish a ceremony refuse to start, saying which setting
/// to change: an origin outside the RP ID, `http://` to a host other than localhost, an IP
/// address as RP ID.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkey_settings_outside_the_rp_id_refuse_to_start() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    for (rp_id, origins, says) in [
        (
            "example.com",
            "https://app.example.org",
            "is outside the RP ID",
        ),
        (
            "example.com",
            "https://notexample.com",
            "is outside the RP ID",
        ),
        ("example.com", "http://app.example.com", "must be https://"),
        ("10.0.0.5", "https://10.0.0.5", "must be a domain name"),
    ] {
        let (status, log) = Launch::new(&database.url())
            .set("ROSTER_WEBAUTHN_RP_ID", rp_id)
            .set("ROSTER_WEBAUTHN_ORIGINS", origins)
            .refused()
            .await;
        assert!(!status.success(), "{status}; log:\n{log}");
        assert!(log.contains(says), "{rp_id} {origins}: {log}");
        assert!(log.contains("ROSTER_WEBAUTHN_"), "{log}");
        assert!(!log.contains("Roster listening"), "{log}");
    }
    // A split deployment's settings start, and say what passkeys are bound to.
    let roster = Launch::new(&database.url())
        .set("ROSTER_PUBLIC_URL", "https://auth.example.com")
        .set("ROSTER_WEBAUTHN_RP_ID", "example.com")
        .set(
            "ROSTER_WEBAUTHN_ORIGINS",
            "https://app.example.com,https://auth.example.com",
        )
        .start()
        .await;
    let bound = roster
        .line_with("passkeys are bound to", Duration::from_secs(10))
        .await;
    assert!(bound.contains("example.com"), "{bound}");
    assert!(
        bound.contains("https://app.example.com,https://auth.example.com"),
        "{bound}"
    );
}

/// A management address the operator chose must bind: taken, the binary refuses to start and
/// says which setting to change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chosen_management_address_that_is_taken_refuses_to_start() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let (status, log) = Launch::new(&database.url())
        .set("ROSTER_MANAGEMENT_BIND", &address)
        .refused()
        .await;
    assert!(!status.success(), "{status}; log:\n{log}");
    assert!(
        log.contains(&format!(
            "cannot listen on {address} (ROSTER_MANAGEMENT_BIND"
        )),
        "{log}"
    );
    assert!(!log.contains("Roster listening"), "{log}");
}

/// The default management address, when taken (another server on this machine, a second
/// `cargo run`), is skipped with a warning, and the API is served all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_default_management_address_is_skipped_with_a_warning() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    // Held here, or by something else on this machine: taken either way.
    let _holder = match std::net::TcpListener::bind(DEFAULT_MANAGEMENT_BIND) {
        Ok(listener) => Some(listener),
        Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => None,
        Err(error) => panic!("cannot hold {DEFAULT_MANAGEMENT_BIND}: {error}"),
    };
    let roster = Launch::new(&database.url())
        .unset("ROSTER_MANAGEMENT_BIND")
        .start()
        .await;
    assert_eq!(roster.management_address, None);
    let warning = roster
        .line_with("management listener's default address", Duration::ZERO)
        .await;
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains(DEFAULT_MANAGEMENT_BIND), "{warning}");
    assert!(warning.contains("ROSTER_MANAGEMENT_BIND"), "{warning}");
    let health = client()
        .get(format!("{}/health", roster.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    roster.assert_no_panic();
}

/// Development mode where other hosts can reach it says so at start; production does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_on_a_reachable_address_warns_at_start() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let roster = Launch::new(&database.url())
        .set("ROSTER_BIND", "0.0.0.0:0")
        .start()
        .await;
    let warning = roster
        .line_with("other hosts can reach", Duration::ZERO)
        .await;
    assert!(warning.contains("WARN"), "{warning}");
    assert!(
        warning.contains("development mode on 0.0.0.0:"),
        "{warning}"
    );
    assert!(warning.contains("ROSTER_ENV=production"), "{warning}");
}

/// Production says at start that the schema is not served, and does not warn about the
/// address it is bound to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_logs_that_the_schema_is_not_served() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let roster = Launch::new(&database.url())
        .set("ROSTER_ENV", "production")
        .set(
            "ROSTER_ENCRYPTION_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .set("ROSTER_BIND", "0.0.0.0:0")
        .start()
        .await;
    let line = roster
        .line_with("production mode: GET /schema.graphql", LOG_WAIT)
        .await;
    assert!(
        line.ends_with("GET /schema.graphql off (ROSTER_PUBLIC_SCHEMA=true turns it on)"),
        "{line}"
    );
    assert!(
        !roster
            .log()
            .iter()
            .any(|line| line.contains("other hosts can reach")),
        "{:?}",
        roster.log()
    );
}

/// The start-up log names the database's backend and pool size, the default or the chosen
/// one, and never the URL (which may hold a password).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_up_log_names_the_database_pool() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let url = database.url();
    let default = roster::db::default_pool_size(&url);
    for (chosen, pool, says) in [
        (None, default, "default pool size"),
        (
            Some("3"),
            3,
            "pool size from ROSTER_DATABASE_MAX_CONNECTIONS",
        ),
    ] {
        let mut launch = Launch::new(&url).unset("ROSTER_DATABASE_MAX_CONNECTIONS");
        if let Some(chosen) = chosen {
            launch = launch.set("ROSTER_DATABASE_MAX_CONNECTIONS", chosen);
        }
        let roster = launch.start().await;
        let line = roster.line_with("database connected", LOG_WAIT).await;
        assert!(line.contains("backend=Sqlite"), "{line}");
        let pool = format!("pool={pool}");
        assert!(line.split_whitespace().any(|w| w == pool), "{line}");
        assert!(line.contains(says), "{line}");
        assert!(
            !roster.log().iter().any(|line| line.contains(&url)),
            "{:?}",
            roster.log()
        );
    }
}

/// `DATABASE_URL_FILE` and `ROSTER_SMTP_URL_FILE` are read like `ROSTER_JWT_SECRET_FILE`: a
/// trailing newline dropped, the password never logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_come_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("from-file.db");
    let database_url_file = dir.path().join("database-url");
    std::fs::write(
        &database_url_file,
        format!("sqlite://{}?mode=rwc\n", database.display()),
    )
    .unwrap();
    let smtp_url_file = dir.path().join("smtp-url");
    std::fs::write(
        &smtp_url_file,
        "smtp://mailer:s3cret-pass@127.0.0.1:2525?tls=none\n",
    )
    .unwrap();
    let roster = Launch::new("unused")
        .unset("DATABASE_URL")
        .set("DATABASE_URL_FILE", database_url_file.to_str().unwrap())
        .set("ROSTER_SMTP_URL_FILE", smtp_url_file.to_str().unwrap())
        .start()
        .await;
    // The file's database is the one migrated and served.
    assert!(database.exists(), "no database at {}", database.display());
    let health = client()
        .get(format!("{}/health", roster.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let mail = roster.line_with("mail: sent through", LOG_WAIT).await;
    assert!(mail.contains("smtp://mailer:***@127.0.0.1:2525"), "{mail}");
    assert!(
        !roster.log().iter().any(|line| line.contains("s3cret-pass")),
        "{:?}",
        roster.log()
    );
}

/// A secret given both as a value and as a file refuses to start, as the JWT secret does,
/// naming the settings and never the value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_given_twice_refuses_to_start() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret");
    std::fs::write(&file, format!("{}\n", database.url())).unwrap();
    let file = file.to_str().unwrap();
    for (name, value) in [
        ("DATABASE_URL", database.url()),
        (
            "ROSTER_SMTP_URL",
            "smtp://mailer:s3cret-pass@127.0.0.1:2525".to_owned(),
        ),
        (
            "ROSTER_JWT_SECRET",
            "a-jwt-secret-that-is-long-enough-to-use".to_owned(),
        ),
    ] {
        let (status, log) = Launch::new(&database.url())
            .set(name, &value)
            .set(&format!("{name}_FILE"), file)
            .refused()
            .await;
        assert!(!status.success(), "{name}: {status}; log:\n{log}");
        assert!(
            log.contains(&format!("set {name} or {name}_FILE, not both")),
            "{name}: {log}"
        );
        assert!(!log.contains(&value), "{name}: the value was logged: {log}");
    }
}
