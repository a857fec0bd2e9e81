//! HTTP: the routes, the GraphQL-over-HTTP rules of API.md (GET for queries, 405 for a
//! mutation over GET, 400 for a body that is not a GraphQL request, 415 for one that is not
//! JSON, 413 for one over the limit, the batch limit), GraphiQL for browsers, health, and the
//! middleware stack (CORS, body limit, timeout, security headers, tracing that never logs a
//! query string or a header). The management listener's own small router (`/metrics`,
//! `/health`) is here too. `client_address` finds whose request it is, `console` serves the
//! console and GraphiQL, `responses` writes answers and refusals, `serve` is the accept loop.

mod client_address;
mod console;
mod responses;
pub mod serve;

use std::net::SocketAddr;
use std::time::Duration;

use async_graphql_axum::GraphQLBatchRequest;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http_body_util::BodyExt;
use sea_orm::DatabaseConnection;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use self::client_address::ClientAddress;
use self::responses::{
    REQUEST_ID, bad_request, graphql_response, internal_error_response, rejected, request_error,
};
use crate::auth::viewer::{ClientInfo, Credentials};
use crate::config::Settings;
use crate::graphql::{self, SchemaOptions, errors, limits};
use crate::state::AppState;

/// Largest request body accepted (a GraphQL document with variables is far smaller).
const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
struct Shared {
    api: graphql::Api,
    client_address: ClientAddress,
    /// Whether GraphiQL is served to browsers at `GET /graphql`.
    graphiql: bool,
}

/// What the HTTP surface serves, from the settings.
pub struct HttpOptions {
    pub cors_origins: Vec<String>,
    pub client_address: ClientAddress,
    pub request_timeout: Duration,
    pub graphiql: bool,
    /// The web console at `/` (and every page path a browser asks for).
    pub console: bool,
    pub introspection: bool,
    /// `GET /schema.graphql`.
    pub public_schema: bool,
    /// `GET /metrics` on the management listener, rendered by this handle.
    pub metrics: Option<&'static metrics_exporter_prometheus::PrometheusHandle>,
}

impl HttpOptions {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            cors_origins: settings.cors_origins.clone(),
            client_address: ClientAddress::new(
                settings.trusted_proxies.clone(),
                settings.client_ip_header.clone(),
            ),
            request_timeout: Duration::from_secs(u64::from(settings.request_timeout.get())),
            graphiql: settings.graphiql_enabled(),
            console: settings.console,
            introspection: settings.introspection_enabled(),
            public_schema: settings.public_schema_enabled(),
            metrics: None,
        }
    }
}

/// The whole HTTP surface.
pub fn router(state: AppState, options: &HttpOptions) -> Router {
    let api = graphql::Api::build(
        state.clone(),
        SchemaOptions {
            introspection: options.introspection,
        },
    );
    let cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .max_age(Duration::from_secs(3600));
    let cors = if options.cors_origins.is_empty() {
        cors.allow_origin(Any)
    } else {
        let origins: Vec<HeaderValue> = options
            .cors_origins
            .iter()
            .filter_map(|o| o.trim().parse().ok())
            .collect();
        cors.allow_origin(AllowOrigin::list(origins))
    };
    let mut router = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/health", get(health).with_state(state.db.clone()))
        // Gzipped on the way out (GraphiQL's editor is megabytes); each is then cached a year.
        .route(
            "/assets/{*path}",
            get(console::asset).layer(tower_http::compression::CompressionLayer::new()),
        );
    if options.public_schema {
        router = router.route("/schema.graphql", get(schema_sdl));
    }
    if options.console {
        router = router.fallback(console_fallback);
    }
    router
        .route_layer(middleware::from_fn(crate::metrics::track_http))
        .with_state(Shared {
            api,
            client_address: options.client_address.clone(),
            graphiql: options.graphiql,
        })
        .layer(middleware::from_fn(read_whole_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            options.request_timeout,
        ))
        .layer(cors)
        .layer(CatchPanicLayer::custom(|_| internal_error_response()))
        // Answers carry tokens and personal data: never cached, never sniffed into another
        // type, and no Referer leaks the page they were read on.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    // The path only: a GET query string can carry variables, headers carry tokens.
                    let id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok());
                    tracing::info_span!(
                        "http",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = id.unwrap_or_default()
                    )
                })
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                ),
        )
        // Outermost: a request id for every request, in its log lines and its answer's
        // header; one sent by a trusted proxy is kept, anyone else's is replaced.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(middleware::from_fn_with_state(
            options.client_address.clone(),
            drop_untrusted_request_id,
        ))
}

