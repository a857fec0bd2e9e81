//! Registration: `register` returns tokens and stores a hashed password, validates its input,
//! and keeps emails and usernames unique, also under concurrent requests.

use roster::db::entities::users;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::auth::{
    assert_me_is, assert_no_internals, me, post_from_task, register_with, session_rows, user_count,
    user_row,
};
use crate::support::documents::{ME, REGISTER};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, error_fields};

/// Tokens, the user, the normalised email and an argon2id hash; `me` with and without a token.
async fn register_returns_tokens_and_stores_a_hashed_password(app: TestApp) {
    let body = register_with(
        &app,
        json!({ "email": "  Ada.Lovelace@Example.COM ", "password": PASSWORD, "passwordConfirmation": PASSWORD }),
    )
    .await;

    assert_ok(&body);
    let payload = &body["data"]["register"];
    assert_eq!(payload["tokenType"], "Bearer");
    assert_eq!(payload["expiresIn"], 900);
    assert!(!payload["accessToken"].as_str().unwrap().is_empty());
    assert!(!payload["refreshToken"].as_str().unwrap().is_empty());
    assert_ne!(payload["accessToken"], payload["refreshToken"]);
    let user = &payload["user"];
    assert_eq!(user["email"], "ada.lovelace@example.com");
    assert_eq!(user["role"], "USER");
    assert_eq!(user["isAdmin"], false);
    assert_eq!(user["isActive"], true);
    assert_eq!(user["isDeleted"], false);
    assert_eq!(user["fullName"], "ada.lovelace@example.com");
    let user_id = user["id"].as_str().unwrap();

    let row = user_row(&app, user_id).await;
    assert_eq!(row.email, "ada.lovelace@example.com");
    let hash = row.password_hash.expect("a password is set");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(PASSWORD));
    assert_eq!(session_rows(&app, user_id).await.len(), 1);

    let body = me(&app, payload["accessToken"].as_str().unwrap()).await;
    assert_me_is(&body, user_id);
    assert_eq!(body["data"]["me"]["email"], "ada.lovelace@example.com");

    let anonymous = app.gql(ME, json!({}), None).await;
    assert_eq!(anonymous, json!({ "data": { "me": null } }));
}

/// The documented bounds are reachable: 8 characters with no guessable pattern, and 128.
async fn register_accepts_passwords_at_both_length_bounds(app: TestApp) {
    for (email, password) in [
        ("eight@example.com", "k#9Vq!2z".to_owned()),
        (
            "long@example.com",
            "Kx9#mQ2$vL7!".repeat(11)[..128].to_owned(),
        ),
    ] {
        let body = register_with(&app, json!({ "email": email, "password": password })).await;
        assert_ok(&body);
        app.login(email, &password).await;
    }
}

/// Each bad input is `BAD_USER_INPUT` on its own field, and nothing is stored.
async fn register_rejects_invalid_input_and_stores_nothing(app: TestApp) {
    let long_password = "Kx9#mQ2$vL7!".repeat(11);
    let cases: Vec<(&str, Value)> = vec![
        (
            "email",
            json!({ "email": "not-an-email", "password": PASSWORD }),
        ),
        (
            "email",
            json!({ "email": "ada@localhost", "password": PASSWORD }),
        ),
        (
            "password",
            json!({ "email": "ada@example.com", "password": "Sh0rt!" }),
        ),
        (
            "password",
            json!({ "email": "ada@example.com", "password": "password123" }),
        ),
        (
            "password",
            json!({ "email": "ada@example.com", "username": "Zephyrine.Quattlebaum.1887",
                    "password": "Zephyrine.Quattlebaum.1887" }),
        ),
        (
            "password",
            json!({ "email": "wilhelmina.vanderbilt-krause@example.com",
                    "password": "wilhelmina.vanderbilt-krause" }),
        ),
        (
            "password",
            json!({ "email": "ada@example.com", "password": long_password[..129] }),
        ),
        (
            "passwordConfirmation",
            json!({ "email": "ada@example.com", "password": PASSWORD,
                    "passwordConfirmation": "correct horse battery stapler" }),
        ),
        (
            "username",
            json!({ "email": "ada@example.com", "password": PASSWORD, "username": "ada@home" }),
        ),
        (
            "username",
            json!({ "email": "ada@example.com", "password": PASSWORD, "username": "ada lovelace" }),
        ),
        (
            "username",
            json!({ "email": "ada@example.com", "password": PASSWORD, "username": "ab" }),
        ),
        // 150 characters that lower-case to 300: the key that keeps usernames unique
        // regardless of case would not fit.
        (
            "username",
            json!({ "email": "ada@example.com", "password": PASSWORD, "username": "\u{130}".repeat(150) }),
        ),
        (
            "firstName",
            json!({ "email": "ada@example.com", "password": PASSWORD, "firstName": "a".repeat(10_000) }),
        ),
        (
            "lastName",
            json!({ "email": "ada@example.com", "password": PASSWORD, "lastName": "Love\u{0}lace" }),
        ),
        (
            "firstName",
            json!({ "email": "ada@example.com", "password": PASSWORD, "firstName": "Ada\nLovelace" }),
        ),
        (
            "phoneNumber",
            json!({ "email": "ada@example.com", "password": PASSWORD, "phoneNumber": "1".repeat(33) }),
        ),
        (
            "address",
            json!({ "email": "ada@example.com", "password": PASSWORD, "address": "x".repeat(1001) }),
        ),
    ];
    assert_eq!(long_password[..129].chars().count(), 129);

    for (field, input) in cases {
        let body = register_with(&app, input.clone()).await;
        assert_code(&body, "BAD_USER_INPUT");
        let messages = &error_fields(&body)[field];
        assert!(
            messages.as_array().is_some_and(|m| !m.is_empty()),
            "expected fields.{field} for {input}: {body}"
        );
        assert!(body["data"].is_null(), "{body}");
        assert_eq!(user_count(&app).await, 0, "stored after {input}");
    }

    // Every problem is reported at once, each on its field.
    let body = register_with(&app, json!({ "email": "nope", "password": "short" })).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["email"].is_array(), "{body}");
    assert!(error_fields(&body)["password"].is_array(), "{body}");
    assert_eq!(user_count(&app).await, 0);
}

