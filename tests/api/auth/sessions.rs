//! Sessions: `mySessions` lists the live ones, `revokeSession` ends one's own only.

use chrono::Utc;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::auth::{
    assert_me_is, assert_refused, current_session_id, gql_with_headers, me, refresh,
};
use crate::support::documents::{LOGIN, LOGOUT, MY_SESSIONS, REGISTER, REVOKE_SESSION};
use crate::support::{PASSWORD, TestApp, Tokens, assert_code, assert_ok, error_fields};

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

per_backend!(
    my_sessions_lists_live_sessions,
    revoke_session_ends_own_sessions_only,
);