/// How many connections the management listener serves at once, apart from the public
/// listener's `--max-connections`: a scrape still gets through while the API is saturated.
pub const MANAGEMENT_CONNECTIONS: u32 = 16;

/// The management listener's routes: `GET /metrics` (when metrics are on) and `GET /health`.
/// It is private (loopback by default), so it has no CORS and no console: only operators'
/// tools (Prometheus, a probe) reach it.
pub fn management_router(db: DatabaseConnection, options: &HttpOptions) -> Router {
    let mut router = Router::new().route("/health", get(health));
    if let Some(handle) = options.metrics {
        router = router.route(
            "/metrics",
            get(move |State(db): State<DatabaseConnection>| async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    crate::metrics::render(handle, &db),
                )
            }),
        );
    }
    router
        .route_layer(middleware::from_fn(crate::metrics::track_http))
        .with_state(db)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            options.request_timeout,
        ))
        .layer(CatchPanicLayer::custom(|_| internal_error_response()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let (method, path) = (request.method(), request.uri().path());
                tracing::debug_span!("management", %method, %path)
            }),
        )
}

/// Reads a request's body whole, up to `MAX_BODY_BYTES`, before any handler sees it. A refusal
/// (415) is then sent only once the client has finished sending, so it is never cut off
/// mid-body (which it would see as a broken pipe, not as the answer), and the connection stays
/// usable. Over the limit, the answer is 413 in JSON: at once when `Content-Length` says so,
/// else once the limit is reached; `serve` then closes the connection gently.
async fn read_whole_body(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    match http_body_util::Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => {
            next.run(Request::from_parts(parts, Body::from(collected.to_bytes())))
                .await
        }
        Err(error) if error.is::<http_body_util::LengthLimitError>() => too_large(),
        // The client went away or broke its framing mid-body: no one to read a long answer.
        Err(_) => bad_request("the request body could not be read"),
    }
}

/// 413, in JSON like every refusal; the connection is not kept, as the rest of the body was
/// never read.
fn too_large() -> Response {
    let mut response = request_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        errors::BAD_USER_INPUT,
    );
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Any other path: the console's page when a browser asks for a page, so the app routes it
/// (a reload of `/admin/users`, a mailed `/reset-password?token=` link); 404 otherwise, and
/// for the paths the server itself owns (`/metrics`, which is the management listener's,
/// `/schema.graphql` when it is not public, a missing asset).
async fn console_fallback(request: Request) -> Response {
    let path = request.uri().path();
    let owned = path == "/metrics"
        || path == "/schema.graphql"
        || path.starts_with("/assets/")
        || path.starts_with("/graphql");
    let wants_page = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if matches!(*request.method(), Method::GET | Method::HEAD) && wants_page && !owned {
        console::console_page().await
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// Removes an `X-Request-Id` that no trusted proxy vouches for, or that is not a short line of
/// visible characters, so that the id in the log is one this server or its proxy made.
async fn drop_untrusted_request_id(
    State(client_address): State<ClientAddress>,
    mut request: Request,
    next: Next,
) -> Response {
    let kept = request.headers().get(REQUEST_ID).is_some_and(|id| {
        let sane = !id.is_empty()
            && id.len() <= MAX_REQUEST_ID
            && id.as_bytes().iter().all(|b| b.is_ascii_graphic());
        sane && peer_of(&request).is_some_and(|peer| client_address.trusts(peer.ip()))
    });
    if !kept {
        request.headers_mut().remove(REQUEST_ID);
    }
    next.run(request).await
}

/// The longest request id a proxy may send.
const MAX_REQUEST_ID: usize = 128;

impl Shared {
    /// The request's credentials and client details.
    fn credentials(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Credentials {
        let text = |name: &header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let authorization = headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or(""));
        Credentials::new(
            authorization,
            ClientInfo {
                user_agent: text(&header::USER_AGENT).map(str::to_owned),
                ip: self
                    .client_address
                    .resolve(peer.map(|addr| addr.ip()), headers),
            },
        )
    }
}

/// The peer address, when the server was started with connect info (it always is by `serve`).
fn peer_of(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr)
}

async fn graphql_post(State(shared): State<Shared>, request: Request) -> Response {
    let headers = request.headers().clone();
    if !is_json(&headers) {
        // Browsers send `text/plain` and form types cross-origin without asking first: such
        // a body is never run, so a hostile page cannot make its visitors' browsers log in.
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POST bodies must be JSON (Content-Type: application/json)",
            errors::BAD_USER_INPUT,
        );
    }
    let peer = peer_of(&request);
    let batch =
        match GraphQLBatchRequest::<async_graphql_axum::rejection::GraphQLRejection>::from_request(
            request,
            &(),
        )
        .await
        {
            Ok(batch) => batch.into_inner(),
            Err(rejection) => return rejected(rejection),
        };
    // serde fills a missing `query` with "": `{"foo": 1}` parses, but is not a GraphQL request.
    if batch.iter().any(|request| request.query.trim().is_empty()) {
        return bad_request("the body is not a GraphQL request: `query` is missing or empty");
    }
    let response = match batch {
        async_graphql::BatchRequest::Single(request) => {
            let credentials = shared.credentials(&headers, peer);
            async_graphql::BatchResponse::Single(shared.api.execute(request, credentials).await)
        }
        async_graphql::BatchRequest::Batch(requests) if requests.is_empty() => {
            return bad_request("the batch is empty");
        }
        async_graphql::BatchRequest::Batch(requests) if requests.len() > limits::MAX_BATCH => {
            return request_error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "the batch holds {} operations; at most {} are allowed",
                    requests.len(),
                    limits::MAX_BATCH
                ),
                errors::VALIDATION_FAILED,
            );
        }
        // Each operation of a batch gets its own request data (viewer, DataLoaders).
        async_graphql::BatchRequest::Batch(requests) => {
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                let credentials = shared.credentials(&headers, peer);
                responses.push(shared.api.execute(request, credentials).await);
            }
            async_graphql::BatchResponse::Batch(responses)
        }
    };
    graphql_response(&headers, response)
}