/// Line breaks and tabs are fine in an address, and names are stored exactly as given.
async fn register_keeps_multiline_addresses_and_names_as_given(app: TestApp) {
    let address = "1 Analytical Way\r\nMarylebone\n\tLondon";
    let body = register_with(
        &app,
        json!({ "email": "ada@example.com", "password": PASSWORD, "address": address,
                "firstName": "Ada", "lastName": "Lovelace", "username": "Ada_L" }),
    )
    .await;

    assert_ok(&body);
    let user = &body["data"]["register"]["user"];
    assert_eq!(user["address"], address);
    assert_eq!(user["username"], "Ada_L");
    assert_eq!(user["fullName"], "Ada Lovelace");
    let row = user_row(&app, user["id"].as_str().unwrap()).await;
    assert_eq!(row.address.as_deref(), Some(address));
    assert_eq!(row.username.as_deref(), Some("Ada_L"));
}

/// 128 characters is accepted and used whole: a prefix or an extension does not log in.
async fn long_passwords_are_never_truncated(app: TestApp) {
    let password: String = "Kx9#mQ2$vL7!".repeat(11)[..128].to_owned();
    let body = register_with(
        &app,
        json!({ "email": "ada@example.com", "password": password }),
    )
    .await;
    assert_ok(&body);

    // Longer than any password may be: refused as input, before any hashing.
    let body = app
        .try_login("ada@example.com", &format!("{password}x"))
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    for wrong in [password[..127].to_owned(), password[..72].to_owned()] {
        let body = app.try_login("ada@example.com", &wrong).await;
        assert_code(&body, "UNAUTHENTICATED");
    }
    app.login("ada@example.com", &password).await;
}

/// Emails and usernames are unique regardless of case.
async fn duplicate_email_or_username_is_a_conflict(app: TestApp) {
    register_with(
        &app,
        json!({ "email": "ada@example.com", "password": PASSWORD, "username": "Ada_L" }),
    )
    .await;

    let body = register_with(
        &app,
        json!({ "email": " ADA@Example.com", "password": PASSWORD }),
    )
    .await;
    assert_code(&body, "CONFLICT");
    assert!(error_fields(&body)["email"].is_array(), "{body}");
    assert_no_internals(&body);

    let body = register_with(
        &app,
        json!({ "email": "grace@example.com", "password": PASSWORD, "username": "aDa_l" }),
    )
    .await;
    assert_code(&body, "CONFLICT");
    assert!(error_fields(&body)["username"].is_array(), "{body}");
    assert_no_internals(&body);

    assert_eq!(user_count(&app).await, 1);
}

/// Twenty simultaneous registrations of one email: one account, nineteen `CONFLICT`s.
async fn concurrent_registrations_of_one_email_create_one_account(app: TestApp) {
    let tasks: Vec<_> = (0..20)
        .map(|n| {
            let body = json!({
                "query": REGISTER,
                // Every spelling normalises to the same address.
                "variables": { "input": { "email": if n % 2 == 0 { "race@example.com" } else { "RACE@example.com" }, "password": PASSWORD } },
            });
            tokio::spawn(post_from_task(app.client.clone(), app.address.clone(), body))
        })
        .collect();
    let mut successes = 0;
    let mut conflicts = 0;
    for task in tasks {
        let body = task.await.expect("task");
        if body["data"]["register"]["accessToken"].is_string() {
            assert_ok(&body);
            successes += 1;
        } else {
            assert_code(&body, "CONFLICT");
            assert!(error_fields(&body)["email"].is_array(), "{body}");
            assert_no_internals(&body);
            conflicts += 1;
        }
    }

    assert_eq!((successes, conflicts), (1, 19));
    let rows = users::Entity::find()
        .filter(users::Column::Email.eq("race@example.com"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    assert_eq!(user_count(&app).await, 1);
}

per_backend!(
    register_returns_tokens_and_stores_a_hashed_password,
    register_rejects_invalid_input_and_stores_nothing,
    register_accepts_passwords_at_both_length_bounds,
    register_keeps_multiline_addresses_and_names_as_given,
    long_passwords_are_never_truncated,
    duplicate_email_or_username_is_a_conflict,
    concurrent_registrations_of_one_email_create_one_account,
);
