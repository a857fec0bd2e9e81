//! Token refresh: `refreshToken` rotates the pair, detects reuse (after a 10 s grace for two
//! tabs), and extends the session up to its maximum age.

use chrono::{Duration, Utc};
use roster::db::entities::{rotated_refresh_tokens, sessions};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::support::auth::{
    assert_me_is, assert_no_internals, assert_refused, gql_with_headers, me, post_from_task,
    refresh, session_rows,
};
use crate::support::clock::age_refresh_rotations;
use crate::support::documents::{MY_SESSIONS, REFRESH};
use crate::support::{PASSWORD, TestApp, Tokens, assert_code, assert_ok, uuid};

/// Moves the expiry of every session of a user, as time passing would.
async fn set_sessions_expiry(app: &TestApp, user_id: &str, at: chrono::DateTime<Utc>) {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::ExpiresAt, Expr::value(at))
        .filter(sessions::Column::UserId.eq(uuid(user_id)))
        .exec(app.db())
        .await
        .unwrap();
}

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

    // Replaying the rotated token, once the grace for two tabs is over, is refused ...
    age_refresh_rotations(&app, Duration::seconds(11)).await;
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

    age_refresh_rotations(&app, Duration::seconds(11)).await;
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
    age_refresh_rotations(&app, Duration::days(15)).await;
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

/// Two simultaneous refreshes of one token (two tabs): exactly one succeeds, the other is told
/// to use the newest token, and the session lives on.
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
            assert_code(&body, "CONFLICT");
            assert!(
                body["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("use the newest refresh token"),
                "{body}"
            );
        }
    }
    assert_eq!(successes, 1);
    let rows = session_rows(&app, &tokens.user_id).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].revoked_at.is_none(), "{rows:?}");
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

/// Within 10 s of a rotation the old token answers `CONFLICT` and the session stays usable;
/// after that it is reuse.
async fn a_late_second_use_within_the_grace_is_a_conflict(app: TestApp) {
    let first = app.register("ada@example.com").await;
    let second = Tokens::from_payload(&refresh(&app, &first.refresh).await, "refreshToken");
    let body = refresh(&app, &first.refresh).await;
    assert_code(&body, "CONFLICT");
    assert!(body["data"].is_null(), "{body}");
    assert_me_is(&me(&app, &second.access).await, &first.user_id);
    let third = Tokens::from_payload(&refresh(&app, &second.refresh).await, "refreshToken");
    age_refresh_rotations(&app, Duration::seconds(11)).await;
    assert_code(&refresh(&app, &second.refresh).await, "UNAUTHENTICATED");
    assert_refused(&app, &third.access).await;
}

/// Refreshing never carries a session past its maximum age after login.
async fn sessions_end_at_their_maximum_age(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let rows = session_rows(&app, &tokens.user_id).await;
    assert_eq!(rows[0].expires_at - rows[0].created_at, Duration::hours(1));
    // A login 50 minutes ago: the refresh gives ten more minutes, not fourteen days.
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::CreatedAt,
            Expr::value(roster::db::now() - Duration::minutes(50)),
        )
        .exec(app.db())
        .await
        .unwrap();
    let next = Tokens::from_payload(&refresh(&app, &tokens.refresh).await, "refreshToken");
    let rows = session_rows(&app, &tokens.user_id).await;
    assert_eq!(rows[0].expires_at - rows[0].created_at, Duration::hours(1));
    let listed = app.gql(MY_SESSIONS, json!({}), Some(&next.access)).await;
    let expires_at: chrono::DateTime<Utc> = listed["data"]["mySessions"][0]["expiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(expires_at, rows[0].expires_at);
    // Past it, the refresh token is refused.
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::CreatedAt,
            Expr::value(roster::db::now() - Duration::minutes(61)),
        )
        .col_expr(
            sessions::Column::ExpiresAt,
            Expr::value(roster::db::now() - Duration::minutes(1)),
        )
        .exec(app.db())
        .await
        .unwrap();
    assert_code(&refresh(&app, &next.refresh).await, "UNAUTHENTICATED");
}

per_backend!(
    settings = |s| s.session_max_age = 3600.try_into().unwrap();
    sessions_end_at_their_maximum_age,
);

per_backend!(
    a_late_second_use_within_the_grace_is_a_conflict,
    refresh_rotates_and_reuse_revokes_the_session,
    reuse_of_an_older_token_revokes_the_session,
    rotated_tokens_are_forgotten_after_a_refresh_token_lifetime,
    concurrent_refreshes_of_one_token_succeed_once,
    invalid_refresh_tokens_are_refused,
    refresh_extends_the_session,
);
