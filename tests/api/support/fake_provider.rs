//! A fake OpenID Connect provider on loopback, for the tests that play the attacker against
//! Roster's sign-in with identity providers. It behaves like a real provider (discovery, a
//! JWKS, an authorization endpoint that answers straight back, a token endpoint that checks
//! the client and PKCE) until a test picks an `IdToken` that a real provider never sends: a
//! wrong nonce, audience or issuer, `alg: none`, HMAC keyed with the client secret, a key
//! nobody published, an expired token. It records every request, so a test can read what
//! Roster sent (the PKCE pair, the client's credentials). The GitHub double is in
//! `fake_github`; both use the request recording and PKCE checks here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::Signer as _;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The client Roster is registered as, at both fakes.
pub const CLIENT_ID: &str = "roster-test-client";
/// Its secret: long and odd enough that finding it in a database row or a response means
/// it was copied there.
pub const CLIENT_SECRET: &str = "fake-client-secret-7Hq2-vX9c-Lm4r-Zt8w";

/// The keys the provider signs with, by `kid`: the published one, the one it rotates to
/// (published from the second JWKS fetch on), and one that is never published.
const SIGNING_KID: &str = "key-1";
const ROTATED_KID: &str = "key-2";
const UNPUBLISHED_KID: &str = "key-stranger";

/// What the token endpoint puts in the ID token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdToken {
    /// What a real provider sends: signed with the published key, for Roster's client and
    /// nonce, from this issuer, live.
    Valid,
    /// A nonce other than the one of the authorization request.
    WrongNonce,
    /// For another client.
    WrongAudience,
    /// From another issuer.
    WrongIssuer,
    /// `alg: none` and no signature.
    AlgNone,
    /// HS256 keyed with the client secret (which Roster knows too).
    Hs256ClientSecret,
    /// ES256 by a key whose `kid` the JWKS never lists.
    UnpublishedKey,
    /// Expired ten minutes ago.
    Expired,
    /// ES256 by the key the provider rotated to, which its JWKS lists only from the second
    /// fetch on: Roster must fetch the keys again on the unknown `kid`.
    RotatedKey,
}

/// One request a fake received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    /// The form fields of an `application/x-www-form-urlencoded` body.
    pub form: HashMap<String, String>,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
}

impl Recorded {
    fn new(method: &Method, uri: &Uri, headers: &HeaderMap, body: &str) -> Self {
        let pairs = |text: &str| -> HashMap<String, String> {
            url::form_urlencoded::parse(text.as_bytes())
                .into_owned()
                .collect()
        };
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
        Recorded {
            method: method.to_string(),
            path: uri.path().to_owned(),
            query: pairs(uri.query().unwrap_or_default()),
            form: if is_form { pairs(body) } else { HashMap::new() },
            headers: headers
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_owned(), value)
                })
                .collect(),
        }
    }

    /// A query parameter, or a form field; panics when it is neither.
    pub fn param(&self, name: &str) -> &str {
        self.query
            .get(name)
            .or_else(|| self.form.get(name))
            .unwrap_or_else(|| panic!("no {name} in {self:?}"))
    }

    /// The client's credentials: HTTP Basic (each part form-encoded, RFC 6749 2.3.1), or
    /// `client_id` and `client_secret` in the form.
    pub fn client_credentials(&self) -> Option<(String, String)> {
        if let Some(basic) = self
            .headers
            .get("authorization")
            .and_then(|value| value.strip_prefix("Basic "))
        {
            let decoded = String::from_utf8(STANDARD.decode(basic).ok()?).ok()?;
            let (id, secret) = decoded.split_once(':')?;
            let decode = |part: &str| -> String {
                url::form_urlencoded::parse(format!("v={part}").as_bytes())
                    .next()
                    .map(|(_, value)| value.into_owned())
                    .unwrap_or_default()
            };
            return Some((decode(id), decode(secret)));
        }
        Some((
            self.form.get("client_id")?.clone(),
            self.form.get("client_secret")?.clone(),
        ))
    }
}

