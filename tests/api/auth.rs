//! The viewer's own account over real HTTP: register, login, token refresh and reuse detection,
//! the `Authorization` header rules, logout, sessions, profile, password, deletion, `user(id)`,
//! and the GraphQL-over-HTTP conventions of API.md. Each test asserts what a client sees and,
//! where it matters, what the database holds.

use chrono::{Duration, Utc};
use roster::db::entities::{rotated_refresh_tokens, sessions, users};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp, Tokens, assert_code, assert_ok, error_code, error_fields};

const REGISTER: &str = "mutation($input: RegisterInput!) {
  register(input: $input) {
    accessToken refreshToken tokenType expiresIn
    user { id email username firstName lastName address fullName role isAdmin isActive isDeleted lastLoginAt }
  }
}";
const LOGIN: &str = "mutation($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken tokenType expiresIn user { id email lastLoginAt } }
}";
const REFRESH: &str = "mutation($token: String!) {
  refreshToken(refreshToken: $token) { accessToken refreshToken tokenType expiresIn user { id } }
}";
/// `$all` is declared `Boolean! = false`: async-graphql 7 reads an absent *nullable* variable as
/// `null` rather than falling back to the argument's default, so `$all: Boolean` left out would
/// fail against `allSessions: Boolean! = false`.
const LOGOUT: &str = "mutation($token: String, $all: Boolean! = false) {
  logout(refreshToken: $token, allSessions: $all)
}";
const ME: &str = "{ me { id email } }";
const MY_SESSIONS: &str =
    "{ mySessions { id createdAt lastUsedAt expiresAt userAgent ipAddress current } }";
const REVOKE_SESSION: &str = "mutation($id: ID!) { revokeSession(id: $id) }";
const UPDATE_PROFILE: &str = "mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    id email username firstName lastName fullName phoneNumber address company designation
  }
}";
const CHANGE_PASSWORD: &str = "mutation($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) { accessToken refreshToken user { id } }
}";
const DELETE_ACCOUNT: &str = "mutation($password: String!) { deleteAccount(password: $password) }";
const USER: &str = "query($id: ID!) { user(id: $id) { id email } }";

const NEW_PASSWORD: &str = "quartz lantern orbit pelican";

// ---------------------------------------------------------------------------------------------
// Small helpers for this file.

fn uuid(id: &str) -> Uuid {
    Uuid::parse_str(id).expect("ids of this service are UUIDs")
}

async fn user_count(app: &TestApp) -> u64 {
    users::Entity::find().count(app.db()).await.unwrap()
}

async fn user_row(app: &TestApp, id: &str) -> users::Model {
    users::Entity::find_by_id(uuid(id))
        .one(app.db())
        .await
        .unwrap()
        .expect("user row")
}

async fn session_rows(app: &TestApp, user_id: &str) -> Vec<sessions::Model> {
    sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(uuid(user_id)))
        .all(app.db())
        .await
        .unwrap()
}

/// Deactivates a user behind the API's back, as an admin tool or another replica could.
async fn deactivate_in_database(app: &TestApp, user_id: &str) {
    set_user_column(app, user_id, users::Column::IsActive, Expr::value(false)).await;
}

/// Soft-deletes a user behind the API's back.
async fn soft_delete_in_database(app: &TestApp, user_id: &str) {
    set_user_column(
        app,
        user_id,
        users::Column::DeletedAt,
        Expr::value(Utc::now()),
    )
    .await;
}

async fn set_user_column(app: &TestApp, user_id: &str, column: users::Column, value: Expr) {
    users::Entity::update_many()
        .col_expr(column, value)
        .filter(users::Column::Id.eq(uuid(user_id)))
        .exec(app.db())
        .await
        .unwrap();
}

/// Moves the expiry of every session of a user, as time passing would.
async fn set_sessions_expiry(app: &TestApp, user_id: &str, at: chrono::DateTime<Utc>) {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::ExpiresAt, Expr::value(at))
        .filter(sessions::Column::UserId.eq(uuid(user_id)))
        .exec(app.db())
        .await
        .unwrap();
}

/// `me` with `token`.
async fn me(app: &TestApp, token: &str) -> Value {
    app.gql(ME, json!({}), Some(token)).await
}

/// Asserts a `me` response answers `user_id` without errors.
#[track_caller]
fn assert_me_is(body: &Value, user_id: &str) {
    assert_ok(body);
    assert_eq!(body["data"]["me"]["id"], user_id, "{body}");
}

/// Asserts `token` is refused as a bearer token.
async fn assert_refused(app: &TestApp, token: &str) {
    let body = me(app, token).await;
    assert_code(&body, "UNAUTHENTICATED");
    // `me` is nullable: it is there, as null, not left out.
    assert_eq!(body["data"], json!({ "me": null }), "{body}");
}

async fn refresh(app: &TestApp, token: &str) -> Value {
    app.gql(REFRESH, json!({ "token": token }), None).await
}

/// POSTs a GraphQL request with raw headers (asserting HTTP 200).
async fn gql_with_headers(
    app: &TestApp,
    query: &str,
    variables: Value,
    headers: &[(&str, &str)],
) -> Value {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query, "variables": variables }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(status, 200, "{body}");
    body
}

/// POSTs from a spawned task (`TestApp` stays on the test's task).
async fn post_from_task(client: reqwest::Client, address: String, body: Value) -> Value {
    let response = client
        .post(format!("{address}/graphql"))
        .json(&body)
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON body")
}

/// Registers with extra fields; returns the body.
async fn register_with(app: &TestApp, input: Value) -> Value {
    app.gql(REGISTER, json!({ "input": input }), None).await
}

