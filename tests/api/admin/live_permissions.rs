//! Permissions come from the database on every request: granting and revoking take effect at
//! the next request of the same token.

use serde_json::json;

use crate::support::admin::{
    ADD_TO_GROUP, Actor, Admin, REMOVE_FROM_GROUP, SET_GROUP_PERMISSIONS, SET_USER_PERMISSIONS,
};
use crate::support::{TestApp, assert_code, assert_ok};

async fn permissions_are_read_on_every_request(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let user = Actor::register(&app, "user@example.com").await;
    let viewers = admin.create_group("Viewers", &["users.view"]).await;
    let membership = json!({ "user": user.id(), "group": viewers });
    let list_users = || user.call("query { users { totalCount } }", json!({}));

    assert_code(&list_users().await, "FORBIDDEN");
    admin.ok(ADD_TO_GROUP, membership.clone()).await;
    assert_ok(&list_users().await);
    admin.ok(REMOVE_FROM_GROUP, membership.clone()).await;
    assert_code(&list_users().await, "FORBIDDEN");

    // The group's permissions too.
    admin.ok(ADD_TO_GROUP, membership.clone()).await;
    assert_ok(&list_users().await);
    admin
        .ok(
            SET_GROUP_PERMISSIONS,
            json!({ "group": viewers, "permissions": [] }),
        )
        .await;
    assert_code(&list_users().await, "FORBIDDEN");

    // And the direct ones.
    let direct =
        |codenames: &[&str]| json!({ "user": user.id(), "permissions": admin.ids(codenames) });
    admin
        .ok(SET_USER_PERMISSIONS, direct(&["users.view"]))
        .await;
    assert_ok(&list_users().await);
    admin.ok(SET_USER_PERMISSIONS, direct(&[])).await;
    assert_code(&list_users().await, "FORBIDDEN");
}

per_backend!(permissions_are_read_on_every_request,);
