//! HTTP: the routes, the GraphQL-over-HTTP rules of API.md (GET for queries, 405 for a
//! mutation over GET, 400 for a body that is not a GraphQL request), GraphiQL for browsers,
//! health, and the middleware stack (CORS, body limit, timeout, tracing that never logs a
//! query string or a header).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::viewer::{ClientInfo, Credentials};
use crate::graphql::{self, RosterSchema};
use crate::state::AppState;

/// Largest request body accepted (a GraphQL document with variables is far smaller).
const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
struct Shared {
    schema: RosterSchema,
    state: AppState,
    client_ip_header: Option<header::HeaderName>,
}

/// CORS and timeouts, from the settings.
pub struct HttpOptions {
    pub cors_origins: Vec<String>,
    pub client_ip_header: Option<String>,
    pub request_timeout: Duration,
}

/// The whole HTTP surface.
pub fn router(state: AppState, options: &HttpOptions) -> Router {
    let schema = graphql::build(state.clone());
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
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/schema.graphql", get(schema_sdl))
        .route("/health", get(health))
        .with_state(Shared {
            schema,
            state,
            client_ip_header: options
                .client_ip_header
                .as_deref()
                .and_then(|name| name.trim().parse().ok()),
        })
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, options.request_timeout))
        .layer(cors)
        .layer(CatchPanicLayer::custom(|_| internal_error_response()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    // The path only: a GET query string can carry variables, headers carry tokens.
                    tracing::info_span!("http", method = %request.method(), path = %request.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Millis)),
        )
}

fn internal_error_response() -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": "internal error", "extensions": { "code": "INTERNAL_SERVER_ERROR" } }]
    });
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

impl Shared {
    /// The request's credentials and client details.
    fn credentials(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Credentials {
        let text = |name: &header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let authorization = headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or(""));
        // Behind a proxy the operator trusts, that proxy appends the client's address last.
        let forwarded = self.client_ip_header.as_ref().and_then(|name| {
            let last = text(name)?.rsplit(',').next()?;
            last.trim().parse::<IpAddr>().ok()
        });
        Credentials::new(
            authorization,
            ClientInfo {
                user_agent: text(&header::USER_AGENT).map(str::to_owned),
                ip: forwarded.or(peer.map(|addr| addr.ip())),
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
            async_graphql::BatchResponse::Single(
                graphql::execute(&shared.schema, &shared.state, request, credentials).await,
            )
        }
        // Each operation of a batch gets its own request data (viewer, DataLoaders).
        async_graphql::BatchRequest::Batch(requests) => {
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                let credentials = shared.credentials(&headers, peer);
                responses.push(
                    graphql::execute(&shared.schema, &shared.state, request, credentials).await,
                );
            }
            async_graphql::BatchResponse::Batch(responses)
        }
    };
    graphql_response(&headers, response)
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
        if wants_html {
            return Html(
                GraphiQLSource::build()
                    .endpoint("/graphql")
                    .title("Roster")
                    .finish(),
            )
            .into_response();
        }
        return bad_request(
            "a GET request needs a `query` parameter (or Accept: text/html for GraphiQL)",
        );
    }
    let request = match get_request(request.uri().query().unwrap_or_default()) {
        Ok(request) => request,
        Err(message) => return bad_request(&message),
    };
    if is_mutation(&request) {
        let mut response = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations must be sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let credentials = shared.credentials(&headers, peer);
    let response = graphql::execute(&shared.schema, &shared.state, request, credentials).await;
    graphql_response(&headers, response.into())
}

/// The response in the media type the client asked for: `application/graphql-response+json`
/// when its `Accept` names it, else `application/json` (what older clients and tools expect;
/// GraphQL over HTTP allows either).
fn graphql_response(headers: &HeaderMap, response: async_graphql::BatchResponse) -> Response {
    let mut http = GraphQLResponse::from(response).into_response();
    let wants_graphql_json = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.contains("application/graphql-response+json"));
    if !wants_graphql_json {
        http.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    // Caches (GET responses can be cached) must key on what the type depends on.
    http.headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept"));
    http
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

/// Whether the operation the request would run is a mutation. A document that does not parse
/// is left to the executor, which answers with the standard GraphQL error.
fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    match &document.operations {
        DocumentOperations::Single(operation) => operation.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(operations) => match &request.operation_name {
            Some(name) => operations
                .get(name.as_str())
                .is_some_and(|op| op.node.ty == OperationType::Mutation),
            None => operations
                .values()
                .any(|op| op.node.ty == OperationType::Mutation),
        },
    }
}

fn bad_request(message: &str) -> Response {
    request_error(StatusCode::BAD_REQUEST, message)
}

/// A request refused before any GraphQL ran, answered like any other error: JSON with an
/// `extensions.code` from API.md's list (the request itself is the bad input).
fn request_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": "BAD_USER_INPUT" } }]
    });
    (status, Json(body)).into_response()
}

/// A body or query string that is not a GraphQL request: 400 (413 when too large), with the
/// parser's own words rather than its debug dump.
fn rejected(rejection: async_graphql_axum::rejection::GraphQLRejection) -> Response {
    match rejection.0 {
        async_graphql::ParseRequestError::PayloadTooLarge => request_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
        ),
        error => bad_request(&format!("not a GraphQL request: {error}")),
    }
}

async fn schema_sdl(State(shared): State<Shared>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        shared.schema.sdl(),
    )
}

async fn health(State(shared): State<Shared>) -> Response {
    match shared.state.db.ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ok" })).into_response(),
        Err(error) => {
            tracing::warn!(%error, "health check: database unreachable");
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