/// The id of the session `token` belongs to (the one `mySessions` marks current).
async fn current_session_id(app: &TestApp, token: &str) -> String {
    let body = app.gql(MY_SESSIONS, json!({}), Some(token)).await;
    assert_ok(&body);
    let current: Vec<&Value> = body["data"]["mySessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["current"] == true)
        .collect();
    assert_eq!(current.len(), 1, "{body}");
    current[0]["id"].as_str().unwrap().to_owned()
}

/// Every error message of a body, joined.
fn messages(body: &Value) -> String {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .unwrap_or_default()
}

/// Asserts no error of `body` shows a database, driver or panic detail.
#[track_caller]
fn assert_no_internals(body: &Value) {
    let text = body["errors"].to_string();
    assert!(!text.contains("SQL"), "{body}");
    let lower = text.to_lowercase();
    for needle in ["sqlx", "constraint", "panicked", "duplicate key", "sqlite"] {
        assert!(!lower.contains(needle), "{needle} in {body}");
    }
}

// ---------------------------------------------------------------------------------------------
// register

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
    assert!(
        row.password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        row.password_hash
    );
    assert!(!row.password_hash.contains(PASSWORD));
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

    for wrong in [
        password[..127].to_owned(),
        format!("{password}x"),
        password[..72].to_owned(),
    ] {
        let body = app
            .gql(
                LOGIN,
                json!({ "input": { "login": "ada@example.com", "password": wrong } }),
                None,
            )
            .await;
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
                "query": "mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }",
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

// ---------------------------------------------------------------------------------------------
// login

/// By email in any case and by username in any case; `lastLoginAt` is set.
async fn login_by_email_or_username_sets_last_login_at(app: TestApp) {
    let registered = register_with(
        &app,
        json!({ "email": "ada@example.com", "password": PASSWORD, "username": "Ada_L" }),
    )
    .await;
    let user_id = registered["data"]["register"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Forget the login time registration recorded, to see login set it.
    set_user_column(
        &app,
        &user_id,
        users::Column::LastLoginAt,
        Expr::value(Option::<chrono::DateTime<Utc>>::None),
    )
    .await;

    for login in [" ADA@example.COM ", "ada_l", "ADA_L"] {
        let body = app
            .gql(
                LOGIN,
                json!({ "input": { "login": login, "password": PASSWORD } }),
                None,
            )
            .await;
        assert_ok(&body);
        let payload = &body["data"]["login"];
        assert_eq!(payload["user"]["id"], user_id.as_str(), "{login}");
        assert_eq!(payload["tokenType"], "Bearer");
        assert_eq!(payload["expiresIn"], 900);
        assert!(payload["user"]["lastLoginAt"].is_string(), "{body}");
        assert_me_is(
            &me(&app, payload["accessToken"].as_str().unwrap()).await,
            &user_id,
        );
    }

    let row = user_row(&app, &user_id).await;
    assert!(row.last_login_at.is_some());
    // One session per login, plus registration's.
    assert_eq!(session_rows(&app, &user_id).await.len(), 4);
}

/// Unknown user, wrong password, deactivated and deleted accounts answer the same error.
async fn login_failures_are_indistinguishable(app: TestApp) {
    app.register("ada@example.com").await;
    let inactive = app.register("inactive@example.com").await;
    let deleted = app.register("deleted@example.com").await;
    deactivate_in_database(&app, &inactive.user_id).await;
    soft_delete_in_database(&app, &deleted.user_id).await;

    let attempts = [
        ("nobody@example.com", PASSWORD),
        ("nobody_at_all", PASSWORD),
        ("ada@example.com", "wrong horse battery staple"),
        ("inactive@example.com", PASSWORD),
        ("deleted@example.com", PASSWORD),
        ("", PASSWORD),
        // Control characters, which PostgreSQL cannot even compare, name nobody either.
        ("ada\u{0}@example.com", PASSWORD),
        ("ada\u{0}", PASSWORD),
    ];
    let mut errors = Vec::new();
    for (login, password) in attempts {
        let body = app
            .gql(
                LOGIN,
                json!({ "input": { "login": login, "password": password } }),
                None,
            )
            .await;
        assert_code(&body, "UNAUTHENTICATED");
        assert!(body["data"].is_null(), "{body}");
        assert_eq!(
            body["errors"][0]["message"], "invalid credentials",
            "{login}: {body}"
        );
        errors.push(body["errors"][0].clone());
    }
    // Not only the message: the whole error (path, extensions) is the same.
    assert!(errors.windows(2).all(|w| w[0] == w[1]), "{errors:?}");
    // A failed login opens no session.
    assert_eq!(session_rows(&app, &inactive.user_id).await.len(), 1);
    assert_eq!(session_rows(&app, &deleted.user_id).await.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// refreshToken

/// Rotation: a new pair; the old refresh token refused; that reuse ends the session.
async fn refresh_rotates_and_reuse_revokes_the_session(app: TestApp) {
    let first = app.register("ada@example.com").await;

    let body = refresh(&app, &first.refresh).await;
    assert_ok(&body);
    let second = Tokens::from_payload(&body, "refreshToken");
    assert_eq!(body["data"]["refreshToken"]["tokenType"], "Bearer");
    assert_eq!(body["data"]["refreshToken"]["expiresIn"], 900);
    assert_eq!(second.user_id, first.user_id);
    assert_ne!(second.refresh, first.refresh);
    assert_me_is(&me(&app, &second.access).await, &first.user_id);
    // Still one session: rotation does not open a new one.
    assert_eq!(session_rows(&app, &first.user_id).await.len(), 1);

    // Replaying the rotated token is refused ...
    let body = refresh(&app, &first.refresh).await;
    assert_code(&body, "UNAUTHENTICATED");
    assert!(body["data"].is_null(), "{body}");

    // ... and ends the session for whoever holds the current pair too.
    assert_refused(&app, &second.access).await;
    assert_code(&refresh(&app, &second.refresh).await, "UNAUTHENTICATED");
    assert_refused(&app, &first.access).await;
    let rows = session_rows(&app, &first.user_id).await;
    assert!(rows[0].revoked_at.is_some(), "{rows:?}");

    // Other sessions of the user are untouched.
    let other = app.login("ada@example.com", PASSWORD).await;
    assert_me_is(&me(&app, &other.access).await, &first.user_id);
}

/// A token rotated away from several refreshes ago is still recognised as reuse.
async fn reuse_of_an_older_token_revokes_the_session(app: TestApp) {
    let first = app.register("ada@example.com").await;
    let mut current = first.clone();
    for _ in 0..3 {
        let body = refresh(&app, &current.refresh).await;
        current = Tokens::from_payload(&body, "refreshToken");
    }
    assert_me_is(&me(&app, &current.access).await, &first.user_id);
    assert_eq!(rotated_rows(&app).await, 3);

    assert_code(&refresh(&app, &first.refresh).await, "UNAUTHENTICATED");
    assert_refused(&app, &current.access).await;
    assert_code(&refresh(&app, &current.refresh).await, "UNAUTHENTICATED");
    let rows = session_rows(&app, &first.user_id).await;
    assert_eq!(
        rows[0].revoked_reason.as_deref(),
        Some("refresh_token_reuse")
    );
    // An ended session needs no memory of its old tokens.
    assert_eq!(rotated_rows(&app).await, 0);
}

/// Rotated tokens are remembered for one refresh-token lifetime, not for ever.
async fn rotated_tokens_are_forgotten_after_a_refresh_token_lifetime(app: TestApp) {
    let first = app.register("ada@example.com").await;
    let second = Tokens::from_payload(&refresh(&app, &first.refresh).await, "refreshToken");
    assert_eq!(rotated_rows(&app).await, 1);
    rotated_refresh_tokens::Entity::update_many()
        .col_expr(
            rotated_refresh_tokens::Column::RotatedAt,
            Expr::value(Utc::now() - Duration::days(15)),
        )
        .exec(app.db())
        .await
        .unwrap();
    Tokens::from_payload(&refresh(&app, &second.refresh).await, "refreshToken");
    // The 15-day-old one is gone; the one just rotated away is kept.
    assert_eq!(rotated_rows(&app).await, 1);
}

async fn rotated_rows(app: &TestApp) -> u64 {
    rotated_refresh_tokens::Entity::find()
        .count(app.db())
        .await
        .unwrap()
}

/// Two simultaneous refreshes of one token: exactly one succeeds.
async fn concurrent_refreshes_of_one_token_succeed_once(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let body = json!({ "query": REFRESH, "variables": { "token": tokens.refresh } });
            tokio::spawn(post_from_task(
                app.client.clone(),
                app.address.clone(),
                body,
            ))
        })
        .collect();
    let mut successes = 0;
    for task in tasks {
        let body = task.await.expect("task");
        if body["data"]["refreshToken"].is_object() {
            assert_ok(&body);
            successes += 1;
        } else {
            assert_code(&body, "UNAUTHENTICATED");
        }
    }
    assert_eq!(successes, 1);
    let rows = session_rows(&app, &tokens.user_id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].rotation_count, 1, "{rows:?}");
}

/// Garbage, empty and expired refresh tokens are `UNAUTHENTICATED`; a bad bearer header does
/// not stop a refresh.
async fn invalid_refresh_tokens_are_refused(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    for garbage in ["", "garbage", "a.b.c", &"A".repeat(64), &tokens.access] {
        let body = refresh(&app, garbage).await;
        assert_code(&body, "UNAUTHENTICATED");
        assert_no_internals(&body);
    }

    // A bad bearer header does not get in the way of refreshing.
    let body = gql_with_headers(
        &app,
        REFRESH,
        json!({ "token": tokens.refresh }),
        &[("Authorization", "Bearer not-a-token")],
    )
    .await;
    assert_ok(&body);
    let renewed = Tokens::from_payload(&body, "refreshToken");

    // The right shape (the session's id, which every access token carries, and 32 more bytes)
    // with a made-up secret part: refused, and not taken for reuse, so a stranger who learns
    // a session id cannot end that session.
    let forged = {
        let mut bytes = [7u8; 48];
        bytes[..16].copy_from_slice(session_rows(&app, &tokens.user_id).await[0].id.as_bytes());
        roster::auth::tokens::encode_base64(&bytes)
    };
    let body = refresh(&app, &forged).await;
    assert_code(&body, "UNAUTHENTICATED");
    assert_no_internals(&body);
    assert!(
        session_rows(&app, &tokens.user_id).await[0]
            .revoked_at
            .is_none()
    );
    let body = refresh(&app, &renewed.refresh).await;
    assert_ok(&body);

    // The session expires: its refresh token stops working.
    let current = app.login("ada@example.com", PASSWORD).await;
    assert_me_is(&me(&app, &current.access).await, &tokens.user_id);
    set_sessions_expiry(&app, &tokens.user_id, Utc::now() - Duration::minutes(1)).await;
    assert_code(&refresh(&app, &current.refresh).await, "UNAUTHENTICATED");
    assert_refused(&app, &current.access).await;
}

/// `expiresAt` is refresh-token TTL after the last refresh: it moves forward.
async fn refresh_extends_the_session(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let soon = roster::db::now() + Duration::hours(1);
    set_sessions_expiry(&app, &tokens.user_id, soon).await;
    let before = app.gql(MY_SESSIONS, json!({}), Some(&tokens.access)).await;
    assert_ok(&before);
    let before_expiry: chrono::DateTime<Utc> = before["data"]["mySessions"][0]["expiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(before_expiry, soon);

    let body = refresh(&app, &tokens.refresh).await;
    assert_ok(&body);
    let next = Tokens::from_payload(&body, "refreshToken");

    let after = app.gql(MY_SESSIONS, json!({}), Some(&next.access)).await;
    assert_ok(&after);
    let sessions = after["data"]["mySessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{after}");
    let expires_at: chrono::DateTime<Utc> =
        sessions[0]["expiresAt"].as_str().unwrap().parse().unwrap();
    // The default refresh TTL is 14 days.
    assert!(expires_at > soon + Duration::days(13), "{after}");
    let last_used: chrono::DateTime<Utc> =
        sessions[0]["lastUsedAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires_at - last_used, Duration::days(14), "{after}");
}

// ---------------------------------------------------------------------------------------------
// The Authorization header

/// Absent = anonymous; present but not a valid, live access token = `UNAUTHENTICATED`, while
/// `register` and `login` still work.
async fn bad_bearer_headers_are_never_anonymous(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let session_id = current_session_id(&app, &tokens.access).await;
    let now = Utc::now().timestamp();
    let claims = json!({
        "sub": tokens.user_id, "sid": session_id, "iat": now, "exp": now + 900,
        "iss": "roster", "aud": "roster", "typ": "access",
    });
    let foreign = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"another secret, also 32 bytes long!!"),
    )
    .unwrap();
    let tampered = {
        let (signed, signature) = tokens.access.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        format!("{signed}.{flipped}{}", &signature[1..])
    };
    let unsigned = {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(claims.to_string())
        )
    };
    // Signed with the server's own key but long expired.
    let expired = app
        .state
        .keys
        .issue_access(
            uuid(&tokens.user_id),
            uuid(&session_id),
            Utc::now() - Duration::hours(1),
        )
        .unwrap();

    let headers = [
        "Bearer ".to_owned(),
        "Bearer".to_owned(),
        "".to_owned(),
        "Basic YWRhOnNlY3JldA==".to_owned(),
        "Bearer not.a.jwt".to_owned(),
        format!("Bearer {foreign}"),
        format!("Bearer {tampered}"),
        format!("Bearer {unsigned}"),
        format!("Bearer {expired}"),
        format!("Bearer {}", tokens.refresh),
        format!("Token {}", tokens.access),
    ];
    for (n, header) in headers.iter().enumerate() {
        let body = gql_with_headers(&app, ME, json!({}), &[("Authorization", header)]).await;
        assert_code(&body, "UNAUTHENTICATED");
        assert!(body["data"]["me"].is_null(), "{header}: {body}");

        let body =
            gql_with_headers(&app, MY_SESSIONS, json!({}), &[("Authorization", header)]).await;
        assert_code(&body, "UNAUTHENTICATED");

        // The entry points still work with the bad header present.
        let body = gql_with_headers(
            &app,
            REGISTER,
            json!({ "input": { "email": format!("user{n}@example.com"), "password": PASSWORD } }),
            &[("Authorization", header)],
        )
        .await;
        assert_ok(&body);
        let body = gql_with_headers(
            &app,
            LOGIN,
            json!({ "input": { "login": format!("USER{n}@example.com"), "password": PASSWORD } }),
            &[("Authorization", header)],
        )
        .await;
        assert_ok(&body);
    }

    // The genuine token, in any scheme spelling, still works.
    let body = gql_with_headers(
        &app,
        ME,
        json!({}),
        &[("Authorization", &format!("bearer {}", tokens.access))],
    )
    .await;
    assert_me_is(&body, &tokens.user_id);
}

/// A deactivated or deleted user's tokens stop working at the next request.
async fn deactivated_and_deleted_users_tokens_stop_working(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    let grace = app.register("grace@example.com").await;
    deactivate_in_database(&app, &ada.user_id).await;
    soft_delete_in_database(&app, &grace.user_id).await;

    for tokens in [&ada, &grace] {
        assert_refused(&app, &tokens.access).await;
        assert_code(&refresh(&app, &tokens.refresh).await, "UNAUTHENTICATED");
    }
}

// ---------------------------------------------------------------------------------------------
// logout

/// With a bearer token: that session ends at once, access and refresh token alike.
async fn logout_ends_the_bearer_session_at_once(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let other = app.login("ada@example.com", PASSWORD).await;

    let body = app.gql(LOGOUT, json!({}), Some(&tokens.access)).await;
    assert_ok(&body);
    assert_eq!(body["data"]["logout"], true);

    assert_refused(&app, &tokens.access).await;
    assert_code(&refresh(&app, &tokens.refresh).await, "UNAUTHENTICATED");
    // Only that session.
    assert_me_is(&me(&app, &other.access).await, &tokens.user_id);
    let rows = session_rows(&app, &tokens.user_id).await;
    assert_eq!(
        rows.iter().filter(|s| s.revoked_at.is_some()).count(),
        1,
        "{rows:?}"
    );

    // Logging out again with the dead token is refused, not anonymous.
    assert_code(
        &app.gql(LOGOUT, json!({}), Some(&tokens.access)).await,
        "UNAUTHENTICATED",
    );
}

/// With only a refresh token (an expired access token's client): no bearer needed.
async fn logout_with_only_a_refresh_token(app: TestApp) {
    let tokens = app.register("ada@example.com").await;

    let body = app
        .gql(LOGOUT, json!({ "token": tokens.refresh }), None)
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["logout"], true);

    assert_refused(&app, &tokens.access).await;
    assert_code(&refresh(&app, &tokens.refresh).await, "UNAUTHENTICATED");
    let rows = session_rows(&app, &tokens.user_id).await;
    assert!(rows[0].revoked_at.is_some(), "{rows:?}");

    // A refresh token that names nothing live is refused.
    let body = app.gql(LOGOUT, json!({ "token": "garbage" }), None).await;
    assert_code(&body, "UNAUTHENTICATED");
}