/// BASE64URL(SHA-256(verifier)): the S256 code challenge (RFC 7636).
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` answers the challenge an authorization request gave.
pub(crate) fn pkce_matches(challenge: &str, method: &str, verifier: Option<&String>) -> bool {
    match verifier {
        Some(verifier) if method == "S256" => s256(verifier) == challenge,
        Some(verifier) if method == "plain" => verifier == challenge,
        _ => false,
    }
}

/// A random, URL-safe value (codes, access tokens).
pub(crate) fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// `url` with `pairs` added to its query.
pub(crate) fn with_query(url: &str, pairs: &[(&str, &str)]) -> Option<String> {
    let mut url = url::Url::parse(url).ok()?;
    url.query_pairs_mut().extend_pairs(pairs);
    Some(url.into())
}

/// A `303 See Other` to `location`.
pub(crate) fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// A JSON body with `status`.
pub(crate) fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A server on 127.0.0.1:0 that hands every request to `handle`; returns its base URL and the
/// task serving it.
pub(crate) async fn serve<S: Clone + Send + Sync + 'static>(
    shared: S,
    handle: fn(&S, Recorded) -> Response,
) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the fake on loopback");
    let base = format!(
        "http://{}",
        listener
            .local_addr()
            .expect("BUG: a bound listener has an address")
    );
    let router = Router::new()
        .fallback(
            move |State(shared): State<S>,
                  method: Method,
                  uri: Uri,
                  headers: HeaderMap,
                  body: String| async move {
                handle(&shared, Recorded::new(&method, &uri, &headers, &body))
            },
        )
        .with_state(shared);
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .await
            .expect("the fake serves");
    });
    (base, server)
}

/// Seconds since the epoch: an ID token's `iat` and `exp` are read against the verifier's
/// clock, which is the real one.
fn now() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("BUG: the clock is past 1970");
    i64::try_from(elapsed.as_secs()).expect("BUG: seconds fit an i64")
}

/// An authorization the provider granted and has not yet redeemed.
#[derive(Clone, Debug)]
struct Grant {
    redirect_uri: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: String,
}

/// What the provider holds, behind the server's lock.
struct Provider {
    issuer: String,
    id_token: IdToken,
    /// The person's claims: `sub`, `email`, `email_verified`, `name`, ...
    claims: Value,
    enforce_pkce: bool,
    grants: HashMap<String, Grant>,
    /// Codes redeemed (or tried) once: a second use is refused.
    redeemed: Vec<String>,
    /// Access and ID tokens handed out, for tests that look for them where they must not be.
    issued: Vec<String>,
    requests: Vec<Recorded>,
}

/// The provider's keys: P-256 from fixed seeds (any key does; these are no secret).
fn key(kid: &str) -> SigningKey {
    let seed = match kid {
        SIGNING_KID => 0x11,
        ROTATED_KID => 0x22,
        _ => 0x33,
    };
    SigningKey::from_slice(&[seed; 32]).expect("BUG: a valid P-256 scalar")
}

fn public_jwk(kid: &str) -> Value {
    let point = key(kid).verifying_key().as_affine().to_encoded_point(false);
    json!({
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
        "kid": kid,
        "x": URL_SAFE_NO_PAD.encode(point.x().expect("BUG: an uncompressed point")),
        "y": URL_SAFE_NO_PAD.encode(point.y().expect("BUG: an uncompressed point")),
    })
}

fn encode_part(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("BUG: JSON serializes"))
}

/// A compact JWS with `header` and `claims`, its signature made by `sign` over the signing
/// input.
fn jws(header: &Value, claims: &Value, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!("{}.{}", encode_part(header), encode_part(claims));
    let signature = sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn es256(kid: &str, claims: &Value) -> String {
    let header = json!({ "alg": "ES256", "typ": "JWT", "kid": kid });
    jws(&header, claims, |input| {
        let signature: p256::ecdsa::Signature = key(kid).sign(input);
        signature.to_bytes().to_vec()
    })
}

impl Provider {
    fn id_token(&self, client_id: &str, nonce: Option<&str>) -> String {
        let now = now();
        let mut claims = json!({
            "iss": self.issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + 600,
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        for (name, value) in self.claims.as_object().expect("BUG: claims are an object") {
            claims[name] = value.clone();
        }
        match self.id_token {
            IdToken::Valid => {}
            IdToken::WrongNonce => claims["nonce"] = json!("a-nonce-roster-never-sent"),
            IdToken::WrongAudience => claims["aud"] = json!("another-client"),
            IdToken::WrongIssuer => claims["iss"] = json!(format!("{}/other", self.issuer)),
            IdToken::Expired => {
                claims["iat"] = json!(now - 1200);
                claims["exp"] = json!(now - 600);
            }
            IdToken::AlgNone => {
                let header = json!({ "alg": "none", "typ": "JWT" });
                return format!("{}.{}.", encode_part(&header), encode_part(&claims));
            }
            IdToken::Hs256ClientSecret => {
                let header = json!({ "alg": "HS256", "typ": "JWT" });
                return jws(&header, &claims, |input| {
                    let key = jsonwebtoken::EncodingKey::from_secret(CLIENT_SECRET.as_bytes());
                    let signature =
                        jsonwebtoken::crypto::sign(input, &key, jsonwebtoken::Algorithm::HS256)
                            .expect("HS256 signs");
                    URL_SAFE_NO_PAD
                        .decode(signature)
                        .expect("BUG: jsonwebtoken answers base64url")
                });
            }
            IdToken::UnpublishedKey => return es256(UNPUBLISHED_KID, &claims),
            IdToken::RotatedKey => return es256(ROTATED_KID, &claims),
        }
        es256(SIGNING_KID, &claims)
    }

    fn handle(&mut self, request: &Recorded) -> Response {
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/.well-known/openid-configuration") => {
                let issuer = &self.issuer;
                json_response(
                    StatusCode::OK,
                    json!({
                        "issuer": issuer,
                        "authorization_endpoint": format!("{issuer}/authorize"),
                        "token_endpoint": format!("{issuer}/token"),
                        "userinfo_endpoint": format!("{issuer}/userinfo"),
                        "jwks_uri": format!("{issuer}/jwks"),
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["ES256"],
                        "token_endpoint_auth_methods_supported":
                            ["client_secret_basic", "client_secret_post"],
                        "code_challenge_methods_supported": ["S256"],
                        "scopes_supported": ["openid", "email", "profile"],
                    }),
                )
            }
            ("GET", "/jwks") => {
                // This request is recorded already: the first fetch sees one key.
                let fetches = self.requests.iter().filter(|r| r.path == "/jwks").count();
                let mut keys = vec![public_jwk(SIGNING_KID)];
                if fetches > 1 {
                    keys.push(public_jwk(ROTATED_KID));
                }
                json_response(StatusCode::OK, json!({ "keys": keys }))
            }
            ("GET", "/authorize") => self.authorize(request),
            ("POST", "/token") => self.token(request),
            ("GET", "/userinfo") => {
                let bearer = request
                    .headers
                    .get("authorization")
                    .and_then(|value| value.strip_prefix("Bearer "));
                match bearer {
                    Some(token) if self.issued.iter().any(|issued| issued == token) => {
                        json_response(StatusCode::OK, self.claims.clone())
                    }
                    _ => json_response(
                        StatusCode::UNAUTHORIZED,
                        json!({ "error": "invalid_token" }),
                    ),
                }
            }
            _ => StatusCode::NOT_FOUND.into_response(),
        }
    }

    /// Grants at once, as if the person had signed in and agreed: `303` back to the client's
    /// `redirect_uri` with a code and the `state`.
    fn authorize(&mut self, request: &Recorded) -> Response {
        let query = &request.query;
        let (Some(redirect_uri), Some(state)) = (query.get("redirect_uri"), query.get("state"))
        else {
            return (
                StatusCode::BAD_REQUEST,
                "redirect_uri and state are required",
            )
                .into_response();
        };
        if query.get("response_type").map(String::as_str) != Some("code")
            || query.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        {
            return (StatusCode::BAD_REQUEST, "unknown client or response type").into_response();
        }
        let code = random_token();
        self.grants.insert(
            code.clone(),
            Grant {
                redirect_uri: redirect_uri.clone(),
                nonce: query.get("nonce").cloned(),
                code_challenge: query.get("code_challenge").cloned(),
                code_challenge_method: query
                    .get("code_challenge_method")
                    .cloned()
                    .unwrap_or_else(|| "plain".into()),
            },
        );
        match with_query(redirect_uri, &[("code", &code), ("state", state)]) {
            Some(location) => see_other(&location),
            None => (StatusCode::BAD_REQUEST, "redirect_uri is not a URL").into_response(),
        }
    }

    /// Redeems a code once, for the client that authenticates, with the verifier of the
    /// challenge the authorization request gave.
    fn token(&mut self, request: &Recorded) -> Response {
        let error =
            |status: StatusCode, error: &str| json_response(status, json!({ "error": error }));
        if request.client_credentials() != Some((CLIENT_ID.into(), CLIENT_SECRET.into())) {
            return error(StatusCode::UNAUTHORIZED, "invalid_client");
        }
        let form = &request.form;
        if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
            return error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
        }
        let Some(code) = form.get("code") else {
            return error(StatusCode::BAD_REQUEST, "invalid_request");
        };
        if self.redeemed.contains(code) {
            return error(StatusCode::BAD_REQUEST, "invalid_grant");
        }
        let Some(grant) = self.grants.get(code).cloned() else {
            return error(StatusCode::BAD_REQUEST, "invalid_grant");
        };
        self.redeemed.push(code.clone());
        if form.get("redirect_uri") != Some(&grant.redirect_uri) {
            return error(StatusCode::BAD_REQUEST, "invalid_grant");
        }
        if self.enforce_pkce {
            let answered = grant.code_challenge.as_ref().is_some_and(|challenge| {
                pkce_matches(
                    challenge,
                    &grant.code_challenge_method,
                    form.get("code_verifier"),
                )
            });
            if !answered {
                return error(StatusCode::BAD_REQUEST, "invalid_grant");
            }
        }
        let id_token = self.id_token(CLIENT_ID, grant.nonce.as_deref());
        let access_token = random_token();
        self.issued.push(access_token.clone());
        self.issued.push(id_token.clone());
        let response = json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": "openid email profile",
            "id_token": id_token,
        });
        let mut response = json_response(StatusCode::OK, response);
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            "no-store".parse().expect("BUG: a header value"),
        );
        response
    }
}

/// A fake OpenID Connect provider: issuer `http://127.0.0.1:PORT`, client `CLIENT_ID` with
/// `CLIENT_SECRET`. Stops when dropped.
pub struct FakeProvider {
    /// The issuer, which is also the base URL of its endpoints.
    pub issuer: String,
    shared: Arc<Mutex<Provider>>,
    server: JoinHandle<()>,
}

