//! Logout: of the bearer session, with only a refresh token, and of all sessions.

use serde_json::json;

use crate::support::auth::{assert_me_is, assert_refused, me, refresh, session_rows};
use crate::support::documents::LOGOUT;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok};

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

/// A replica that has already checked a token (and remembers that its signature is good) still
/// reads the session on every request: a logout on another replica, or a deactivation there,
/// refuses the token on this one from the very next request.
async fn a_logout_or_deactivation_on_one_replica_applies_on_every_replica_at_once(app: TestApp) {
    let other = app.replica().await;
    let admin = app.admin("admin@example.com").await;
    let ada = app.register("ada@example.com").await;
    let bob = app.register("bob@example.com").await;
    for server in [&app, &other] {
        for _ in 0..2 {
            assert_me_is(&me(server, &ada.access).await, &ada.user_id);
            assert_me_is(&me(server, &bob.access).await, &bob.user_id);
        }
    }

    assert_ok(&app.gql(LOGOUT, json!({}), Some(&ada.access)).await);
    assert_refused(&other, &ada.access).await;

    let body = app
        .gql(
            "mutation($id: ID!) { setUserActive(id: $id, active: false) { id } }",
            json!({ "id": bob.user_id }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&body);
    assert_refused(&other, &bob.access).await;
    assert_refused(&app, &bob.access).await;
}

per_backend!(
    logout_ends_the_bearer_session_at_once,
    logout_with_only_a_refresh_token,
    logout_of_all_sessions,
    a_logout_or_deactivation_on_one_replica_applies_on_every_replica_at_once,
);
