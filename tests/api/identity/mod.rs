//! Sign-in with identity providers over real HTTP, against a real OpenID Provider
//! (`support::oidc_provider`; API.md, "Sign-in with identity providers"): an ADMIN registers
//! the provider, a frontend starts the flow with its PKCE challenge, a browser goes through the
//! provider's login page to Roster's callback, and the frontend completes the flow with the
//! one-time code and its verifier.
//!
//! The flow helpers here (`connect`, `start_oauth`, `through_provider`, `complete_oauth`; for
//! the whole way `flow`, `sign_in_via` and `refused_flow`) are for any test that needs a
//! provider sign-in.

mod link_intent;
mod linking;
mod second_factor;
mod sign_up;

use chrono::Duration;
use roster::db::entities::sessions;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::oidc_provider::{
    AtProvider, OidcAccount, OidcClient, OidcProvider, pkce_pair, sign_in_at_provider,
};
use crate::support::{TestApp, Tokens, assert_ok, uuid};

/// The provider's slug at Roster, in its callback URL.
pub const SLUG: &str = "test-op";
pub const CLIENT_ID: &str = "roster-tests";
/// What the provider and Roster share; never in an answer, an event or a log.
pub const CLIENT_SECRET: &str = "client-secret-of-the-test-provider-7f3a9c";

pub const CREATE_PROVIDER: &str = "mutation($input: IdentityProviderInput!) {
  createIdentityProvider(input: $input) {
    id slug displayName kind issuer clientId scopes allowedEmailDomains allowSignUp
    autoLinkVerifiedEmail enabled createdAt updatedAt
  }
}";

pub const UPDATE_PROVIDER: &str = "mutation($id: ID!, $input: IdentityProviderInput!) {
  updateIdentityProvider(id: $id, input: $input) {
    id slug clientId allowSignUp autoLinkVerifiedEmail enabled
  }
}";

/// What a sign-in page shows: anyone may ask.
pub const SIGN_IN_PROVIDERS: &str = "{ signInProviders { slug displayName kind } }";

pub const START_OAUTH: &str = "mutation($input: StartOAuthInput!) {
  startOAuth(input: $input) { authorizationUrl expiresAt }
}";

pub const COMPLETE_OAUTH: &str = "mutation($code: String!, $verifier: String!) {
  completeOAuth(code: $code, codeVerifier: $verifier) {
    __typename
    ... on AuthPayload {
      accessToken refreshToken
      user { id email emailVerified hasPassword }
      session { id assuranceLevel authenticationMethods }
    }
    ... on SecondFactorRequired { challengeToken expiresAt methods }
    ... on AccountLinkRequired {
      linkToken email expiresAt provider { slug displayName kind }
    }
    ... on IdentityLinked {
      identity { id email linkedAt lastUsedAt provider { slug displayName kind } }
    }
  }
}";

/// `signIn` with a `linkToken` (any `LoginInput`), and what it answers either way.
pub const SIGN_IN: &str = "mutation($input: LoginInput!) {
  signIn(input: $input) {
    __typename
    ... on AuthPayload { accessToken refreshToken user { id email } }
    ... on SecondFactorRequired { challengeToken methods }
  }
}";

/// The viewer with its ways to sign in.
pub const ME: &str = "{ me { id email emailVerified hasPassword \
     identities { id email linkedAt lastUsedAt provider { slug displayName kind } } } }";

pub const UNLINK: &str = "mutation($id: ID!) { unlinkIdentity(id: $id) }";

pub const SET_PASSWORD: &str = "mutation($password: String!) {
  setPassword(newPassword: $password) { accessToken refreshToken user { id hasPassword } }
}";

pub const MY_EVENTS: &str = "{ myAuditEvents(first: 50) { nodes { action details } } }";

/// A provider running and registered at Roster.
pub struct Connected {
    pub op: OidcProvider,
    /// Its id at Roster.
    pub id: String,
    /// The ADMIN who registered it.
    pub admin: Tokens,
    /// The input it was registered with, for an update that changes one field.
    pub input: Value,
}

impl Connected {
    /// `updateIdentityProvider` with the registered input and `changes` over it (the client
    /// secret left out: unchanged); asserts it answered.
    pub async fn update(&self, app: &TestApp, changes: Value) -> Value {
        let mut input = self.input.clone();
        input.as_object_mut().unwrap().remove("clientSecret");
        for (field, value) in changes.as_object().into_iter().flatten() {
            input[field] = value.clone();
        }
        let variables = json!({ "id": self.id, "input": input });
        let body = app
            .gql(UPDATE_PROVIDER, variables, Some(&self.admin.access))
            .await;
        assert_ok(&body);
        body["data"]["updateIdentityProvider"].clone()
    }
}