/// `allSessions: true` ends every session of the user, and no other user's.
async fn logout_of_all_sessions(app: TestApp) {
    let first = app.register("ada@example.com").await;
    let second = app.login("ada@example.com", PASSWORD).await;
    let third = app.login("ada@example.com", PASSWORD).await;
    let grace = app.register("grace@example.com").await;

    let body = app
        .gql(LOGOUT, json!({ "all": true }), Some(&third.access))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["logout"], true);

    for tokens in [&first, &second, &third] {
        assert_refused(&app, &tokens.access).await;
    }
    assert_code(&refresh(&app, &second.refresh).await, "UNAUTHENTICATED");
    let rows = session_rows(&app, &first.user_id).await;
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|s| s.revoked_at.is_some()), "{rows:?}");
    assert_me_is(&me(&app, &grace.access).await, &grace.user_id);

    // With a refresh token instead of a bearer token.
    let a = app.login("ada@example.com", PASSWORD).await;
    let b = app.login("ada@example.com", PASSWORD).await;
    let body = app
        .gql(LOGOUT, json!({ "token": a.refresh, "all": true }), None)
        .await;
    assert_ok(&body);
    assert_refused(&app, &a.access).await;
    assert_refused(&app, &b.access).await;
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// Live sessions only, one marked current, with the client's User-Agent and address.
async fn my_sessions_lists_live_sessions(app: TestApp) {
    let registered = gql_with_headers(
        &app,
        REGISTER,
        json!({ "input": { "email": "ada@example.com", "password": PASSWORD } }),
        &[("User-Agent", "roster-tests/phone")],
    )
    .await;
    let phone = Tokens::from_payload(&registered, "register");
    let logged_in = gql_with_headers(
        &app,
        LOGIN,
        json!({ "input": { "login": "ada@example.com", "password": PASSWORD } }),
        &[("User-Agent", "roster-tests/laptop")],
    )
    .await;
    let laptop = Tokens::from_payload(&logged_in, "login");
    let ended = app.login("ada@example.com", PASSWORD).await;
    assert_ok(&app.gql(LOGOUT, json!({}), Some(&ended.access)).await);
    // Another user's sessions never show.
    app.register("grace@example.com").await;

    let body = app.gql(MY_SESSIONS, json!({}), Some(&laptop.access)).await;
    assert_ok(&body);
    let sessions = body["data"]["mySessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{body}");
    let current: Vec<&Value> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "{body}");
    assert_eq!(current[0]["userAgent"], "roster-tests/laptop");
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["userAgent"], "roster-tests/phone");
    for session in sessions {
        assert_eq!(session["ipAddress"], "127.0.0.1", "{body}");
        for field in ["createdAt", "lastUsedAt", "expiresAt"] {
            let value = session[field].as_str().unwrap();
            assert!(
                value.parse::<chrono::DateTime<Utc>>().is_ok(),
                "{field}: {value}"
            );
        }
    }

    // Seen from the other device, the other one is current.
    assert_eq!(
        current_session_id(&app, &phone.access).await,
        other["id"].as_str().unwrap()
    );

    // Anonymous: UNAUTHENTICATED.
    assert_code(
        &app.gql(MY_SESSIONS, json!({}), None).await,
        "UNAUTHENTICATED",
    );
}

