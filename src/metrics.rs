//! Prometheus metrics, recorded with the `metrics` crate's macros where things happen and
//! rendered by its Prometheus exporter at `GET /metrics`. Names follow Prometheus conventions
//! (`roster_..._total` counters, `_seconds` histograms); every label has a small, fixed set of
//! values (a route, a status, an outcome), never a user, an address or an email.
//!
//! The recorder is process-wide: installed once, by the first server that serves metrics.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;

/// Request durations, in seconds: from a cached `me` to a slow admin page or a login.
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// Installs the recorder (once per process, whichever server asks first) and returns the
/// handle that renders it.
pub fn install() -> Result<&'static PrometheusHandle, String> {
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), DURATION_BUCKETS)
                .map_err(|e| e.to_string())?
                .install_recorder()
                .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
            describe();
            Ok(handle)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The Prometheus text for a scrape, with the database pool's state read now.
pub fn render(handle: &PrometheusHandle, db: &DatabaseConnection) -> String {
    let (size, idle) = pool_state(db);
    metrics::gauge!("roster_db_pool_connections", "state" => "in_use")
        .set((size as usize).saturating_sub(idle) as f64);
    metrics::gauge!("roster_db_pool_connections", "state" => "idle").set(idle as f64);
    // Histograms are folded into their buckets here rather than on a timer of its own.
    handle.run_upkeep();
    handle.render()
}

fn pool_state(db: &DatabaseConnection) -> (u32, usize) {
    if crate::db::is_postgres(db) {
        let pool = db.get_postgres_connection_pool();
        (pool.size(), pool.num_idle())
    } else {
        let pool = db.get_sqlite_connection_pool();
        (pool.size(), pool.num_idle())
    }
}

/// Middleware: counts each HTTP request by route and status and times it.
pub async fn track_http(request: Request, next: Next) -> Response {
    // The route as declared (`/graphql`), never the raw path: a scanner's made-up paths would
    // each become a series of their own.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |path| route_label(path.as_str()));
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("roster_http_requests_total", "route" => route, "status" => status)
        .increment(1);
    metrics::histogram!("roster_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The declared routes, as `'static` labels.
fn route_label(path: &str) -> &'static str {
    match path {
        "/graphql" => "/graphql",
        "/health" => "/health",
        "/metrics" => "/metrics",
        "/schema.graphql" => "/schema.graphql",
        _ => "other",
    }
}

/// One GraphQL operation's outcome: `ok`, or the code of its first error, lower-cased
/// (`bad_user_input`, `unauthenticated`, ...; a fixed set).
pub fn graphql_operation(response: &async_graphql::Response) {
    let outcome = response.errors.first().map_or("ok", |error| {
        match error.extensions.as_ref().and_then(|e| e.get("code")) {
            Some(async_graphql::Value::String(code)) => code_label(code),
            _ => "error",
        }
    });
    metrics::counter!("roster_graphql_operations_total", "outcome" => outcome).increment(1);
}

fn code_label(code: &str) -> &'static str {
    match code {
        "UNAUTHENTICATED" => "unauthenticated",
        "FORBIDDEN" => "forbidden",
        "NOT_FOUND" => "not_found",
        "CONFLICT" => "conflict",
        "BAD_USER_INPUT" => "bad_user_input",
        "TOO_MANY_REQUESTS" => "too_many_requests",
        "INTERNAL_SERVER_ERROR" => "internal_server_error",
        "GRAPHQL_PARSE_FAILED" => "graphql_parse_failed",
        "GRAPHQL_VALIDATION_FAILED" => "graphql_validation_failed",
        _ => "error",
    }
}

/// A login attempt's outcome: `succeeded`, `failed` or `throttled`.
pub fn login(outcome: &'static str) {
    metrics::counter!("roster_logins_total", "outcome" => outcome).increment(1);
}

/// A request refused by a limit: `address`, `user` or `login`.
pub fn throttled(limit: &'static str) {
    metrics::counter!("roster_throttled_total", "limit" => limit).increment(1);
}

/// A refresh token presented again after it was rotated (its session is ended).
pub fn refresh_token_reused() {
    metrics::counter!("roster_refresh_token_reuse_total").increment(1);
}

/// A mail the delivery task dealt with: `sent`, `skipped`, `retry` or `failed`.
pub fn mail(outcome: &'static str) {
    metrics::counter!("roster_mails_total", "outcome" => outcome).increment(1);
}

/// Counts a password hash while it waits for a slot, then while it runs.
pub struct HashGauge {
    running: bool,
}

impl HashGauge {
    pub fn queued() -> Self {
        metrics::gauge!("roster_password_hashes", "state" => "queued").increment(1.0);
        Self { running: false }
    }

    /// The hash got its slot.
    pub fn running(mut self) -> Self {
        metrics::gauge!("roster_password_hashes", "state" => "queued").decrement(1.0);
        metrics::gauge!("roster_password_hashes", "state" => "running").increment(1.0);
        self.running = true;
        self
    }
}

impl Drop for HashGauge {
    fn drop(&mut self) {
        let state = if self.running { "running" } else { "queued" };
        metrics::gauge!("roster_password_hashes", "state" => state).decrement(1.0);
    }
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "roster_http_requests_total",
        "HTTP requests, by route and status."
    );
    describe_histogram!(
        "roster_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time to answer an HTTP request, by route."
    );
    describe_counter!(
        "roster_graphql_operations_total",
        "GraphQL operations, by outcome."
    );
    describe_counter!("roster_logins_total", "Login attempts, by outcome.");
    describe_counter!(
        "roster_throttled_total",
        "Requests refused by a rate limit, by limit."
    );
    describe_counter!(
        "roster_refresh_token_reuse_total",
        "Rotated refresh tokens presented again (each ends its session)."
    );
    describe_counter!(
        "roster_mails_total",
        "Mails dealt with by the delivery task, by outcome."
    );
    describe_gauge!(
        "roster_password_hashes",
        "Password hashes waiting for a slot or running."
    );
    describe_gauge!(
        "roster_db_pool_connections",
        "Database pool connections, in use or idle."
    );
}