/// Starts an OpenID Provider with `accounts` (keyed by login; ID tokens in RS256), makes an ADMIN
/// (`root@example.com`) and registers the provider at Roster as `SLUG`, with `settings` (fields
/// of `IdentityProviderInput`) over the defaults. `None` when Node.js is missing (the test is
/// skipped).
pub async fn connect(
    app: &TestApp,
    accounts: &[(&str, OidcAccount)],
    settings: Value,
) -> Option<Connected> {
    connect_client(app, roster_client(app), accounts, settings).await
}

/// How the provider knows Roster: `CLIENT_ID`, returning to Roster's callback for `SLUG`.
pub fn roster_client(app: &TestApp) -> OidcClient {
    OidcClient::for_roster(CLIENT_ID, CLIENT_SECRET, &app.address, SLUG)
}

/// `connect`, with Roster registered at the provider as `client` says (`roster_client`,
/// changed).
pub async fn connect_client(
    app: &TestApp,
    client: OidcClient,
    accounts: &[(&str, OidcAccount)],
    settings: Value,
) -> Option<Connected> {
    let op = OidcProvider::start(&[client], accounts).await?;
    let admin = app.admin("root@example.com").await;
    let mut input = json!({
        "slug": SLUG,
        "displayName": "Test Provider",
        "kind": "OIDC",
        "issuer": op.issuer,
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
    });
    for (field, value) in settings.as_object().into_iter().flatten() {
        input[field] = value.clone();
    }
    let body = app
        .gql(
            CREATE_PROVIDER,
            json!({ "input": input }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&body);
    let created = &body["data"]["createIdentityProvider"];
    assert_eq!(created["slug"], SLUG, "{body}");
    assert!(!body.to_string().contains(CLIENT_SECRET), "{body}");
    Some(Connected {
        op,
        id: created["id"].as_str().unwrap().to_owned(),
        admin,
        input,
    })
}

/// The frontend's page the provider flow returns to: `--oauth-redirect-uris`' default.
pub fn redirect_uri(app: &TestApp) -> String {
    format!("{}/oauth/complete", app.address)
}

/// A flow started by the frontend: where to send the browser, and the verifier it keeps.
pub struct Started {
    pub authorization_url: String,
    pub verifier: String,
}

/// `startOAuth` for `SLUG` with a fresh PKCE pair and `intent` (`SIGN_IN`, `LINK`), as
/// `token`'s viewer if any; asserts it answered.
pub async fn start_oauth(app: &TestApp, intent: &str, token: Option<&str>) -> Started {
    let (verifier, challenge) = pkce_pair();
    let input = json!({
        "provider": SLUG,
        "redirectUri": redirect_uri(app),
        "codeChallenge": challenge,
        "intent": intent,
    });
    let body = app.gql(START_OAUTH, json!({ "input": input }), token).await;
    assert_ok(&body);
    Started {
        authorization_url: body["data"]["startOAuth"]["authorizationUrl"]
            .as_str()
            .unwrap()
            .to_owned(),
        verifier,
    }
}

/// What Roster's callback sent the browser back to the frontend with.
#[derive(Debug)]
pub enum Returned {
    /// `?code=`: the one-time code for `completeOAuth`.
    Code(String),
    /// `?error=`: the reason.
    Error(String),
}

/// The browser's way from `started` through the provider (doing `action` on its login page)
/// to the frontend's `redirectUri`; asserts it lands there with a code or an error, and
/// nothing else in the URL.
pub async fn through_provider(
    app: &TestApp,
    provider: &Connected,
    started: &Started,
    action: AtProvider<'_>,
) -> Returned {
    let location = sign_in_at_provider(&provider.op, &started.authorization_url, action).await;
    let mut bare = location.clone();
    bare.set_query(None);
    assert_eq!(bare.as_str(), redirect_uri(app), "{location}");
    let query: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    match query.as_slice() {
        [(name, code)] if name == "code" => Returned::Code(code.clone()),
        [(name, reason)] if name == "error" => Returned::Error(reason.clone()),
        _ => panic!("Roster returned to the frontend with {location}"),
    }
}

/// `completeOAuth` as an anonymous frontend sends it (a signed-in one: `complete_oauth_as`).
pub async fn complete_oauth(app: &TestApp, code: &str, verifier: &str) -> Value {
    complete_oauth_as(app, code, verifier, None).await
}

/// `completeOAuth` with `token` as the bearer, as a signed-in frontend sends every request.
pub async fn complete_oauth_as(
    app: &TestApp,
    code: &str,
    verifier: &str,
    token: Option<&str>,
) -> Value {
    let variables = json!({ "code": code, "verifier": verifier });
    app.gql(COMPLETE_OAUTH, variables, token).await
}

/// A whole flow for `login` at the provider, with `intent` as `token`'s viewer (who sends
/// `completeOAuth` too): its answer, asserted free of errors.
pub async fn flow(
    app: &TestApp,
    provider: &Connected,
    login: &str,
    intent: &str,
    token: Option<&str>,
) -> Value {
    let started = start_oauth(app, intent, token).await;
    let code = match through_provider(app, provider, &started, AtProvider::SignIn(login)).await {
        Returned::Code(code) => code,
        Returned::Error(reason) => panic!("the flow for {login} ended with error={reason}"),
    };
    let body = complete_oauth_as(app, &code, &started.verifier, token).await;
    assert_ok(&body);
    body["data"]["completeOAuth"].clone()
}

/// A sign-in flow for `login`: `completeOAuth`'s result (`AuthPayload`, `SecondFactorRequired`
/// or `AccountLinkRequired`).
pub async fn sign_in_via(app: &TestApp, provider: &Connected, login: &str) -> Value {
    flow(app, provider, login, "SIGN_IN", None).await
}

/// A flow for `login` with `intent` that must end at the frontend with `?error=`; the reason.
pub async fn refused_flow(
    app: &TestApp,
    provider: &Connected,
    login: &str,
    intent: &str,
    token: Option<&str>,
) -> String {
    let started = start_oauth(app, intent, token).await;
    match through_provider(app, provider, &started, AtProvider::SignIn(login)).await {
        Returned::Error(reason) => reason,
        Returned::Code(_) => panic!("the flow for {login} returned a code, not an error"),
    }
}

/// The tokens of an `AuthPayload` result, asserting that is what it is.
#[track_caller]
pub fn session_of(result: &Value) -> Tokens {
    assert_eq!(result["__typename"], "AuthPayload", "{result}");
    Tokens {
        access: result["accessToken"].as_str().unwrap().to_owned(),
        refresh: result["refreshToken"].as_str().unwrap().to_owned(),
        user_id: result["user"]["id"].as_str().unwrap().to_owned(),
    }
}

/// `me` with its identities, asserting it answered.
pub async fn me(app: &TestApp, token: &str) -> Value {
    let body = app.gql(ME, json!({}), Some(token)).await;
    assert_ok(&body);
    body["data"]["me"].clone()
}

/// The slugs of the providers linked to `token`'s viewer.
pub async fn linked_providers(app: &TestApp, token: &str) -> Vec<String> {
    me(app, token).await["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|identity| identity["provider"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// The viewer's own audit events of `action`, their details as text, oldest first.
pub async fn my_events(app: &TestApp, token: &str, action: &str) -> Vec<String> {
    let body = app.gql(MY_EVENTS, json!({}), Some(token)).await;
    assert_ok(&body);
    let mut details: Vec<String> = body["data"]["myAuditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["action"] == action)
        .map(|event| event["details"].as_str().unwrap_or_default().to_owned())
        .collect();
    details.reverse();
    details
}

/// Asserts an event's details name the provider sign-in: the method and the provider.
#[track_caller]
pub fn assert_names_the_provider(details: &str) {
    assert!(details.contains("OIDC"), "no method in {details}");
    assert!(details.contains(SLUG), "no provider in {details}");
}

/// Moves the sign-in (or last reauthentication) of every session of `user_id` `ago` into the
/// past, as time passing would: a session older than the reauthentication window.
pub async fn age_sign_ins(app: &TestApp, user_id: &str, ago: Duration) {
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::AuthenticatedAt,
            Expr::value(roster::db::now() - ago),
        )
        .filter(sessions::Column::UserId.eq(uuid(user_id)))
        .exec(app.db())
        .await
        .unwrap();
}

/// The provider account of `sub` with a verified `email`.
pub fn verified(sub: &str, email: &str) -> OidcAccount {
    OidcAccount::new(sub, email, true)
}
