//! `GET /health`, served on both listeners: whether the database answers, within
//! `HEALTH_TIMEOUT`.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::DatabaseConnection;

/// How long health waits for the database: a pool whose server is gone would otherwise keep
/// trying to connect for its whole acquire timeout.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /health`: 200 `{"status": "ok"}`, or 503 `{"status": "unavailable"}`.
pub async fn health(State(db): State<DatabaseConnection>) -> Response {
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
