//! HTTP: the GraphQL-over-HTTP rules of API.md (GET for queries, 405 for a mutation over GET,
//! 400 for a body that is not a GraphQL request, 415 for one that is not JSON, 413 for one over
//! the limit, the batch limit), GraphiQL and the console for browsers, health, and the
//! middleware stack. The map, in the order a request meets it:
//!
//! - `serve`: the accept loop (connection limits, header-read timeout, graceful shutdown, and
//!   `shutdown_signal`).
//! - `router`: the public listener's routes and middleware stack (CORS, body limit, timeout,
//!   security headers, tracing that never logs a query string or a header, request ids);
//!   `middleware` holds the layers written here.
//! - `client_address`: whose request it is (the peer, or what a trusted proxy reports).
//! - `graphql`: the `/graphql` handlers (POST and its batches, GET and its query string) and
//!   `/schema.graphql`.
//! - `console`: the console's pages and assets, and GraphiQL.
//! - `health`: `GET /health`, on both listeners.
//! - `well_known`: `/.well-known/jwks.json` and `/.well-known/openid-configuration`, the public
//!   keys other services verify access tokens with.
//! - `oauth`: `/oauth/{slug}/callback`, where identity providers send the browser back.
//! - `management`: the management listener's router (`/metrics`, `/health`).
//! - `responses`: how answers and refusals are written (their JSON shape and codes are
//!   `graphql::errors`'; the words of a refusal are the handler's that refuses).
//! - `options`: `HttpOptions`, what the surface serves, from the settings.

mod client_address;
mod console;
mod graphql;
mod health;
mod management;
mod middleware;
mod oauth;
mod options;
mod responses;
mod router;
pub mod serve;
mod well_known;

pub use self::client_address::ClientAddress;
pub use self::management::{MANAGEMENT_CONNECTIONS, management_router};
pub use self::options::HttpOptions;
pub use self::router::router;
pub use self::serve::shutdown_signal;
