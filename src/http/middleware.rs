//! The middleware written for Roster (the rest of the stack is tower-http's, assembled in
//! `router`): reading a body whole within `MAX_BODY_BYTES` before any handler sees it, and
//! keeping only the request ids a trusted proxy vouches for.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt;

use crate::graphql::errors;
use crate::http::client_address::{ClientAddress, peer_of};
use crate::http::responses::{REQUEST_ID, bad_request, request_error};

/// Largest request body accepted (a GraphQL document with variables is far smaller).
const MAX_BODY_BYTES: usize = 256 * 1024;

/// The longest request id a proxy may send.
const MAX_REQUEST_ID: usize = 128;

/// Reads a request's body whole, up to `MAX_BODY_BYTES`, before any handler sees it. A refusal
/// (415) is then sent only once the client has finished sending, so it is never cut off
/// mid-body (which it would see as a broken pipe, not as the answer), and the connection stays
/// usable. Over the limit, the answer is 413 in JSON: at once when `Content-Length` says so,
/// else once the limit is reached; `serve` then closes the connection gently.
pub async fn read_whole_body(request: Request, next: Next) -> Response {
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

/// Removes an `X-Request-Id` that no trusted proxy vouches for, or that is not a short line of
/// visible characters, so that the id in the log is one this server or its proxy made.
pub async fn drop_untrusted_request_id(
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
