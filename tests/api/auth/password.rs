//! Password change: `changePassword` validates both passwords and ends every other session.

use serde_json::json;

use crate::support::auth::{assert_me_is, assert_refused, me, refresh, user_row};
use crate::support::documents::CHANGE_PASSWORD;
use crate::support::{PASSWORD, TestApp, Tokens, assert_code, assert_ok, error_fields};

const NEW_PASSWORD: &str = "quartz lantern orbit pelican";

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

    let body = app.try_login("ada@example.com", PASSWORD).await;
    assert_code(&body, "UNAUTHENTICATED");
    app.login("ada@example.com", NEW_PASSWORD).await;

    let row = user_row(&app, &first.user_id).await;
    let hash = row.password_hash.expect("a password is set");
    assert!(hash.starts_with("$argon2id$"));
    assert!(!hash.contains(NEW_PASSWORD));
}

per_backend!(
    change_password_validates_both_passwords,
    change_password_ends_every_other_session,
);
