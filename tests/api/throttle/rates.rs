//! Rate limits kept in memory: per client address for the unauthenticated entry points, and
//! per signed-in user for what could otherwise be repeated at will (password checks, email
//! changes). `TOO_MANY_REQUESTS` with `retryAfter`.

use serde_json::json;

use crate::support::documents::{CHANGE_PASSWORD, DELETE_ACCOUNT, REGISTER, UPDATE_PROFILE};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, retry_after};

per_backend!(password_checks_and_email_changes_are_limited);
per_backend!(settings = |s| s.rate_limit = 3; requests_per_address_are_limited);

/// A stolen access token cannot be used to guess the current password without end, nor to
/// probe which emails are taken; editing other profile fields is not limited.
async fn password_checks_and_email_changes_are_limited(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    const NEW_PASSWORD: &str = "a brand new passphrase 42";
    for n in 0..10 {
        let guess = format!("guess number {n}");
        let (query, vars) = if n % 2 == 0 {
            (
                CHANGE_PASSWORD,
                json!({ "current": guess, "new": NEW_PASSWORD }),
            )
        } else {
            (DELETE_ACCOUNT, json!({ "password": guess }))
        };
        let body = app.gql(query, vars, Some(&ada.access)).await;
        assert_code(&body, "BAD_USER_INPUT");
    }
    // The right password is refused too now.
    let body = app
        .gql(
            CHANGE_PASSWORD,
            json!({ "current": PASSWORD, "new": NEW_PASSWORD }),
            Some(&ada.access),
        )
        .await;
    retry_after(&body);

    let grace = app.register("grace@example.com").await;
    for n in 0..10 {
        let body = app
            .gql(
                UPDATE_PROFILE,
                json!({ "input": { "email": format!("probe{n}@example.com"), "currentPassword": PASSWORD } }),
                Some(&grace.access),
            )
            .await;
        assert_ok(&body);
    }
    let body = app
        .gql(
            UPDATE_PROFILE,
            json!({ "input": { "email": "probe99@example.com", "currentPassword": PASSWORD } }),
            Some(&grace.access),
        )
        .await;
    assert_code(&body, "TOO_MANY_REQUESTS");
    // Saving the form with the email unchanged, or other fields, still works.
    let body = app
        .gql(
            UPDATE_PROFILE,
            json!({ "input": { "email": "PROBE9@example.com", "firstName": "Grace" } }),
            Some(&grace.access),
        )
        .await;
    assert_ok(&body);
}

/// Three requests a minute from one address.
async fn requests_per_address_are_limited(app: TestApp) {
    for n in 0..3 {
        app.register(&format!("user{n}@example.com")).await;
    }
    let body = app
        .gql(
            REGISTER,
            json!({ "input": { "email": "user9@example.com", "password": PASSWORD } }),
            None,
        )
        .await;
    retry_after(&body);
}
