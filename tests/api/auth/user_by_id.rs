//! `user(id)`: what a plain user and an ADMIN may see.

use serde_json::json;
use uuid::Uuid;

use crate::support::documents::USER;
use crate::support::{TestApp, assert_code, assert_ok, error_fields};

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

per_backend!(user_by_id_for_a_plain_user, user_by_id_for_an_admin,);
