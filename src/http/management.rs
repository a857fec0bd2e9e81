//! The management listener's router: `GET /metrics` (when metrics are on) and `GET /health`.
//! It is private (loopback by default), so it has no CORS and no console: only operators'
//! tools (Prometheus, a probe) reach it.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::http::HttpOptions;
use crate::http::health::health;
use crate::http::responses::internal_error_response;

/// How many connections the management listener serves at once, apart from the public
/// listener's `--max-connections`: a scrape still gets through while the API is saturated.
pub const MANAGEMENT_CONNECTIONS: u32 = 16;

/// The management listener's routes and their middleware.
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
