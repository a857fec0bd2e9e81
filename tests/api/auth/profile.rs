//! Profile: `updateProfile` sets and clears fields, and refuses taken and invalid values.

use serde_json::json;

use crate::support::auth::{assert_no_internals, register_with, user_row};
use crate::support::documents::UPDATE_PROFILE;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, error_fields};

/// Sets fields, clears optional ones with null, leaves omitted ones alone.
async fn update_profile_sets_and_clears_fields(app: TestApp) {
    let tokens = app.register("ada@example.com").await;

    let body = app
        .gql(
            UPDATE_PROFILE,
            json!({ "input": {
                "email": " Ada.King@Example.com ", "username": "countess", "firstName": "Ada",
                "lastName": "King", "phoneNumber": "+44 20 7946 0000",
                "address": "12 St James's Square\nLondon", "company": "Analytical Engines",
                "designation": "Programmer", "currentPassword": PASSWORD,
            } }),
            Some(&tokens.access),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["updateProfile"],
        json!({
            "id": tokens.user_id, "email": "ada.king@example.com", "username": "countess",
            "firstName": "Ada", "lastName": "King", "fullName": "Ada King",
            "phoneNumber": "+44 20 7946 0000", "address": "12 St James's Square\nLondon",
            "company": "Analytical Engines", "designation": "Programmer",
        })
    );

    let body = app
        .gql(
            UPDATE_PROFILE,
            json!({ "input": { "lastName": null, "firstName": null, "company": null } }),
            Some(&tokens.access),
        )
        .await;
    assert_ok(&body);
    let user = &body["data"]["updateProfile"];
    assert!(user["lastName"].is_null(), "{body}");
    assert!(user["firstName"].is_null(), "{body}");
    assert!(user["company"].is_null(), "{body}");
    assert_eq!(user["fullName"], "countess");
    assert_eq!(user["designation"], "Programmer");
    assert_eq!(user["email"], "ada.king@example.com");

    let row = user_row(&app, &tokens.user_id).await;
    assert_eq!(row.email, "ada.king@example.com");
    assert_eq!(row.last_name, None);
    assert_eq!(row.designation.as_deref(), Some("Programmer"));
    // The new email logs in; the old one no longer names anyone.
    app.login("ADA.KING@example.com", PASSWORD).await;
    let body = app.try_login("ada@example.com", PASSWORD).await;
    assert_code(&body, "UNAUTHENTICATED");

    // Anonymous: UNAUTHENTICATED.
    let body = app
        .gql(
            UPDATE_PROFILE,
            json!({ "input": { "firstName": "Eve" } }),
            None,
        )
        .await;
    assert_code(&body, "UNAUTHENTICATED");
}

/// A taken email or username is `CONFLICT`; invalid values `BAD_USER_INPUT`; nothing changes.
async fn update_profile_refuses_taken_and_invalid_values(app: TestApp) {
    register_with(
        &app,
        json!({ "email": "grace@example.com", "password": PASSWORD, "username": "Grace_H" }),
    )
    .await;
    let tokens = app.register("ada@example.com").await;
    assert_ok(
        &app.gql(
            UPDATE_PROFILE,
            json!({ "input": { "firstName": "Ada", "username": "ada" } }),
            Some(&tokens.access),
        )
        .await,
    );
    let before = user_row(&app, &tokens.user_id).await;

    let body = app
        .gql(
            UPDATE_PROFILE,
            json!({ "input": {
                "email": "GRACE@example.com", "firstName": "Changed", "currentPassword": PASSWORD,
            } }),
            Some(&tokens.access),
        )
        .await;
    assert_code(&body, "CONFLICT");
    assert!(
        error_fields(&body)["email"].is_array()
            || body["errors"][0]["extensions"]["field"] == "email",
        "{body}"
    );
    assert_no_internals(&body);

    let body = app
        .gql(
            UPDATE_PROFILE,
            json!({ "input": { "username": "grace_h" } }),
            Some(&tokens.access),
        )
        .await;
    assert_code(&body, "CONFLICT");
    assert!(
        error_fields(&body)["username"].is_array()
            || body["errors"][0]["extensions"]["field"] == "username",
        "{body}"
    );
    assert_no_internals(&body);

    let invalid = [
        ("email", json!({ "email": "not-an-email" })),
        ("email", json!({ "email": "" })),
        ("username", json!({ "username": "ada@example.com" })),
        (
            "firstName",
            json!({ "firstName": "x".repeat(151), "company": "Fine" }),
        ),
        ("lastName", json!({ "lastName": "a\u{0}b" })),
        ("phoneNumber", json!({ "phoneNumber": "9".repeat(33) })),
        ("address", json!({ "address": "x".repeat(1001) })),
        (
            "designation",
            json!({ "designation": "tab\tnot allowed here" }),
        ),
    ];
    for (field, input) in invalid {
        let body = app
            .gql(
                UPDATE_PROFILE,
                json!({ "input": input }),
                Some(&tokens.access),
            )
            .await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(
            error_fields(&body)[field].is_array(),
            "expected fields.{field}: {body}"
        );
    }

    assert_eq!(user_row(&app, &tokens.user_id).await, before);
}

per_backend!(
    update_profile_sets_and_clears_fields,
    update_profile_refuses_taken_and_invalid_values,
);
