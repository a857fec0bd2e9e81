//! A request sees its own changes: a root mutation field that ends the viewer's session or
//! takes its rights is followed, in the same request, by fields that run as that left things.
//! (Every mutation field is non-null, so one that fails nulls `data`: the errors say which
//! field failed, and the database what the earlier fields did.)

use serde_json::{Value, json};

use crate::support::admin::Admin;
use crate::support::smtp::MailServer;
use crate::support::{PASSWORD, TestApp};

/// The codes of a response's errors, by the path of their field.
fn codes(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["path"][0].as_str().unwrap_or_default().to_owned(),
                        e["extensions"]["code"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn fields_after_a_logout_run_signed_out(app: TestApp, _mail: MailServer) {
    let ada = app.register("ada@example.com").await;
    let body = app
        .gql(
            "mutation { out: logout(allSessions: true) \
             edit: updateProfile(input: { firstName: \"Eve\" }) { firstName } }",
            json!({}),
            Some(&ada.access),
        )
        .await;
    assert_eq!(
        codes(&body),
        [("edit".to_owned(), "UNAUTHENTICATED".to_owned())]
    );
    let ada = app.login("ada@example.com", PASSWORD).await;
    let me = app
        .gql("{ me { firstName } }", json!({}), Some(&ada.access))
        .await;
    assert_eq!(
        me["data"]["me"]["firstName"],
        Value::Null,
        "the edit ran: {me}"
    );

    // Revoking the current session, and deleting the account, likewise.
    let session = crate::support::auth::current_session_id(&app, &ada.access).await;
    let body = app
        .gql(
            "mutation($id: ID!) { gone: revokeSession(id: $id) \
             after: revokeSession(id: $id) }",
            json!({ "id": session }),
            Some(&ada.access),
        )
        .await;
    assert_eq!(
        codes(&body),
        [("after".to_owned(), "UNAUTHENTICATED".to_owned())]
    );
    let ada = app.login("ada@example.com", PASSWORD).await;
    let body = app
        .gql(
            "mutation($p: String!) { deleteAccount(password: $p) \
             mySessions: updateProfile(input: { lastName: \"X\" }) { id } }",
            json!({ "p": PASSWORD }),
            Some(&ada.access),
        )
        .await;
    assert_eq!(
        codes(&body),
        [("mySessions".to_owned(), "UNAUTHENTICATED".to_owned())]
    );
    let row = crate::support::auth::user_row(&app, &ada.user_id).await;
    assert!(
        row.deleted_at.is_some() && row.last_name.is_none(),
        "{row:?}"
    );
}

/// An ADMIN who demotes itself (another ADMIN remains) holds no ADMIN right in the fields
/// after; a manager removed from its group loses the group's rights likewise.
async fn fields_after_a_loss_of_rights_are_forbidden(app: TestApp, _mail: MailServer) {
    let root = Admin::new(&app, "root@example.com").await;
    let second = Admin::new(&app, "second@example.com").await;
    let body = second
        .call(
            "mutation($id: ID!) { setUserRole(id: $id, role: USER) { role } \
             setUserActive(id: $id, active: true) { id } }",
            json!({ "id": second.id() }),
        )
        .await;
    assert_eq!(
        codes(&body),
        [("setUserActive".to_owned(), "FORBIDDEN".to_owned())]
    );
    assert_eq!(root.user(second.id()).await["role"], "USER");

    let group = root
        .create_group("Managers", &["groups.manage", "groups.view"])
        .await;
    let manager = root
        .user_holding("manager@example.com", &["groups.view"])
        .await;
    root.ok(
        crate::support::admin::ADD_TO_GROUP,
        json!({ "user": manager.id(), "group": group }),
    )
    .await;
    let body = manager
        .call(
            "mutation($user: ID!, $group: ID!) { \
             removeUserFromGroup(userId: $user, groupId: $group) { id } \
             again: addUserToGroup(userId: $user, groupId: $group) { id } }",
            json!({ "user": manager.id(), "group": group }),
        )
        .await;
    assert_eq!(codes(&body), [("again".to_owned(), "FORBIDDEN".to_owned())]);
    let groups = root.user(manager.id()).await["groups"].clone();
    assert!(
        !groups.to_string().contains("Managers"),
        "the removal did not happen, or the re-adding did: {groups}"
    );
}

per_backend!(mail, addresses; fields_after_a_logout_run_signed_out,
    fields_after_a_loss_of_rights_are_forbidden,
);
