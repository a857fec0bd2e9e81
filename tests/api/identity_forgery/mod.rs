//! Sign-in with identity providers, from the attacker's side (API.md, "Sign-in with identity
//! providers"): fake providers (`support::fake_provider`, `support::fake_github`) that send
//! what a real one never does, and a browser that replays, swaps and tampers with what passes
//! through it. Each refusal is checked where a person would see it (the `error` of the page
//! Roster sends the browser back to, the GraphQL error) and in what was stored (no account,
//! no session). The journeys with a real provider are in `identity`.
//!
//! The browser follows no redirect by itself: each hop is a request of the test, so it can
//! read every `Location` and call any of them again.

mod codes;
mod github;
mod id_tokens;
mod providers;
mod states;

use reqwest::StatusCode;
use roster::db::entities::{sessions, users};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::support::fake_github::FakeGitHub;
use crate::support::fake_provider::{CLIENT_ID, CLIENT_SECRET, FakeProvider, s256};
use crate::support::{TestApp, Tokens, assert_ok};

pub const PROVIDER_FIELDS: &str = "id slug displayName kind issuer clientId scopes \
     allowedEmailDomains allowSignUp autoLinkVerifiedEmail enabled createdAt updatedAt";

pub fn create_provider_document() -> String {
    format!(
        "mutation($input: IdentityProviderInput!) {{ \
         createIdentityProvider(input: $input) {{ {PROVIDER_FIELDS} }} }}"
    )
}

pub fn update_provider_document() -> String {
    format!(
        "mutation($id: ID!, $input: IdentityProviderInput!) {{ \
         updateIdentityProvider(id: $id, input: $input) {{ {PROVIDER_FIELDS} }} }}"
    )
}

pub fn identity_providers_document() -> String {
    format!("{{ identityProviders {{ {PROVIDER_FIELDS} }} }}")
}

pub const DELETE_PROVIDER: &str = "mutation($id: ID!) { deleteIdentityProvider(id: $id) }";

pub const SIGN_IN_PROVIDERS: &str = "{ signInProviders { slug displayName kind } }";

pub const START_OAUTH: &str = "mutation($input: StartOAuthInput!) {
  startOAuth(input: $input) { authorizationUrl expiresAt }
}";

pub const COMPLETE_OAUTH: &str = "mutation($code: String!, $verifier: String!) {
  completeOAuth(code: $code, codeVerifier: $verifier) {
    __typename
    ... on AuthPayload { accessToken refreshToken user { id email emailVerified hasPassword } }
    ... on AccountLinkRequired { linkToken email }
    ... on SecondFactorRequired { challengeToken }
    ... on IdentityLinked { identity { id } }
  }
}";

/// The console's page, where the browser lands by default: `{public-url}/oauth/complete`
/// (a test server's public URL is its own address).
pub fn console_redirect_uri(app: &TestApp) -> String {
    format!("{}/oauth/complete", app.address)
}

/// Where a provider sends the browser back to Roster.
pub fn callback_url(app: &TestApp, slug: &str) -> String {
    format!("{}/oauth/{slug}/callback", app.address)
}

/// The input of a provider of kind `OIDC` at `provider`, for `CLIENT_ID` with its secret,
/// with `overrides` applied.
pub fn oidc_input(slug: &str, provider: &FakeProvider, overrides: Value) -> Value {
    merged(
        json!({
            "slug": slug,
            "displayName": format!("Provider {slug}"),
            "kind": "OIDC",
            "issuer": provider.issuer,
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
        }),
        overrides,
    )
}

/// The input of a provider of kind `GITHUB` at `github`'s base URL.
pub fn github_input(slug: &str, github: &FakeGitHub, overrides: Value) -> Value {
    merged(
        json!({
            "slug": slug,
            "displayName": "GitHub",
            "kind": "GITHUB",
            "issuer": github.base,
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
        }),
        overrides,
    )
}

fn merged(mut base: Value, overrides: Value) -> Value {
    for (name, value) in overrides.as_object().expect("overrides are an object") {
        base[name] = value.clone();
    }
    base
}

/// Creates a provider as the ADMIN `admin`; returns it.
pub async fn create_provider(app: &TestApp, admin: &Tokens, input: Value) -> Value {
    let body = app
        .gql(
            &create_provider_document(),
            json!({ "input": input }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&body);
    body["data"]["createIdentityProvider"].clone()
}

/// An ADMIN's tokens, made the way an operator does.
pub async fn admin(app: &TestApp) -> Tokens {
    app.admin("admin@example.com").await
}

/// The number of accounts and of sessions (ended ones included): what a refused sign-in must
/// leave as it was.
pub async fn accounts_and_sessions(app: &TestApp) -> (u64, u64) {
    let accounts = users::Entity::find().count(app.db()).await.unwrap();
    let sessions = sessions::Entity::find().count(app.db()).await.unwrap();
    (accounts, sessions)
}

/// A browser: it follows no redirect, so the test sees each one.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("BUG: a plain client builds")
}

/// What a frontend keeps for one flow: its PKCE verifier, and where `startOAuth` sends the
/// browser.
#[derive(Clone, Debug)]
pub struct Started {
    pub slug: String,
    pub redirect_uri: String,
    pub verifier: String,
    pub authorization_url: String,
}