/// Revoking one's own other session ends it at once; another user's is `NOT_FOUND`.
async fn revoke_session_ends_own_sessions_only(app: TestApp) {
    let laptop = app.register("ada@example.com").await;
    let phone = app.login("ada@example.com", PASSWORD).await;
    let grace = app.register("grace@example.com").await;
    let phone_session = current_session_id(&app, &phone.access).await;
    let grace_session = current_session_id(&app, &grace.access).await;

    let body = app
        .gql(
            REVOKE_SESSION,
            json!({ "id": phone_session }),
            Some(&laptop.access),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["revokeSession"], true);
    assert_refused(&app, &phone.access).await;
    assert_code(&refresh(&app, &phone.refresh).await, "UNAUTHENTICATED");
    assert_me_is(&me(&app, &laptop.access).await, &laptop.user_id);
    let listed = app.gql(MY_SESSIONS, json!({}), Some(&laptop.access)).await;
    assert_eq!(
        listed["data"]["mySessions"].as_array().unwrap().len(),
        1,
        "{listed}"
    );

    // Another user's session: NOT_FOUND, and it keeps working.
    let body = app
        .gql(
            REVOKE_SESSION,
            json!({ "id": grace_session }),
            Some(&laptop.access),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    assert_me_is(&me(&app, &grace.access).await, &grace.user_id);

    // An id that names nothing, and a malformed one.
    let body = app
        .gql(
            REVOKE_SESSION,
            json!({ "id": Uuid::new_v4().to_string() }),
            Some(&laptop.access),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    let body = app
        .gql(
            REVOKE_SESSION,
            json!({ "id": "not-an-id" }),
            Some(&laptop.access),
        )
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["id"].is_array(), "{body}");

    // Anonymous: UNAUTHENTICATED.
    let body = app
        .gql(REVOKE_SESSION, json!({ "id": grace_session }), None)
        .await;
    assert_code(&body, "UNAUTHENTICATED");
}

// ---------------------------------------------------------------------------------------------
// updateProfile

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
                "designation": "Programmer",
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
    let body = app
        .gql(
            LOGIN,
            json!({ "input": { "login": "ada@example.com", "password": PASSWORD } }),
            None,
        )
        .await;
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
            json!({ "input": { "email": "GRACE@example.com", "firstName": "Changed" } }),
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

// ---------------------------------------------------------------------------------------------
// changePassword

/// A wrong current password is `BAD_USER_INPUT` (not `UNAUTHENTICATED`); a weak new one too.
async fn change_password_validates_both_passwords(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let before = user_row(&app, &tokens.user_id).await;

    let body = app
        .gql(
            CHANGE_PASSWORD,
            json!({ "current": "wrong horse battery staple", "new": NEW_PASSWORD }),
            Some(&tokens.access),
        )
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["currentPassword"].is_array(), "{body}");
    assert!(error_fields(&body).get("newPassword").is_none(), "{body}");

    for weak in ["password123", "short", "ada@example.com"] {
        let body = app
            .gql(
                CHANGE_PASSWORD,
                json!({ "current": PASSWORD, "new": weak }),
                Some(&tokens.access),
            )
            .await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(
            error_fields(&body)["newPassword"].is_array(),
            "{weak}: {body}"
        );
    }

    // Nothing changed: same hash, the session still works.
    assert_eq!(
        user_row(&app, &tokens.user_id).await.password_hash,
        before.password_hash
    );
    assert_me_is(&me(&app, &tokens.access).await, &tokens.user_id);

    let body = app
        .gql(
            CHANGE_PASSWORD,
            json!({ "current": PASSWORD, "new": NEW_PASSWORD }),
            None,
        )
        .await;
    assert_code(&body, "UNAUTHENTICATED");
}

