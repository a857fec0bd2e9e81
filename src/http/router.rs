//! The public listener's router: its routes (`routes`) and the middleware stack around them,
//! innermost first (`with_middleware`): the whole body read within its limit, the request
//! timeout, CORS, a panic answered as a 500, the security headers, tracing that never logs a
//! query string or a header, and the request id outermost.

use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::graphql::{self, SchemaOptions};
use crate::http::HttpOptions;
use crate::http::console;
use crate::http::graphql::{Shared, SharedParts, graphql_get, graphql_post, schema_sdl};
use crate::http::health::health;
use crate::http::middleware::{drop_untrusted_request_id, read_whole_body};
use crate::http::responses::{REQUEST_ID, internal_error_response};
use crate::http::well_known::{self, WellKnown};
use crate::state::AppState;

/// The whole HTTP surface of the public listener.
pub fn router(state: AppState, options: &HttpOptions) -> Router {
    let db = state.db.clone();
    let well_known = WellKnown {
        keys: state.keys.clone(),
        public_url: options.public_url.clone(),
    };
    let shared = Shared::new(SharedParts {
        api: graphql::Api::build(
            state,
            SchemaOptions {
                introspection: options.introspection,
            },
        ),
        client_address: options.client_address.clone(),
        graphiql: options.graphiql,
    });
    let routes = routes(db, well_known, options)
        .route_layer(middleware::from_fn(crate::metrics::track_http))
        .with_state(shared);
    with_middleware(routes, options)
}

/// `/graphql`, `/health`, the published keys, the console's assets, and what the options turn
/// on: the public schema and the console's pages.
fn routes(db: DatabaseConnection, well_known: WellKnown, options: &HttpOptions) -> Router<Shared> {
    let mut router = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/health", get(health).with_state(db))
        .route("/oauth/{slug}/callback", get(crate::http::oauth::callback))
        .route(
            "/.well-known/jwks.json",
            get(well_known::jwks).with_state(well_known.clone()),
        )
        .route(
            "/.well-known/openid-configuration",
            get(well_known::openid_configuration).with_state(well_known),
        )
        // Gzipped on the way out (GraphiQL's editor is megabytes); each is then cached a year.
        .route(
            "/assets/{*path}",
            get(console::asset).layer(CompressionLayer::new()),
        );
    if options.public_schema {
        router = router.route("/schema.graphql", get(schema_sdl));
    }
    if options.console {
        router = router.fallback(console::console_fallback);
    }
    router
}

/// The middleware stack, innermost first.
fn with_middleware(routes: Router, options: &HttpOptions) -> Router {
    let router = routes
        .layer(middleware::from_fn(read_whole_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            options.request_timeout,
        ))
        .layer(cors(&options.cors_origins))
        .layer(CatchPanicLayer::custom(|_| internal_error_response()));
    let router = with_tracing(with_security_headers(router));
    // Outermost: a request id for every request, in its log lines and its answer's
    // header; one sent by a trusted proxy is kept, anyone else's is replaced.
    router
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(middleware::from_fn_with_state(
            options.client_address.clone(),
            drop_untrusted_request_id,
        ))
}

/// CORS for `origins` (any origin when none is configured).
fn cors(origins: &[String]) -> CorsLayer {
    let cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .max_age(Duration::from_secs(3600));
    if origins.is_empty() {
        cors.allow_origin(Any)
    } else {
        let origins: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| o.trim().parse().ok())
            .collect();
        cors.allow_origin(AllowOrigin::list(origins))
    }
}

/// Answers carry tokens and personal data: never cached, never sniffed into another type, and
/// no Referer leaks the page they were read on.
fn with_security_headers(router: Router) -> Router {
    router
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
}

/// A span per request, and a line per response with its latency.
fn with_tracing(router: Router) -> Router {
    router.layer(
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
}
