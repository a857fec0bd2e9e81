//! Throttling: `TOO_MANY_REQUESTS` with `retryAfter` for the unauthenticated entry points, and
//! for what a signed-in user could otherwise repeat at will (password checks, email changes).

use serde_json::json;

use crate::support::{Backend, PASSWORD, TestApp, assert_code, assert_ok};

const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) { accessToken } }";

async fn spawn(backend: Backend, per_minute: u32) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| settings.rate_limit = per_minute).await
}

/// Ten attempts per account, then refusals that say when to retry; other accounts unaffected.
async fn login_attempts_per_account_are_limited(app: TestApp) {
    app.gql(
        "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
        json!({ "input": { "email": "ada@example.com", "username": "ada", "password": PASSWORD } }),
        None,
    )
    .await;
    app.register("grace@example.com").await;
    for _ in 0..10 {
        let body = app
            .gql(LOGIN, json!({ "input": { "login": "ada@example.com", "password": "wrong horse battery" } }), None)
            .await;
        assert_code(&body, "UNAUTHENTICATED");
    }
    // Even the right password is refused now: guessing cannot continue.
    let body = app
        .gql(
            LOGIN,
            json!({ "input": { "login": "ADA@example.com", "password": PASSWORD } }),
            None,
        )
        .await;
    assert_code(&body, "TOO_MANY_REQUESTS");
    let retry_after = body["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .expect("retryAfter");
    assert!((1..=60).contains(&retry_after), "retryAfter {retry_after}");
    // Signed-in actions have a budget of their own: an attacker guessing at the login cannot
    // stop Ada from changing her password.
    let ada = app.login("ada", PASSWORD).await;
    let body = app
        .gql(
            "mutation { changePassword(currentPassword: \"correct horse battery staple\", \
             newPassword: \"a brand new passphrase 42\") { accessToken } }",
            json!({}),
            Some(&ada.access),
        )
        .await;
    assert!(
        body["data"]["changePassword"]["accessToken"].is_string(),
        "{body}"
    );

    let body = app
        .gql(
            LOGIN,
            json!({ "input": { "login": "grace@example.com", "password": PASSWORD } }),
            None,
        )
        .await;
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
}

/// A stolen access token cannot be used to guess the current password without end, nor to
/// probe which emails are taken; editing other profile fields is not limited.
async fn password_checks_and_email_changes_are_limited(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    const CHANGE: &str = "mutation($current: String!) { changePassword(currentPassword: $current, \
         newPassword: \"a brand new passphrase 42\") { accessToken } }";
    const DELETE: &str = "mutation($password: String!) { deleteAccount(password: $password) }";
    for n in 0..10 {
        let (query, vars) = if n % 2 == 0 {
            (CHANGE, json!({ "current": format!("guess number {n}") }))
        } else {
            (DELETE, json!({ "password": format!("guess number {n}") }))
        };
        let body = app.gql(query, vars, Some(&ada.access)).await;
        assert_code(&body, "BAD_USER_INPUT");
    }
    // The right password is refused too now.
    let body = app
        .gql(CHANGE, json!({ "current": PASSWORD }), Some(&ada.access))
        .await;
    assert_code(&body, "TOO_MANY_REQUESTS");
    assert!(
        body["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .is_some(),
        "{body}"
    );

    let grace = app.register("grace@example.com").await;
    const UPDATE: &str =
        "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { email } }";
    for n in 0..10 {
        let body = app
            .gql(
                UPDATE,
                json!({ "input": { "email": format!("probe{n}@example.com") } }),
                Some(&grace.access),
            )
            .await;
        assert_ok(&body);
    }
    let body = app
        .gql(
            UPDATE,
            json!({ "input": { "email": "probe99@example.com" } }),
            Some(&grace.access),
        )
        .await;
    assert_code(&body, "TOO_MANY_REQUESTS");
    // Saving the form with the email unchanged, or other fields, still works.
    let body = app
        .gql(
            UPDATE,
            json!({ "input": { "email": "PROBE9@example.com", "firstName": "Grace" } }),
            Some(&grace.access),
        )
        .await;
    assert_ok(&body);
}

async fn requests_per_address_are_limited(backend: Backend) {
    let Some(app) = spawn(backend, 3).await else {
        return;
    };
    for n in 0..3 {
        app.register(&format!("user{n}@example.com")).await;
    }
    let body = app
        .gql(
            "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
            json!({ "input": { "email": "user9@example.com", "password": PASSWORD } }),
            None,
        )
        .await;
    assert_code(&body, "TOO_MANY_REQUESTS");
    assert!(
        body["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .is_some(),
        "{body}"
    );
}

#[tokio::test]
async fn requests_per_address_are_limited_sqlite() {
    requests_per_address_are_limited(Backend::Sqlite).await;
}

#[tokio::test]
async fn requests_per_address_are_limited_postgres() {
    requests_per_address_are_limited(Backend::Postgres).await;
}

both!(
    login_attempts_per_account_are_limited,
    password_checks_and_email_changes_are_limited
);