/// Whether the body is declared JSON: `application/json`, any case, parameters allowed.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

async fn graphql_get(State(shared): State<Shared>, request: Request) -> Response {
    let headers = request.headers().clone();
    let peer = peer_of(&request);
    let has_query = request.uri().query().is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.len() > 6 && pair.starts_with("query="))
    });
    if !has_query {
        let wants_html = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
        if wants_html && shared.graphiql {
            return console::graphiql_page();
        }
        return bad_request(if shared.graphiql {
            "a GET request needs a `query` parameter (or Accept: text/html for GraphiQL)"
        } else {
            "a GET request needs a `query` parameter"
        });
    }
    let request = match get_request(request.uri().query().unwrap_or_default()) {
        Ok(request) => request,
        Err(message) => return bad_request(&message),
    };
    let mut request = match shared.api.check(request) {
        Ok(request) => request,
        Err(refusal) => {
            let refused = graphql::Api::refused(refusal);
            return graphql_response(&headers, refused.into());
        }
    };
    if graphql::is_mutation(&mut request) {
        let mut response = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations must be sent with POST",
            errors::BAD_USER_INPUT,
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let credentials = shared.credentials(&headers, peer);
    let response = shared.api.run(request, credentials).await;
    graphql_response(&headers, response.into())
}

/// The GraphQL request in a GET query string: `query`, `operationName` and `variables` (JSON),
/// as GraphQL over HTTP names them. (async-graphql's own parser expects `operation_name`, so
/// urql's `operationName` would be dropped.)
fn get_request(query_string: &str) -> Result<async_graphql::Request, String> {
    #[derive(serde::Deserialize)]
    struct Params {
        query: String,
        #[serde(rename = "operationName", alias = "operation_name")]
        operation_name: Option<String>,
        variables: Option<String>,
    }
    let params: Params = serde_urlencoded::from_str(query_string)
        .map_err(|error| format!("not a GraphQL request: {error}"))?;
    let mut request = async_graphql::Request::new(params.query);
    if let Some(name) = params.operation_name.filter(|name| !name.is_empty()) {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables.filter(|v| !v.trim().is_empty()) {
        let variables: serde_json::Value = serde_json::from_str(&variables)
            .map_err(|error| format!("`variables` is not JSON: {error}"))?;
        if !variables.is_object() && !variables.is_null() {
            return Err("`variables` must be a JSON object".to_owned());
        }
        request = request.variables(async_graphql::Variables::from_json(variables));
    }
    Ok(request)
}

async fn schema_sdl(State(shared): State<Shared>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        shared.api.schema.sdl(),
    )
}

/// How long health waits for the database: a pool whose server is gone would otherwise keep
/// trying to connect for its whole acquire timeout.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /health`, on both listeners.
async fn health(State(db): State<DatabaseConnection>) -> Response {
    let answer = tokio::time::timeout(HEALTH_TIMEOUT, db.ping()).await;
    match answer {
        Ok(Ok(())) => Json(serde_json::json!({ "status": "ok" })).into_response(),
        failed => {
            match failed {
                Ok(Err(error)) => tracing::warn!(%error, "health check: database unreachable"),
                _ => tracing::warn!("health check: the database did not answer in time"),
            }
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "unavailable" })),
            )
                .into_response()
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
