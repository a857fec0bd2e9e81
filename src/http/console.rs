//! The web console and GraphiQL, built from `console/` (see `docs/console.md`) into
//! `console/dist` and embedded in the binary at compile time, so a fresh machine serves them
//! without Node and a browser loads nothing from any other host.
//!
//! Hashed files under `/assets/` are cached for a year; every other `GET` a browser makes for
//! a page is the console's `index.html`, never cached, so the app routes it (the mailed links'
//! `/reset-password` and `/verify-email` included). Both pages carry a Content-Security-Policy
//! that allows scripts from this origin only, and no inline script.

use axum::body::Body;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "console/dist"]
struct Built;

/// The console's policy: everything from this origin, nothing inline, no framing.
const CONSOLE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// GraphiQL's: the same origin only, with the inline styles its editor sets as it lays out
/// (styles only: its scripts and workers are files from `/assets/`).
const GRAPHIQL_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// A page (`index.html` or `graphiql.html`) under its policy, revalidated on every load so a
/// new binary's assets are picked up at once.
fn page(name: &str, policy: &'static str) -> Response {
    let Some(file) = Built::get(name) else {
        // Only a checkout whose console was never built gets here (`console/dist` is
        // committed): say so rather than serve an empty page.
        return (
            StatusCode::NOT_FOUND,
            "the console is not built into this binary: run `npm run build` in console/",
        )
            .into_response();
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::CONTENT_SECURITY_POLICY, policy)
        // The same path answers JSON or 404 to a client that does not ask for a page.
        .header(header::VARY, "Accept")
        .body(Body::from(file.data))
        .expect("BUG: static headers are valid")
}

/// The console's `index.html`, for any path the app routes.
pub async fn console_page() -> Response {
    page("index.html", CONSOLE_POLICY)
}

/// GraphiQL's page, for `GET /graphql` from a browser.
pub fn graphiql_page() -> Response {
    page("graphiql.html", GRAPHIQL_POLICY)
}

/// `GET /assets/{path}`: a built file, named by its content hash, so it never changes.
pub async fn asset(Path(path): Path<String>) -> Response {
    let Some(file) = Built::get(&format!("assets/{path}")) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .body(Body::from(file.data))
        .expect("BUG: static headers are valid")
}

/// Any other path: the console's page when a browser asks for a page, so the app routes it
/// (a reload of `/admin/users`, a mailed `/reset-password?token=` link); 404 otherwise, and
/// for the paths the server itself owns (`/metrics`, which is the management listener's,
/// `/schema.graphql` when it is not public, a missing asset).
pub async fn console_fallback(request: Request) -> Response {
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
        console_page().await
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}
