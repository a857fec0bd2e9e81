//! The `Authorization` header: a bad bearer header is never anonymous, and a deactivated or
//! deleted user's tokens stop working.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::support::auth::{
    assert_me_is, assert_refused, current_session_id, deactivate_in_database, gql_with_headers,
    refresh, soft_delete_in_database,
};
use crate::support::documents::{LOGIN, ME, MY_SESSIONS, REGISTER};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, uuid};

/// Absent = anonymous; present but not a valid, live access token = `UNAUTHENTICATED`, while
/// `register` and `login` still work.
async fn bad_bearer_headers_are_never_anonymous(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let session_id = current_session_id(&app, &tokens.access).await;
    let now = Utc::now().timestamp();
    let claims = json!({
        "sub": tokens.user_id, "sid": session_id, "iat": now, "exp": now + 900,
        "iss": "roster", "aud": "roster", "typ": "access",
    });
    let foreign = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"another secret, also 32 bytes long!!"),
    )
    .unwrap();
    let tampered = {
        let (signed, signature) = tokens.access.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        format!("{signed}.{flipped}{}", &signature[1..])
    };
    let unsigned = {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(claims.to_string())
        )
    };
    // Signed with the server's own key but long expired.
    let expired = app
        .state
        .keys
        .issue_access(
            uuid(&tokens.user_id),
            uuid(&session_id),
            &[roster::db::entities::sessions::Method::Password],
            Utc::now() - Duration::hours(1),
        )
        .unwrap();

    let headers = [
        "Bearer ".to_owned(),
        "Bearer".to_owned(),
        "".to_owned(),
        "Basic YWRhOnNlY3JldA==".to_owned(),
        "Bearer not.a.jwt".to_owned(),
        format!("Bearer {foreign}"),
        format!("Bearer {tampered}"),
        format!("Bearer {unsigned}"),
        format!("Bearer {expired}"),
        format!("Bearer {}", tokens.refresh),
        format!("Token {}", tokens.access),
    ];
    for (n, header) in headers.iter().enumerate() {
        let body = gql_with_headers(&app, ME, json!({}), &[("Authorization", header)]).await;
        assert_code(&body, "UNAUTHENTICATED");
        assert!(body["data"]["me"].is_null(), "{header}: {body}");

        let body =
            gql_with_headers(&app, MY_SESSIONS, json!({}), &[("Authorization", header)]).await;
        assert_code(&body, "UNAUTHENTICATED");

        // The entry points still work with the bad header present.
        let body = gql_with_headers(
            &app,
            REGISTER,
            json!({ "input": { "email": format!("user{n}@example.com"), "password": PASSWORD } }),
            &[("Authorization", header)],
        )
        .await;
        assert_ok(&body);
        let body = gql_with_headers(
            &app,
            LOGIN,
            json!({ "input": { "login": format!("USER{n}@example.com"), "password": PASSWORD } }),
            &[("Authorization", header)],
        )
        .await;
        assert_ok(&body);
    }

    // The genuine token, in any scheme spelling, still works.
    let body = gql_with_headers(
        &app,
        ME,
        json!({}),
        &[("Authorization", &format!("bearer {}", tokens.access))],
    )
    .await;
    assert_me_is(&body, &tokens.user_id);
}

/// A deactivated or deleted user's tokens stop working at the next request.
async fn deactivated_and_deleted_users_tokens_stop_working(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    let grace = app.register("grace@example.com").await;
    deactivate_in_database(&app, &ada.user_id).await;
    soft_delete_in_database(&app, &grace.user_id).await;

    for tokens in [&ada, &grace] {
        assert_refused(&app, &tokens.access).await;
        assert_code(&refresh(&app, &tokens.refresh).await, "UNAUTHENTICATED");
    }
}

per_backend!(
    bad_bearer_headers_are_never_anonymous,
    deactivated_and_deleted_users_tokens_stop_working,
);