/// Success ends every older session and returns a working pair for a new one.
async fn change_password_ends_every_other_session(app: TestApp) {
    let first = app.register("ada@example.com").await;
    let second = app.login("ada@example.com", PASSWORD).await;

    let body = app
        .gql(
            CHANGE_PASSWORD,
            json!({ "current": PASSWORD, "new": NEW_PASSWORD }),
            Some(&second.access),
        )
        .await;
    assert_ok(&body);
    let fresh = Tokens::from_payload(&body, "changePassword");
    assert_eq!(fresh.user_id, first.user_id);

    assert_me_is(&me(&app, &fresh.access).await, &first.user_id);
    for old in [&first, &second] {
        assert_refused(&app, &old.access).await;
        assert_code(&refresh(&app, &old.refresh).await, "UNAUTHENTICATED");
    }
    let body = refresh(&app, &fresh.refresh).await;
    assert_ok(&body);

    let body = app
        .gql(
            LOGIN,
            json!({ "input": { "login": "ada@example.com", "password": PASSWORD } }),
            None,
        )
        .await;
    assert_code(&body, "UNAUTHENTICATED");
    app.login("ada@example.com", NEW_PASSWORD).await;

    let row = user_row(&app, &first.user_id).await;
    assert!(row.password_hash.starts_with("$argon2id$"));
    assert!(!row.password_hash.contains(NEW_PASSWORD));
}

