//! How answers are written: GraphQL responses in the media type the client asked for (no
//! `data` key for a request refused before execution), and the JSON errors of requests
//! refused before any GraphQL ran. What an error says and which code it carries is
//! `graphql::errors`'; this file chooses the status, the headers and the serialization.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::graphql::errors;

/// The response in the media type the client asked for: `application/graphql-response+json`
/// when its `Accept` names it, else `application/json` (what older clients and tools expect;
/// GraphQL over HTTP allows either). Under the new type, a request that failed before
/// executing (no `data`) answers 400, as GraphQL over HTTP says; under the old one, 200.
pub fn graphql_response(
    headers: &HeaderMap,
    mut response: async_graphql::BatchResponse,
) -> Response {
    if let Some(id) = headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()) {
        match &mut response {
            async_graphql::BatchResponse::Single(one) => errors::tag_internal_errors(one, id),
            async_graphql::BatchResponse::Batch(all) => all
                .iter_mut()
                .for_each(|one| errors::tag_internal_errors(one, id)),
        }
    }
    let wants_graphql_json = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.contains("application/graphql-response+json"));
    let refused = match &response {
        async_graphql::BatchResponse::Single(response) => {
            errors::refused_before_execution(response)
        }
        async_graphql::BatchResponse::Batch(_) => false,
    };
    let body = match &response {
        async_graphql::BatchResponse::Single(response) => answer_text(response),
        async_graphql::BatchResponse::Batch(responses) => responses
            .iter()
            .map(answer_text)
            .collect::<Result<Vec<_>, _>>()
            .map(|answers| format!("[{}]", answers.join(","))),
    };
    let body = match body {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "a response did not serialize");
            return internal_error_response();
        }
    };
    let content_type = if wants_graphql_json {
        "application/graphql-response+json"
    } else {
        "application/json"
    };
    let status = if wants_graphql_json && refused {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // Caches (GET responses can be cached) must key on what the type depends on.
            (header::VARY, HeaderValue::from_static("accept")),
        ],
        body,
    )
        .into_response()
}

/// One answer as JSON text, in the order the document selects. A request refused before
/// execution has no `data` at all (GraphQL over HTTP), where async-graphql would give `null`.
fn answer_text(response: &async_graphql::Response) -> serde_json::Result<String> {
    #[derive(serde::Serialize)]
    struct Refused<'a> {
        errors: &'a [async_graphql::ServerError],
    }
    if errors::refused_before_execution(response) {
        serde_json::to_string(&Refused {
            errors: &response.errors,
        })
    } else {
        serde_json::to_string(response)
    }
}

pub fn bad_request(message: &str) -> Response {
    request_error(StatusCode::BAD_REQUEST, message, errors::BAD_USER_INPUT)
}

/// A request refused before any GraphQL ran, answered like any other error: JSON with an
/// `extensions.code` from API.md's list (`graphql::errors`).
pub fn request_error(status: StatusCode, message: &str, code: &str) -> Response {
    (status, Json(errors::request_error_body(message, code))).into_response()
}

/// A body or query string that is not a GraphQL request: 400 (413 when too large), with the
/// parser's own words rather than its debug dump.
pub fn rejected(rejection: async_graphql_axum::rejection::GraphQLRejection) -> Response {
    match rejection.0 {
        async_graphql::ParseRequestError::PayloadTooLarge => request_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
            errors::BAD_USER_INPUT,
        ),
        error => bad_request(&format!("not a GraphQL request: {error}")),
    }
}

/// A 500 that says nothing of its cause (a panic, a response that did not serialize).
pub fn internal_error_response() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(errors::internal_error_body()),
    )
        .into_response()
}

/// The header that carries a request's id (set on every request by the HTTP layer).
pub const REQUEST_ID: &str = "x-request-id";
