//! A corpus of hostile requests. For every one: no 5xx, no internal text in any message, and
//! nothing stored; the server keeps serving.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

use crate::support::auth::{assert_no_internals, user_count};
use crate::support::documents::{ME, REGISTER};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok};

const SECRET: &str = "a test secret that is long enough for HS256 use";

/// A request and what it must not do.
struct Case {
    name: String,
    request: reqwest::RequestBuilder,
}

async fn check(app: &TestApp, case: Case) {
    let response = case
        .request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let status = response.status();
    assert!(status.as_u16() < 500, "{}: {status}", case.name);
    let text = response.text().await.unwrap();
    if let Ok(body) = serde_json::from_str::<Value>(&text) {
        assert_no_internals(&body);
        assert!(
            !text.contains("Error {") && !text.contains("RUST_BACKTRACE"),
            "{}: {text}",
            case.name
        );
    }
    // Still serving.
    let probe: Value = fresh_client()
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ok(&probe);
}

/// A client that never reuses a connection: a refused request may leave its connection
/// closed by the server, and the next request must not stumble on it.
fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

fn post_raw(app: &TestApp, body: impl Into<reqwest::Body>) -> reqwest::RequestBuilder {
    fresh_client()
        .post(format!("{}/graphql", app.address))
        .header("Content-Type", "application/json")
        .body(body)
}

fn post_json(app: &TestApp, body: &Value) -> reqwest::RequestBuilder {
    fresh_client()
        .post(format!("{}/graphql", app.address))
        .json(body)
}

fn register(email: &str, password: &str) -> Value {
    json!({ "query": REGISTER, "variables": { "input": { "email": email, "password": password } } })
}

async fn hostile_bodies_and_documents_do_no_harm(app: TestApp) {
    let huge = "a".repeat(200_000);
    let mut cases = vec![
        ("malformed JSON", post_raw(&app, "{\"query\": ")),
        ("not UTF-8", post_raw(&app, vec![0xff, 0xfe, 0x7b, 0x00])),
        (
            "a NUL in the JSON",
            post_raw(&app, "{\"query\": \"{ me { id } }\u{0}\"}"),
        ),
        (
            "over the body limit",
            post_raw(&app, format!("{{\"query\": \"{}\"}}", "a".repeat(300_000))),
        ),
        ("a JSON number", post_raw(&app, "42")),
        (
            "nested JSON arrays",
            post_raw(
                &app,
                format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            ),
        ),
    ];
    let json_cases = [
        (
            "huge email",
            register(&format!("{huge}@example.com"), PASSWORD),
        ),
        ("huge password", register("ada@example.com", &huge)),
        (
            "NUL in the email",
            register("ada\u{0}@example.com", PASSWORD),
        ),
        (
            "NUL in the password",
            register("ada@example.com", "correct horse\u{0}battery"),
        ),
        (
            "wrong types",
            json!({ "query": REGISTER, "variables": { "input": { "email": [1], "password": { "a": 1 } } } }),
        ),
        (
            "variables not an object",
            json!({ "query": REGISTER, "variables": [1, 2] }),
        ),
        ("a query of braces", json!({ "query": "{".repeat(50_000) })),
        (
            "deep selections",
            json!({ "query": format!("{}{}", "{ me ".repeat(200), "}".repeat(200)) }),
        ),
        (
            "an alias flood",
            json!({ "query": format!("{{ {} }}", (0..5000).map(|n| format!("a{n}: me {{ id }} ")).collect::<String>()) }),
        ),
        (
            "a directive flood",
            json!({ "query": format!("{{ me {} {{ id }} }}", "@include(if: true) ".repeat(500)) }),
        ),
        (
            "a costly query",
            json!({ "query": "{ users(first: 100) { nodes { groups { members(first: 100) { nodes { groups { members(first: 100) { nodes { id } } } } } } } } }" }),
        ),
        (
            "an unknown operation",
            json!({ "query": ME, "operationName": "Nope" }),
        ),
        (
            "a huge variable",
            json!({ "query": "query($s: String!) { __typename }", "variables": { "s": huge } }),
        ),
    ];
    for (name, body) in json_cases {
        cases.push((name, post_json(&app, &body)));
    }
    let batch: Vec<Value> = (0..1000)
        .map(|n| register(&format!("u{n}@example.com"), PASSWORD))
        .collect();
    cases.push(("a batch flood", post_json(&app, &json!(batch))));
    cases.push((
        "a GET with a broken query string",
        fresh_client().get(format!(
            "{}/graphql?query=%FF%FE&variables=%7B",
            app.address
        )),
    ));
    cases.push((
        "a mutation over GET",
        fresh_client().get(format!(
            "{}/graphql?query=mutation%7Blogout%7D",
            app.address
        )),
    ));
    for (name, request) in cases {
        check(
            &app,
            Case {
                name: name.to_owned(),
                request,
            },
        )
        .await;
    }
    assert_eq!(user_count(&app).await, 0, "nothing was stored");
}

