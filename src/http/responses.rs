//! How answers are written: GraphQL responses in the media type the client asked for (no
//! `data` key for a request refused before execution), and the JSON errors of requests
//! refused before any GraphQL ran.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::graphql::limits;

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
            async_graphql::BatchResponse::Single(one) => tag_internal_errors(one, id),
            async_graphql::BatchResponse::Batch(all) => {
                all.iter_mut().for_each(|one| tag_internal_errors(one, id))
            }
        }
    }
    let wants_graphql_json = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.contains("application/graphql-response+json"));
    let refused = match &response {
        async_graphql::BatchResponse::Single(response) => is_request_error(response),
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
    if is_request_error(response) {
        serde_json::to_string(&Refused {
            errors: &response.errors,
        })
    } else {
        serde_json::to_string(response)
    }
}

/// A response refused before execution: no data, and an error coded by `limits`.
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && response.errors.iter().any(|error| {
            error
                .extensions
                .as_ref()
                .and_then(|extensions| extensions.get("code"))
                .is_some_and(|code| {
                    *code == async_graphql::Value::from(limits::PARSE_FAILED)
                        || *code == async_graphql::Value::from(limits::VALIDATION_FAILED)
                })
        })
}

pub fn bad_request(message: &str) -> Response {
    request_error(StatusCode::BAD_REQUEST, message, "BAD_USER_INPUT")
}

/// A request refused before any GraphQL ran, answered like any other error: JSON with an
/// `extensions.code` from API.md's list.
pub fn request_error(status: StatusCode, message: &str, code: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    (status, Json(body)).into_response()
}

/// A body or query string that is not a GraphQL request: 400 (413 when too large), with the
/// parser's own words rather than its debug dump.
pub fn rejected(rejection: async_graphql_axum::rejection::GraphQLRejection) -> Response {
    match rejection.0 {
        async_graphql::ParseRequestError::PayloadTooLarge => request_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
            "BAD_USER_INPUT",
        ),
        error => bad_request(&format!("not a GraphQL request: {error}")),
    }
}

/// A 500 that says nothing of its cause (a panic, a response that did not serialize).
pub fn internal_error_response() -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": "internal error", "extensions": { "code": "INTERNAL_SERVER_ERROR" } }]
    });
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

/// The header that carries a request's id (set on every request by the HTTP layer).
pub const REQUEST_ID: &str = "x-request-id";

/// Puts the request id on each `INTERNAL_SERVER_ERROR`, so that a client's report of one can
/// be matched to the server's log lines of that request.
fn tag_internal_errors(response: &mut async_graphql::Response, id: &str) {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        let internal = matches!(
            extensions.get("code"),
            Some(async_graphql::Value::String(code)) if code == "INTERNAL_SERVER_ERROR"
        );
        if internal {
            extensions.set("requestId", id);
        }
    }
}
