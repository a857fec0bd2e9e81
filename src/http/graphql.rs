//! The GraphQL endpoint over HTTP, as API.md and GraphQL over HTTP say: `POST /graphql` with a
//! JSON body (one request or a batch of at most `MAX_BATCH`; 415 for a body that is not
//! declared JSON, 400 for one that is not a GraphQL request), `GET /graphql` for queries (the
//! query string parsed here; 405 for a mutation; GraphiQL for a browser that sends none), and
//! `GET /schema.graphql`. Each operation runs with the request's own credentials.

use std::net::SocketAddr;
use std::sync::Arc;

use async_graphql::{BatchRequest, BatchResponse};
use async_graphql_axum::GraphQLBatchRequest;
use async_graphql_axum::rejection::GraphQLRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::viewer::{ClientInfo, Credentials};
use crate::graphql::limits::MAX_BATCH;
use crate::graphql::{self, errors};
use crate::http::client_address::{ClientAddress, peer_of};
use crate::http::console;
use crate::http::responses::{bad_request, graphql_response, rejected, request_error};

/// What the GraphQL handlers share (each request clones it: one reference count).
#[derive(Clone)]
pub struct Shared(Arc<SharedParts>);

impl Shared {
    pub fn new(parts: SharedParts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for Shared {
    type Target = SharedParts;

    fn deref(&self) -> &SharedParts {
        &self.0
    }
}

/// The API, how to find the client, and whether GraphiQL is served.
pub struct SharedParts {
    pub api: graphql::Api,
    pub client_address: ClientAddress,
    /// Whether GraphiQL is served to browsers at `GET /graphql`.
    pub graphiql: bool,
}

impl SharedParts {
    /// The request's credentials and client details.
    pub(super) fn credentials(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Credentials {
        let text = |name: &header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let authorization = headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or(""));
        Credentials::new(
            authorization,
            ClientInfo {
                user_agent: text(&header::USER_AGENT).map(str::to_owned),
                ip: self
                    .client_address
                    .resolve(peer.map(|addr| addr.ip()), headers),
            },
        )
    }
}

/// `POST /graphql`: one request or a batch, as JSON.
pub async fn graphql_post(State(shared): State<Shared>, request: Request) -> Response {
    let headers = request.headers().clone();
    if !is_json(&headers) {
        // Browsers send `text/plain` and form types cross-origin without asking first: such
        // a body is never run, so a hostile page cannot make its visitors' browsers log in.
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POST bodies must be JSON (Content-Type: application/json)",
            errors::BAD_USER_INPUT,
        );
    }
    let peer = peer_of(&request);
    let batch = match GraphQLBatchRequest::<GraphQLRejection>::from_request(request, &()).await {
        Ok(batch) => batch.into_inner(),
        Err(rejection) => return rejected(rejection),
    };
    // serde fills a missing `query` with "": `{"foo": 1}` parses, but is not a GraphQL request.
    if batch.iter().any(|request| request.query.trim().is_empty()) {
        return bad_request("the body is not a GraphQL request: `query` is missing or empty");
    }
    match execute_batch(&shared, &headers, peer, batch).await {
        Ok(response) => graphql_response(&headers, response),
        Err(refusal) => refusal,
    }
}

/// Runs one request, or each of a batch within `MAX_BATCH`; each operation of a batch gets
/// its own request data (viewer, loader).
async fn execute_batch(
    shared: &Shared,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    batch: BatchRequest,
) -> Result<BatchResponse, Response> {
    match batch {
        BatchRequest::Single(request) => {
            let credentials = shared.credentials(headers, peer);
            Ok(BatchResponse::Single(
                shared.api.execute(request, credentials).await,
            ))
        }
        BatchRequest::Batch(requests) if requests.is_empty() => {
            Err(bad_request("the batch is empty"))
        }
        BatchRequest::Batch(requests) if requests.len() > MAX_BATCH => Err(request_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "the batch holds {} operations; at most {MAX_BATCH} are allowed",
                requests.len(),
            ),
            errors::VALIDATION_FAILED,
        )),
        BatchRequest::Batch(requests) => {
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                let credentials = shared.credentials(headers, peer);
                responses.push(shared.api.execute(request, credentials).await);
            }
            Ok(BatchResponse::Batch(responses))
        }
    }
}

/// Whether the body is declared JSON: `application/json`, any case, parameters allowed.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// `GET /graphql`: a query in the query string, or GraphiQL for a browser that sends none.
pub async fn graphql_get(State(shared): State<Shared>, request: Request) -> Response {
    let headers = request.headers().clone();
    let peer = peer_of(&request);
    let has_query = request.uri().query().is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.len() > 6 && pair.starts_with("query="))
    });
    if !has_query {
        return without_query(&shared, &headers);
    }
    let request = match get_request(request.uri().query().unwrap_or_default()) {
        Ok(request) => request,
        Err(message) => return bad_request(&message),
    };
    let mut request = match shared.api.check(request) {
        Ok(request) => request,
        Err(refusal) => {
            let refused = graphql::Api::refused(refusal);
            return graphql_response(&headers, refused.into());
        }
    };
    if graphql::is_mutation(&mut request) {
        let mut response = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations must be sent with POST",
            errors::BAD_USER_INPUT,
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let credentials = shared.credentials(&headers, peer);
    let response = shared.api.run(request, credentials).await;
    graphql_response(&headers, response.into())
}

/// A `GET /graphql` without a `query`: GraphiQL for a browser (when it is served), else 400.
fn without_query(shared: &Shared, headers: &HeaderMap) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && shared.graphiql {
        return console::graphiql_page();
    }
    bad_request(if shared.graphiql {
        "a GET request needs a `query` parameter (or Accept: text/html for GraphiQL)"
    } else {
        "a GET request needs a `query` parameter"
    })
}

/// The GraphQL request in a GET query string: `query`, `operationName` and `variables` (JSON),
/// as GraphQL over HTTP names them. (async-graphql's own parser expects `operation_name`, so
/// urql's `operationName` would be dropped.)
fn get_request(query_string: &str) -> Result<async_graphql::Request, String> {
    #[derive(serde::Deserialize)]
    struct Params {
        query: String,
        #[serde(rename = "operationName", alias = "operation_name")]
        operation_name: Option<String>,
        variables: Option<String>,
    }
    let params: Params = serde_urlencoded::from_str(query_string)
        .map_err(|error| format!("not a GraphQL request: {error}"))?;
    let mut request = async_graphql::Request::new(params.query);
    if let Some(name) = params.operation_name.filter(|name| !name.is_empty()) {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables.filter(|v| !v.trim().is_empty()) {
        let variables: serde_json::Value = serde_json::from_str(&variables)
            .map_err(|error| format!("`variables` is not JSON: {error}"))?;
        if !variables.is_object() && !variables.is_null() {
            return Err("`variables` must be a JSON object".to_owned());
        }
        request = request.variables(async_graphql::Variables::from_json(variables));
    }
    Ok(request)
}

/// `GET /schema.graphql` (when it is public): the SDL.
pub async fn schema_sdl(State(shared): State<Shared>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        shared.api.schema.sdl(),
    )
}