// ---------------------------------------------------------------------------------------------
// deleteAccount

/// Wrong password is `BAD_USER_INPUT`; success soft-deletes: tokens refused at once, no login,
/// the email stays reserved.
async fn delete_account_soft_deletes(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let other = app.login("ada@example.com", PASSWORD).await;

    let body = app
        .gql(
            DELETE_ACCOUNT,
            json!({ "password": "wrong horse battery staple" }),
            Some(&tokens.access),
        )
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["password"].is_array(), "{body}");
    assert!(user_row(&app, &tokens.user_id).await.deleted_at.is_none());
    assert_me_is(&me(&app, &tokens.access).await, &tokens.user_id);

    let body = app
        .gql(
            DELETE_ACCOUNT,
            json!({ "password": PASSWORD }),
            Some(&tokens.access),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["deleteAccount"], true);

    assert_refused(&app, &tokens.access).await;
    assert_refused(&app, &other.access).await;
    assert_code(&refresh(&app, &other.refresh).await, "UNAUTHENTICATED");
    let body = app
        .gql(
            LOGIN,
            json!({ "input": { "login": "ada@example.com", "password": PASSWORD } }),
            None,
        )
        .await;
    assert_code(&body, "UNAUTHENTICATED");
    assert_eq!(body["errors"][0]["message"], "invalid credentials");

    let body = register_with(
        &app,
        json!({ "email": "Ada@Example.com", "password": PASSWORD }),
    )
    .await;
    assert_code(&body, "CONFLICT");
    assert_no_internals(&body);

    let row = user_row(&app, &tokens.user_id).await;
    assert!(row.deleted_at.is_some());
    assert_eq!(user_count(&app).await, 1);
}

/// The same with an administrator present (the last-admin rule must not interfere).
async fn delete_account_with_an_admin_present(app: TestApp) {
    let admin = app.admin("root@example.com").await;
    let tokens = app.register("ada@example.com").await;

    let body = app
        .gql(
            DELETE_ACCOUNT,
            json!({ "password": PASSWORD }),
            Some(&tokens.access),
        )
        .await;
    assert_ok(&body);
    assert_refused(&app, &tokens.access).await;

    // An admin still sees the account, soft-deleted.
    let body = app
        .gql(
            "query($id: ID!) { user(id: $id) { id isDeleted deletedAt } }",
            json!({ "id": tokens.user_id }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["user"]["isDeleted"], true);
    assert!(body["data"]["user"]["deletedAt"].is_string(), "{body}");
}

// ---------------------------------------------------------------------------------------------
// user(id)

/// A plain user sees itself; anything else is `FORBIDDEN`, existing or not, well-formed or not.
async fn user_by_id_for_a_plain_user(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    let grace = app.register("grace@example.com").await;

    let body = app
        .gql(USER, json!({ "id": ada.user_id }), Some(&ada.access))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["user"]["email"], "ada@example.com");

    for id in [
        grace.user_id.clone(),
        Uuid::new_v4().to_string(),
        "not-an-id".to_owned(),
    ] {
        let body = app.gql(USER, json!({ "id": id }), Some(&ada.access)).await;
        assert_code(&body, "FORBIDDEN");
        assert_eq!(body["data"], json!({ "user": null }), "{body}");
        assert_eq!(body["errors"][0]["path"], json!(["user"]), "{body}");
    }

    let body = app.gql(USER, json!({ "id": ada.user_id }), None).await;
    assert_code(&body, "UNAUTHENTICATED");
}