/// Tokens an attacker can make: each is refused as `UNAUTHENTICATED`, never anonymous, never
/// anyone's.
async fn forged_and_misused_tokens_are_refused(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    let grace = app.register("grace@example.com").await;
    let claims: Value = {
        let payload = ada.access.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let now = chrono::Utc::now().timestamp();
    let sign = |claims: &Value| {
        jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    };
    let with = |key: &str, value: Value| {
        let mut claims = claims.clone();
        claims[key] = value;
        sign(&claims)
    };
    let segment = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let body_of = |token: &str| token.split('.').nth(1).unwrap().to_owned();
    let signature_of = |token: &str| token.split('.').nth(2).unwrap().to_owned();

    let tampered = {
        let mut forged = claims.clone();
        forged["sub"] = json!(grace.user_id);
        format!(
            "{}.{}.{}",
            ada.access.split('.').next().unwrap(),
            segment(&forged),
            signature_of(&ada.access)
        )
    };
    let tokens = [
        (
            "alg none",
            format!(
                "{}.{}.",
                segment(&json!({ "alg": "none", "typ": "JWT" })),
                body_of(&ada.access)
            ),
        ),
        (
            "RS256 header on an HMAC signature",
            format!(
                "{}.{}.{}",
                segment(&json!({ "alg": "RS256", "typ": "JWT" })),
                body_of(&ada.access),
                signature_of(&ada.access)
            ),
        ),
        (
            "HS512",
            jsonwebtoken::encode(
                &Header::new(jsonwebtoken::Algorithm::HS512),
                &claims,
                &EncodingKey::from_secret(SECRET.as_bytes()),
            )
            .unwrap(),
        ),
        ("tampered subject", tampered),
        ("expired", with("exp", json!(now - 60))),
        ("not yet valid", with("nbf", json!(now + 3600))),
        // Otherwise valid and signed with the server's secret.
        ("issued five minutes ahead", with("iat", json!(now + 300))),
        ("wrong issuer", with("iss", json!("someone-else"))),
        ("wrong audience", with("aud", json!("someone-else"))),
        ("another token type", with("typ", json!("refresh"))),
        (
            "an unknown session",
            with("sid", json!(uuid::Uuid::new_v4())),
        ),
        (
            "signed with another key",
            jsonwebtoken::encode(
                &Header::default(),
                &claims,
                &EncodingKey::from_secret(b"another secret that is also long enough"),
            )
            .unwrap(),
        ),
        ("the refresh token", ada.refresh.clone()),
        ("empty", String::new()),
        ("garbage", "not a token".to_owned()),
    ];
    for (name, token) in tokens {
        let response = app
            .client
            .post(format!("{}/graphql", app.address))
            .header("Authorization", format!("Bearer {token}"))
            .json(&json!({ "query": ME }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{name}");
        let body: Value = response.json().await.unwrap();
        assert_code(&body, "UNAUTHENTICATED");
        assert!(body["data"]["me"].is_null(), "{name}: {body}");
        assert_no_internals(&body);
    }
    // A header that is not text at all.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header(
            "Authorization",
            reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
        )
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_code(&body, "UNAUTHENTICATED");
    // The genuine token still works, and so does one issued on a clock a little ahead.
    let body = app.gql(ME, json!({}), Some(&ada.access)).await;
    assert_eq!(body["data"]["me"]["id"], ada.user_id.as_str());
    let body = app
        .gql(ME, json!({}), Some(&with("iat", json!(now + 30))))
        .await;
    assert_eq!(body["data"]["me"]["id"], ada.user_id.as_str(), "{body}");
}

per_backend!(hostile_bodies_and_documents_do_no_harm);
per_backend!(
    settings = |s| s.jwt_secret = Some(roster::config::Secret::new(SECRET));
    forged_and_misused_tokens_are_refused,
);
