//! `/.well-known/`: the public keys other services verify access tokens with (`jwks.json`,
//! empty under HS256) and the small discovery document that resource servers configured with
//! an issuer URI read (`openid-configuration`, only when tokens are signed with a key pair).
//! Roster is not an OpenID Provider: nothing else is advertised.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::auth::tokens::TokenKeys;

/// How long verifiers may cache the key set: a new key is published well before it signs.
const CACHE_CONTROL: &str = "public, max-age=300";

/// What the two documents are made from.
#[derive(Clone)]
pub struct WellKnown {
    pub keys: TokenKeys,
    /// `--public-url`, or the address the server is bound to; no trailing slash.
    pub public_url: String,
}

/// `GET /.well-known/jwks.json`: `{"keys": [...]}`, each a published public key; readable by
/// any origin, cacheable for five minutes.
pub async fn jwks(State(well_known): State<WellKnown>) -> Response {
    let keys = well_known.keys.published();
    public(Json(json!({ "keys": keys })).into_response())
}

/// `GET /.well-known/openid-configuration`: the issuer and where its keys are; 404 under HS256,
/// which publishes no key.
pub async fn openid_configuration(State(well_known): State<WellKnown>) -> Response {
    let keys = well_known.keys.published();
    if keys.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut algorithms: Vec<&str> = keys.iter().map(|key| key.alg.as_str()).collect();
    algorithms.sort_unstable();
    algorithms.dedup();
    let document = json!({
        "issuer": well_known.keys.issuer(),
        "jwks_uri": format!("{}/.well-known/jwks.json", well_known.public_url),
        "id_token_signing_alg_values_supported": algorithms,
        "subject_types_supported": ["public"],
    });
    public(Json(document).into_response())
}

/// Public, cacheable documents: the security headers' `no-store` is only a default.
fn public(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}