/// An ADMIN sees anyone; a well-formed id naming nothing is null, a malformed one
/// `BAD_USER_INPUT`.
async fn user_by_id_for_an_admin(app: TestApp) {
    let admin = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;

    let body = app
        .gql(USER, json!({ "id": ada.user_id }), Some(&admin.access))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["user"]["email"], "ada@example.com");

    let body = app
        .gql(
            USER,
            json!({ "id": Uuid::new_v4().to_string() }),
            Some(&admin.access),
        )
        .await;
    assert_eq!(body, json!({ "data": { "user": null } }));

    let body = app
        .gql(USER, json!({ "id": "not-an-id" }), Some(&admin.access))
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["id"].is_array(), "{body}");
}

// ---------------------------------------------------------------------------------------------
// GraphQL over HTTP

/// urql's GET queries, with and without variables; a mutation over GET is 405 and not run.
async fn get_requests_run_queries_only(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let url = format!("{}/graphql", app.address);

    let response = app
        .client
        .get(reqwest::Url::parse_with_params(&url, &[("query", "{me{id}}")]).unwrap())
        .bearer_auth(&tokens.access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_me_is(&body, &tokens.user_id);

    let variables = json!({ "id": tokens.user_id }).to_string();
    let response = app
        .client
        .get(
            reqwest::Url::parse_with_params(
                &url,
                &[("query", USER), ("variables", variables.as_str())],
            )
            .unwrap(),
        )
        .bearer_auth(&tokens.access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_ok(&body);
    assert_eq!(body["data"]["user"]["id"], tokens.user_id.as_str());

    // Anonymous GET: me is null.
    let response = app
        .client
        .get(reqwest::Url::parse_with_params(&url, &[("query", "{me{id}}")]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "data": { "me": null } })
    );

    for mutation in [
        "mutation { logout(allSessions: true) }",
        "mutation Out { logout(allSessions: true) }",
        "query Me { me { id } } mutation Out { logout(allSessions: true) }",
    ] {
        let mut params = vec![("query", mutation)];
        if mutation.starts_with("query") {
            params.push(("operationName", "Out"));
        }
        let response = app
            .client
            .get(reqwest::Url::parse_with_params(&url, &params).unwrap())
            .bearer_auth(&tokens.access)
            .send()
            .await
            .unwrap();
        assert_request_error(response, 405).await;
    }
    // Not run: the session is still live.
    assert_me_is(&me(&app, &tokens.access).await, &tokens.user_id);

    // A document with a mutation in it may still run its query over GET.
    let params = [
        (
            "query",
            "query Me { me { id } } mutation Out { logout(allSessions: true) }",
        ),
        ("operationName", "Me"),
    ];
    let response = app
        .client
        .get(reqwest::Url::parse_with_params(&url, &params).unwrap())
        .bearer_auth(&tokens.access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_me_is(&response.json().await.unwrap(), &tokens.user_id);

    // Variables that are not JSON: 400, said in JSON like every other error.
    let params = [("query", USER), ("variables", "not json")];
    let response = app
        .client
        .get(reqwest::Url::parse_with_params(&url, &params).unwrap())
        .send()
        .await
        .unwrap();
    assert_request_error(response, 400).await;
}

/// A request refused before any GraphQL ran: the status, and a JSON body with a code and a
/// message that is not a debug dump.
async fn assert_request_error(response: reqwest::Response, status: u16) {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("a JSON body");
    assert_code(&body, "BAD_USER_INPUT");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty() && !message.contains("Error("), "{body}");
}

/// Bodies that are not GraphQL requests are 400; broken queries and variables are 200 with
/// errors; none of it is a 500.
async fn malformed_requests_are_client_errors(app: TestApp) {
    let url = format!("{}/graphql", app.address);
    for raw in ["{not json", "", "[1, 2", "\"just a string\""] {
        let response = app
            .client
            .post(&url)
            .header("Content-Type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_request_error(response, 400).await;
    }
    for body in [
        json!({ "foo": 1 }),
        json!({ "query": 123 }),
        json!({ "query": "{me{id}}", "variables": "x" }),
    ] {
        assert_request_error(app.post(body, None).await, 400).await;
    }

    let well_formed_but_wrong = [
        (REGISTER, json!({ "input": 5 })),
        (REGISTER, json!({ "input": { "email": "ada@example.com" } })),
        (REGISTER, json!({})),
        (LOGIN, json!({ "input": { "login": 5, "password": true } })),
        ("{ me { id nonexistentField } }", json!({})),
        ("{ me { id ", json!({})),
        ("mutation { register { accessToken } }", json!({})),
        (USER, json!({ "id": { "nested": [1] } })),
    ];
    for (query, variables) in well_formed_but_wrong {
        let response = app
            .post(json!({ "query": query, "variables": variables }), None)
            .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{query} {variables}: {body}");
        assert!(!messages(&body).is_empty(), "{query} {variables}: {body}");
        assert!(
            body["data"].is_null() || body["data"]["register"].is_null(),
            "{body}"
        );
        assert_no_internals(&body);
    }
    assert_eq!(user_count(&app).await, 0);
}

/// The response's media type follows `Accept`: GraphQL's own JSON type when asked for, plain
/// JSON otherwise (older Apollo and urql versions, curl, most tools).
async fn responses_follow_the_accept_header(app: TestApp) {
    let url = format!("{}/graphql", app.address);
    for (accept, expected) in [
        (None, "application/json"),
        (Some("application/json"), "application/json"),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            "application/graphql-response+json",
        ),
    ] {
        let mut request = app
            .client
            .post(&url)
            .json(&json!({ "query": "{ me { id } }" }));
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with(expected),
            "{accept:?}: {content_type}"
        );
        let vary: Vec<_> = response.headers().get_all("vary").iter().collect();
        assert!(
            vary.iter().any(|v| v.to_str().unwrap().contains("accept")),
            "{vary:?}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({ "data": { "me": null } }));
    }
}

/// A browser's GET without a query gets GraphiQL.
async fn browsers_get_graphiql(app: TestApp) {
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .header(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.text().await.unwrap();
    assert!(html.to_lowercase().contains("graphiql"));

    // Not a browser and no query: a client error, not a 500.
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
}

/// Error messages a client sees never show SQL, driver or panic details.
async fn errors_never_leak_internals(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let bodies = vec![
        register_with(
            &app,
            json!({ "email": "ADA@example.com", "password": PASSWORD }),
        )
        .await,
        app.gql(
            LOGIN,
            json!({ "input": { "login": "ada@example.com", "password": "x" } }),
            None,
        )
        .await,
        refresh(&app, "garbage").await,
        refresh(&app, &"A".repeat(64)).await,
        app.gql(
            REVOKE_SESSION,
            json!({ "id": "'; DROP TABLE users; --" }),
            Some(&tokens.access),
        )
        .await,
        app.gql(USER, json!({ "id": "x".repeat(300) }), Some(&tokens.access))
            .await,
        app.gql(
            UPDATE_PROFILE,
            json!({ "input": { "lastName": "a\u{0}b" } }),
            Some(&tokens.access),
        )
        .await,
        gql_with_headers(
            &app,
            ME,
            json!({}),
            &[("Authorization", "Bearer ' OR 1=1 --")],
        )
        .await,
        app.gql(REGISTER, json!({ "input": 5 }), None).await,
    ];
    for body in &bodies {
        assert!(body["errors"].is_array(), "{body}");
        assert!(
            error_code(body).is_some() || body["data"].is_null(),
            "{body}"
        );
        assert_no_internals(body);
    }
    assert_eq!(user_count(&app).await, 1);
}

/// A client that declares `$all: Boolean` and leaves it out gets the argument's default
/// (async-graphql passes an omitted nullable variable as null).
async fn omitted_optional_variables_mean_the_default(app: TestApp) {
    let first = app.register("ada@example.com").await;
    let second = app.login("ada@example.com", PASSWORD).await;
    let body = app
        .gql(
            "mutation($all: Boolean) { logout(allSessions: $all) }",
            json!({}),
            Some(&first.access),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["logout"], json!(true));
    // The default is false: only the bearer's session ended.
    let me = app
        .gql("{ me { email } }", json!({}), Some(&second.access))
        .await;
    assert_eq!(me["data"]["me"]["email"], json!("ada@example.com"), "{me}");
    let me = app
        .gql("{ me { email } }", json!({}), Some(&first.access))
        .await;
    assert_code(&me, "UNAUTHENTICATED");
}

/// A GET whose `query` is empty is not a GraphQL request.
async fn an_empty_get_query_is_a_bad_request(app: TestApp) {
    let response = app
        .client
        .get(format!("{}/graphql?query=", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

both!(
    omitted_optional_variables_mean_the_default,
    an_empty_get_query_is_a_bad_request,
    register_returns_tokens_and_stores_a_hashed_password,
    register_rejects_invalid_input_and_stores_nothing,
    register_accepts_passwords_at_both_length_bounds,
    register_keeps_multiline_addresses_and_names_as_given,
    long_passwords_are_never_truncated,
    duplicate_email_or_username_is_a_conflict,
    concurrent_registrations_of_one_email_create_one_account,
    login_by_email_or_username_sets_last_login_at,
    login_failures_are_indistinguishable,
    refresh_rotates_and_reuse_revokes_the_session,
    reuse_of_an_older_token_revokes_the_session,
    rotated_tokens_are_forgotten_after_a_refresh_token_lifetime,
    concurrent_refreshes_of_one_token_succeed_once,
    invalid_refresh_tokens_are_refused,
    refresh_extends_the_session,
    bad_bearer_headers_are_never_anonymous,
    deactivated_and_deleted_users_tokens_stop_working,
    logout_ends_the_bearer_session_at_once,
    logout_with_only_a_refresh_token,
    logout_of_all_sessions,
    my_sessions_lists_live_sessions,
    revoke_session_ends_own_sessions_only,
    update_profile_sets_and_clears_fields,
    update_profile_refuses_taken_and_invalid_values,
    change_password_validates_both_passwords,
    change_password_ends_every_other_session,
    delete_account_soft_deletes,
    delete_account_with_an_admin_present,
    user_by_id_for_a_plain_user,
    user_by_id_for_an_admin,
    get_requests_run_queries_only,
    malformed_requests_are_client_errors,
    responses_follow_the_accept_header,
    browsers_get_graphiql,
    errors_never_leak_internals,
);