impl FakeProvider {
    /// A provider that sends valid ID tokens for Ada (`sub` "ada-subject", a verified
    /// ada@example.com) and enforces PKCE.
    pub async fn start() -> FakeProvider {
        let shared = Arc::new(Mutex::new(Provider {
            issuer: String::new(),
            id_token: IdToken::Valid,
            claims: json!({
                "sub": "ada-subject",
                "email": "ada@example.com",
                "email_verified": true,
                "name": "Ada Lovelace",
            }),
            enforce_pkce: true,
            grants: HashMap::new(),
            redeemed: Vec::new(),
            issued: Vec::new(),
            requests: Vec::new(),
        }));
        let (issuer, server) = serve(shared.clone(), |shared: &Arc<Mutex<Provider>>, request| {
            let mut provider = lock(shared);
            provider.requests.push(request.clone());
            provider.handle(&request)
        })
        .await;
        lock(&shared).issuer = issuer.clone();
        FakeProvider {
            issuer,
            shared,
            server,
        }
    }

    fn provider(&self) -> MutexGuard<'_, Provider> {
        lock(&self.shared)
    }

    /// What the ID tokens from now on are.
    pub fn send(&self, id_token: IdToken) {
        self.provider().id_token = id_token;
    }

    /// The person's claims in the ID tokens from now on (replacing `sub`, `email`,
    /// `email_verified`, `name`): an object.
    pub fn set_claims(&self, claims: Value) {
        assert!(claims.is_object(), "claims are an object: {claims}");
        self.provider().claims = claims;
    }

    /// Whether the token endpoint checks the PKCE verifier (a provider that does not lets a
    /// test see what Roster checks itself).
    pub fn enforce_pkce(&self, enforce: bool) {
        self.provider().enforce_pkce = enforce;
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.provider().requests.clone()
    }

    /// The requests received so far to `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.provider()
            .requests
            .iter()
            .filter(|request| request.path == path)
            .cloned()
            .collect()
    }

    /// The access and ID tokens handed out so far.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.provider().issued.clone()
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The lock, also after a test panicked while holding it (the state is only read then).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
