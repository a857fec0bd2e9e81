//! A GitHub double on loopback, shaped like GitHub Enterprise Server at a base URL `B`:
//! `B/login/oauth/authorize` (grants at once: `303` back with a code and the state),
//! `B/login/oauth/access_token` (JSON when asked for it, else a form, and errors with status
//! 200, as GitHub does), and the API at `B/api/v3` (`/user`, `/user/emails`) for the token it
//! handed out. The user and their addresses are the test's to set. Roster uses it as a
//! provider of kind `GITHUB` with `issuer: B`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use super::fake_provider::{
    CLIENT_ID, CLIENT_SECRET, Recorded, json_response, lock, pkce_matches, random_token, see_other,
    serve, with_query,
};

/// An authorization granted and not yet redeemed.
#[derive(Clone, Debug)]
struct Grant {
    redirect_uri: Option<String>,
    code_challenge: Option<(String, String)>,
}

/// What the double holds, behind the server's lock.
struct GitHub {
    /// `GET /api/v3/user`.
    user: Value,
    /// `GET /api/v3/user/emails`.
    emails: Value,
    grants: HashMap<String, Grant>,
    redeemed: Vec<String>,
    /// Access tokens handed out.
    issued: Vec<String>,
    requests: Vec<Recorded>,
}

impl GitHub {
    fn handle(&mut self, request: &Recorded) -> Response {
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/login/oauth/authorize") => self.authorize(request),
            ("POST", "/login/oauth/access_token") => self.access_token(request),
            ("GET", "/api/v3/user") => self.api(request, self.user.clone()),
            ("GET", "/api/v3/user/emails") => self.api(request, self.emails.clone()),
            _ => StatusCode::NOT_FOUND.into_response(),
        }
    }

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
        if query.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
            return (StatusCode::NOT_FOUND, "unknown client").into_response();
        }
        let code = random_token();
        let code_challenge = query.get("code_challenge").map(|challenge| {
            let method = query.get("code_challenge_method");
            (
                challenge.clone(),
                method.cloned().unwrap_or_else(|| "plain".into()),
            )
        });
        self.grants.insert(
            code.clone(),
            Grant {
                redirect_uri: Some(redirect_uri.clone()),
                code_challenge,
            },
        );
        match with_query(redirect_uri, &[("code", &code), ("state", state)]) {
            Some(location) => see_other(&location),
            None => (StatusCode::BAD_REQUEST, "redirect_uri is not a URL").into_response(),
        }
    }

    /// GitHub answers a refused exchange with status 200 and an `error` member.
    fn access_token(&mut self, request: &Recorded) -> Response {
        let wants_json = request
            .headers
            .get("accept")
            .is_some_and(|accept| accept.contains("application/json"));
        let refused = |error: &str| json_response(StatusCode::OK, json!({ "error": error }));
        if request.client_credentials() != Some((CLIENT_ID.into(), CLIENT_SECRET.into())) {
            return refused("incorrect_client_credentials");
        }
        let Some(code) = request.form.get("code") else {
            return refused("bad_verification_code");
        };
        if self.redeemed.contains(code) {
            return refused("bad_verification_code");
        }
        let Some(grant) = self.grants.get(code).cloned() else {
            return refused("bad_verification_code");
        };
        self.redeemed.push(code.clone());
        if let Some(given) = request.form.get("redirect_uri")
            && grant.redirect_uri.as_ref() != Some(given)
        {
            return refused("redirect_uri_mismatch");
        }
        if let Some((challenge, method)) = &grant.code_challenge
            && !pkce_matches(challenge, method, request.form.get("code_verifier"))
        {
            return refused("bad_verification_code");
        }
        let access_token = format!("gho_{}", random_token());
        self.issued.push(access_token.clone());
        let scope = "read:user,user:email";
        if wants_json {
            json_response(
                StatusCode::OK,
                json!({ "access_token": access_token, "token_type": "bearer", "scope": scope }),
            )
        } else {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("access_token", &access_token)
                .append_pair("scope", scope)
                .append_pair("token_type", "bearer")
                .finish();
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/x-www-form-urlencoded")],
                body,
            )
                .into_response()
        }
    }

    /// The API answers `body` for a token it handed out (`Bearer` or GitHub's `token`).
    fn api(&self, request: &Recorded, body: Value) -> Response {
        let token = request.headers.get("authorization").and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("token "))
        });
        match token {
            Some(token) if self.issued.iter().any(|issued| issued == token) => {
                json_response(StatusCode::OK, body)
            }
            _ => json_response(
                StatusCode::UNAUTHORIZED,
                json!({ "message": "Bad credentials" }),
            ),
        }
    }
}

/// A GitHub double at `base` (`http://127.0.0.1:PORT`), client `CLIENT_ID` with
/// `CLIENT_SECRET`. Stops when dropped.
pub struct FakeGitHub {
    pub base: String,
    shared: Arc<Mutex<GitHub>>,
    server: JoinHandle<()>,
}

impl FakeGitHub {
    /// A double whose user is Ada, id 12345, with one primary, verified address.
    pub async fn start() -> FakeGitHub {
        let shared = Arc::new(Mutex::new(GitHub {
            user: json!({
                "id": 12345,
                "login": "ada",
                "name": "Ada Lovelace",
                "email": "ada@example.com",
            }),
            emails: json!([
                { "email": "ada@example.com", "primary": true, "verified": true, "visibility": "public" },
            ]),
            grants: HashMap::new(),
            redeemed: Vec::new(),
            issued: Vec::new(),
            requests: Vec::new(),
        }));
        let (base, server) = serve(shared.clone(), |shared: &Arc<Mutex<GitHub>>, request| {
            let mut github = lock(shared);
            github.requests.push(request.clone());
            github.handle(&request)
        })
        .await;
        FakeGitHub {
            base,
            shared,
            server,
        }
    }

    fn github(&self) -> MutexGuard<'_, GitHub> {
        lock(&self.shared)
    }

    /// What `GET /api/v3/user` answers from now on.
    pub fn set_user(&self, user: Value) {
        self.github().user = user;
    }

    /// What `GET /api/v3/user/emails` answers from now on:
    /// `[{email, primary, verified, visibility}]`.
    pub fn set_emails(&self, emails: Value) {
        self.github().emails = emails;
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.github().requests.clone()
    }

    /// The access tokens handed out so far.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.github().issued.clone()
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.server.abort();
    }
}
