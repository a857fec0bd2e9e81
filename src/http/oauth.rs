//! `GET /oauth/{slug}/callback`: where identity providers send the browser back. It answers
//! `303 See Other` to the frontend's `redirectUri` with `code=` or `error=` (never a token),
//! or, for a `state` no flow has, a small page: there is nowhere to send the browser back to.
//! The answer is never cached and sends no referrer, since its `Location` holds a one-time
//! code.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::http::client_address::peer_of;
use crate::http::graphql::Shared;
use crate::services::identity::flows::{self, CallbackParams, Landing};

pub async fn callback(
    State(shared): State<Shared>,
    Path(slug): Path<String>,
    request: Request,
) -> Response {
    let credentials = shared.credentials(request.headers(), peer_of(&request));
    let params: CallbackParams =
        serde_urlencoded::from_str(request.uri().query().unwrap_or("")).unwrap_or_default();
    let state = shared.api.state();
    match flows::callback(state, &slug, params, &credentials.client).await {
        Ok(Landing::Redirect(location)) => redirect(&location),
        Ok(Landing::UnknownState) => page(
            StatusCode::BAD_REQUEST,
            "This sign-in link is not valid",
            "It has expired, was already used, or did not come from this server. Go back to the \
             application and sign in again.",
        ),
        Err(AppError::TooManyRequests { .. }) => page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            "Wait a minute, then go back to the application and sign in again.",
        ),
        Err(error) => {
            if let AppError::Internal(cause) = &error {
                tracing::error!(error = %cause, "a provider callback failed");
            }
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in failed",
                "Something went wrong on our side. Go back to the application and try again.",
            )
        }
    }
}

fn redirect(location: &str) -> Response {
    let Ok(location) = HeaderValue::from_str(location) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
    )
        .into_response()
}

/// A plain page: fixed words only, nothing from the request.
fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         </head><body><h1>{title}</h1><p>{text}</p></body></html>"
    );
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}
