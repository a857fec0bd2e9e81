//! Account deletion: `deleteAccount` soft-deletes the viewer's own account.

use serde_json::json;

use crate::support::auth::{
    assert_me_is, assert_no_internals, assert_refused, me, refresh, register_with, user_count,
    user_row,
};
use crate::support::documents::DELETE_ACCOUNT;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, error_fields};

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
    let body = app.try_login("ada@example.com", PASSWORD).await;
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

per_backend!(
    delete_account_soft_deletes,
    delete_account_with_an_admin_present,
);