/// A fresh PKCE verifier: 64 unreserved characters.
pub fn new_verifier() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// `startOAuth` with these values; returns the body.
pub async fn start_oauth_with(
    app: &TestApp,
    provider: &str,
    redirect_uri: &str,
    code_challenge: &str,
) -> Value {
    let input = json!({
        "provider": provider,
        "redirectUri": redirect_uri,
        "codeChallenge": code_challenge,
    });
    app.gql(START_OAUTH, json!({ "input": input }), None).await
}

/// Starts a sign-in at `slug` as the console would, landing on `redirect_uri`.
pub async fn start_to(app: &TestApp, slug: &str, redirect_uri: &str) -> Started {
    let verifier = new_verifier();
    let body = start_oauth_with(app, slug, redirect_uri, &s256(&verifier)).await;
    assert_ok(&body);
    let authorization_url = body["data"]["startOAuth"]["authorizationUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("an authorizationUrl: {body}"))
        .to_owned();
    Started {
        slug: slug.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        verifier,
        authorization_url,
    }
}

/// Starts a sign-in at `slug` landing on the console's page.
pub async fn start(app: &TestApp, slug: &str) -> Started {
    start_to(app, slug, &console_redirect_uri(app)).await
}

/// GETs `url` without following a redirect: the status and the `Location`, if any.
pub async fn visit(url: &str) -> (StatusCode, Option<String>) {
    let response = browser().get(url).send().await.expect("request sent");
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|value| value.to_str().expect("an ASCII Location").to_owned());
    (response.status(), location)
}

/// Goes to the provider with `started`'s authorization URL; returns the callback URL the
/// provider sends the browser to (with the provider's `code` and the `state`).
pub async fn authorize(app: &TestApp, started: &Started) -> String {
    let (status, location) = visit(&started.authorization_url).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{started:?}");
    let location = location.expect("the provider answers with a Location");
    assert!(
        location.starts_with(&format!("{}?", callback_url(app, &started.slug))),
        "the provider sends the browser back to Roster's callback: {location}"
    );
    location
}

/// Where Roster sent the browser after a callback.
#[derive(Debug)]
pub struct Landing {
    pub status: StatusCode,
    pub location: Option<String>,
    /// Roster's one-time code, when it signed the person in.
    pub code: Option<String>,
    /// The reason, when it did not.
    pub error: Option<String>,
}

/// GETs a callback URL as the browser; checks that a redirect carries a `code` or an
/// `error` and nothing else (no token travels in a URL).
pub async fn callback(url: &str) -> Landing {
    let (status, location) = visit(url).await;
    let mut landing = Landing {
        status,
        location: location.clone(),
        code: None,
        error: None,
    };
    if status.is_redirection() {
        let location = location.expect("a redirect has a Location");
        let parsed = url::Url::parse(&location).expect("an absolute Location");
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert_eq!(pairs.len(), 1, "one parameter in {location}");
        let (name, value) = pairs.into_iter().next().expect("BUG: one pair");
        match name.as_str() {
            "code" => landing.code = Some(value),
            "error" => landing.error = Some(value),
            _ => panic!("only `code` or `error` in the Location: {location}"),
        }
    }
    landing
}

/// Runs `started` through the provider and back to Roster.
pub async fn through_provider(app: &TestApp, started: &Started) -> Landing {
    let landing = callback(&authorize(app, started).await).await;
    if let Some(location) = &landing.location {
        assert!(
            location.starts_with(&format!("{}?", started.redirect_uri)),
            "Roster sends the browser to the flow's redirectUri: {location}"
        );
    }
    landing
}

/// `completeOAuth`; returns the body.
pub async fn complete(app: &TestApp, code: &str, verifier: &str) -> Value {
    app.gql(
        COMPLETE_OAUTH,
        json!({ "code": code, "verifier": verifier }),
        None,
    )
    .await
}

/// A whole sign-in at `slug`: start, the provider, the callback, `completeOAuth`; returns
/// what `completeOAuth` answered (`data.completeOAuth`), asserting it answered without errors.
pub async fn sign_in(app: &TestApp, slug: &str) -> Value {
    let started = start(app, slug).await;
    let landing = through_provider(app, &started).await;
    let code = landing
        .code
        .clone()
        .unwrap_or_else(|| panic!("a code: {landing:?}"));
    let body = complete(app, &code, &started.verifier).await;
    assert_ok(&body);
    body["data"]["completeOAuth"].clone()
}

/// A sign-in at `slug` that must end in `error`: returns the landing, having checked that no
/// account or session appeared.
pub async fn refused_sign_in(app: &TestApp, slug: &str, error: &str) -> Landing {
    let before = accounts_and_sessions(app).await;
    let started = start(app, slug).await;
    let landing = through_provider(app, &started).await;
    assert_eq!(
        (landing.status, landing.error.as_deref()),
        (StatusCode::SEE_OTHER, Some(error)),
        "{landing:?}"
    );
    assert_eq!(
        accounts_and_sessions(app).await,
        before,
        "{error}: nothing is stored"
    );
    landing
}

/// The user an `AuthPayload` from `completeOAuth` signed in.
#[track_caller]
pub fn signed_in_user(result: &Value) -> &Value {
    assert_eq!(result["__typename"], "AuthPayload", "{result}");
    &result["user"]
}
