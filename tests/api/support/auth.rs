//! Shared by the account tests (`auth`, `http`): helpers that send the account documents
//! (`documents`) and that read and change users and sessions in the database.

use chrono::Utc;
use roster::db::entities::{sessions, users};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::documents::{LOGIN, ME, MY_SESSIONS, REFRESH, REGISTER};
use crate::support::{TestApp, assert_code, assert_ok, db_user, uuid};

pub async fn user_count(app: &TestApp) -> u64 {
    users::Entity::find().count(app.db()).await.unwrap()
}

pub async fn user_row(app: &TestApp, id: &str) -> users::Model {
    db_user(app, id).await.expect("user row")
}

pub async fn session_rows(app: &TestApp, user_id: &str) -> Vec<sessions::Model> {
    sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(uuid(user_id)))
        .all(app.db())
        .await
        .unwrap()
}

/// Deactivates a user behind the API's back, as an admin tool or another replica could.
pub async fn deactivate_in_database(app: &TestApp, user_id: &str) {
    set_user_column(app, user_id, users::Column::IsActive, Expr::value(false)).await;
}

/// Soft-deletes a user behind the API's back.
pub async fn soft_delete_in_database(app: &TestApp, user_id: &str) {
    set_user_column(
        app,
        user_id,
        users::Column::DeletedAt,
        Expr::value(Utc::now()),
    )
    .await;
}

pub async fn set_user_column(app: &TestApp, user_id: &str, column: users::Column, value: Expr) {
    users::Entity::update_many()
        .col_expr(column, value)
        .filter(users::Column::Id.eq(uuid(user_id)))
        .exec(app.db())
        .await
        .unwrap();
}

/// `me` with `token`.
pub async fn me(app: &TestApp, token: &str) -> Value {
    app.gql(ME, json!({}), Some(token)).await
}

/// Asserts a `me` response answers `user_id` without errors.
#[track_caller]
pub fn assert_me_is(body: &Value, user_id: &str) {
    assert_ok(body);
    assert_eq!(body["data"]["me"]["id"], user_id, "{body}");
}

/// Asserts `token` is refused as a bearer token.
pub async fn assert_refused(app: &TestApp, token: &str) {
    let body = me(app, token).await;
    assert_code(&body, "UNAUTHENTICATED");
    // `me` is nullable: it is there, as null, not left out.
    assert_eq!(body["data"], json!({ "me": null }), "{body}");
}

/// A login from client address `client` (the server must trust loopback: `addresses`).
pub async fn login_from(app: &TestApp, client: &str, login: &str, password: &str) -> Value {
    app.gql_from(
        client,
        LOGIN,
        json!({ "input": { "login": login, "password": password } }),
    )
    .await
}

pub async fn refresh(app: &TestApp, token: &str) -> Value {
    app.gql(REFRESH, json!({ "token": token }), None).await
}

/// POSTs a GraphQL request with raw headers (asserting HTTP 200).
pub async fn gql_with_headers(
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
pub async fn post_from_task(client: reqwest::Client, address: String, body: Value) -> Value {
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
pub async fn register_with(app: &TestApp, input: Value) -> Value {
    app.gql(REGISTER, json!({ "input": input }), None).await
}

/// The id of the session `token` belongs to (the one `mySessions` marks current).
pub async fn current_session_id(app: &TestApp, token: &str) -> String {
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

/// Asserts no error of `body` shows a database, driver or panic detail.
#[track_caller]
pub fn assert_no_internals(body: &Value) {
    let text = body["errors"].to_string();
    assert!(!text.contains("SQL"), "{body}");
    let lower = text.to_lowercase();
    for needle in ["sqlx", "constraint", "panicked", "duplicate key", "sqlite"] {
        assert!(!lower.contains(needle), "{needle} in {body}");
    }
}
