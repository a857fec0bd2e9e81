//! Login: by email or username in any case, and failures that are indistinguishable.

use chrono::Utc;
use roster::db::entities::users;
use sea_orm::sea_query::Expr;
use serde_json::json;

use crate::support::auth::{
    assert_me_is, deactivate_in_database, me, register_with, session_rows, set_user_column,
    soft_delete_in_database, user_row,
};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok};

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
        let body = app.try_login(login, PASSWORD).await;
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
        let body = app.try_login(login, password).await;
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

per_backend!(
    login_by_email_or_username_sets_last_login_at,
    login_failures_are_indistinguishable,
);
