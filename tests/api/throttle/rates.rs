//! Rate limits kept in memory: per client address for the unauthenticated entry points, and
//! per signed-in user for what could otherwise be repeated at will (password checks, email
//! changes). `TOO_MANY_REQUESTS` with `retryAfter`.

use serde_json::json;

use crate::support::{Backend, PASSWORD, TestApp, assert_code, assert_ok};

async fn spawn(backend: Backend, per_minute: u32) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| settings.rate_limit = per_minute).await
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
                json!({ "input": { "email": format!("probe{n}@example.com"), "currentPassword": PASSWORD } }),
                Some(&grace.access),
            )
            .await;
        assert_ok(&body);
    }
    let body = app
        .gql(
            UPDATE,
            json!({ "input": { "email": "probe99@example.com", "currentPassword": PASSWORD } }),
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

both!(password_checks_and_email_changes_are_limited);
