//! What a session's sign-in proved, as the session shows it (`assuranceLevel`,
//! `authenticationMethods`, `authenticatedAt`) on the payload that opened it and in
//! `mySessions`: a password sign-in, a password change and a registration prove a password; a
//! reset link proves only the mailbox; a refresh proves nothing new. `reauthenticate` raises
//! `authenticatedAt` in the database, and proves an email change in its own session, within
//! `--reauthentication-window`.

use chrono::{DateTime, Utc};
use roster::db::entities::audit_events;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::recovery::request_reset;
use crate::support::smtp::MailServer;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, error_fields};

const SESSION_FIELDS: &str = "id current assuranceLevel authenticationMethods authenticatedAt";

fn with_session(mutation: &str, arguments: &str) -> String {
    format!(
        "mutation {arguments} {{ {mutation} {{ accessToken refreshToken session {{ {SESSION_FIELDS} }} }} }}"
    )
}

/// The payload's session, asserting the request went through.
fn session<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert_ok(body);
    &body["data"][field]["session"]
}

/// The `aal` and `amr` claims of an access token (`null` when absent).
fn assurance_claims(token: &str) -> (Value, Value) {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    (claims["aal"].clone(), claims["amr"].clone())
}

fn at(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

per_backend!(mail; each_session_says_what_its_sign_in_proved);
async fn each_session_says_what_its_sign_in_proved(app: TestApp, mail: MailServer) {
    let before = Utc::now() - chrono::Duration::seconds(1);
    let credentials = json!({ "email": "ada@example.com", "password": PASSWORD });
    let registered = app
        .gql(
            &with_session("register(input: $input)", "($input: RegisterInput!)"),
            json!({ "input": credentials }),
            None,
        )
        .await;
    let opened = session(&registered, "register");
    assert_eq!(opened["assuranceLevel"], "AAL1");
    assert_eq!(opened["authenticationMethods"], json!(["PASSWORD"]));
    assert_eq!(opened["current"], true);
    assert!(at(&opened["authenticatedAt"]) >= before);

    let login = app
        .gql(
            &with_session("login(input: $input)", "($input: LoginInput!)"),
            json!({ "input": { "login": "ada@example.com", "password": PASSWORD } }),
            None,
        )
        .await;
    let signed_in = session(&login, "login").clone();
    assert_eq!(signed_in["authenticationMethods"], json!(["PASSWORD"]));
    // Other services read the same from the token (RFC 8176 names).
    let access = login["data"]["login"]["accessToken"].as_str().unwrap();
    assert_eq!(assurance_claims(access), (json!("aal1"), json!(["pwd"])));
    assert_ne!(signed_in["id"], opened["id"]);

    // A refresh renews the tokens, not the proof: the same session, signed in when it was.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let refreshed = app
        .gql(
            &with_session("refreshToken(refreshToken: $token)", "($token: String!)"),
            json!({ "token": login["data"]["login"]["refreshToken"] }),
            None,
        )
        .await;
    let renewed = session(&refreshed, "refreshToken");
    let access = refreshed["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap();
    assert_eq!(assurance_claims(access), (json!("aal1"), json!(["pwd"])));
    assert_eq!(renewed["id"], signed_in["id"]);
    assert_eq!(renewed["authenticatedAt"], signed_in["authenticatedAt"]);
    assert_eq!(renewed["assuranceLevel"], "AAL1");

    // `mySessions` shows the same.
    let token = refreshed["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap();
    let listed = app
        .gql(
            &format!("{{ mySessions {{ {SESSION_FIELDS} }} }}"),
            json!({}),
            Some(token),
        )
        .await;
    assert_ok(&listed);
    let mine = listed["data"]["mySessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == signed_in["id"])
        .unwrap()
        .clone();
    assert_eq!(mine["authenticationMethods"], json!(["PASSWORD"]));
    assert_eq!(mine["authenticatedAt"], signed_in["authenticatedAt"]);

    // A password change opens a new session on the old password's proof.
    let changed = app
        .gql(
            &with_session(
                "changePassword(currentPassword: $current, newPassword: $new)",
                "($current: String!, $new: String!)",
            ),
            json!({ "current": PASSWORD, "new": "another rather long passphrase" }),
            Some(token),
        )
        .await;
    let after_change = session(&changed, "changePassword");
    assert_eq!(after_change["authenticationMethods"], json!(["PASSWORD"]));
    assert_ne!(after_change["id"], signed_in["id"]);

    // A reset link proves the mailbox, not a password.
    request_reset(&app, "ada@example.com").await;
    let message = mail.one("ada@example.com", "Reset your password").await;
    let reset = app
        .gql(
            &with_session(
                "resetPassword(token: $token, newPassword: $password)",
                "($token: String!, $password: String!)",
            ),
            json!({ "token": message.token("reset-password"), "password": "a new and rather long passphrase" }),
            None,
        )
        .await;
    let after_reset = session(&reset, "resetPassword");
    let access = reset["data"]["resetPassword"]["accessToken"]
        .as_str()
        .unwrap();
    assert_eq!(
        assurance_claims(access),
        (json!("aal1"), Value::Null),
        "a reset proves no RFC 8176 method"
    );
    assert_eq!(
        after_reset["authenticationMethods"],
        json!(["PASSWORD_RESET"])
    );
    assert_eq!(after_reset["assuranceLevel"], "AAL1");
}

const REAUTHENTICATE: &str = "mutation($input: ReauthenticateInput!) {
  reauthenticate(input: $input) { id current assuranceLevel authenticationMethods authenticatedAt }
}";

async fn reauthenticate(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(REAUTHENTICATE, json!({ "input": input }), Some(token))
        .await
}

/// Changes the viewer's email without `currentPassword`.
async fn change_email(app: &TestApp, token: &str, email: &str) -> Value {
    app.gql(
        crate::support::documents::UPDATE_PROFILE,
        json!({ "input": { "email": email } }),
        Some(token),
    )
    .await
}

per_backend!(reauthenticating_proves_an_email_change_in_this_session_only);
async fn reauthenticating_proves_an_email_change_in_this_session_only(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    let other = app.login("ada@example.com", PASSWORD).await;
    // A fresh sign-in is no proof: a stolen token is usually fresh.
    let refused = change_email(&app, &tokens.access, "ada@new.example").await;
    assert_code(&refused, "BAD_USER_INPUT");
    assert!(
        error_fields(&refused).get("currentPassword").is_some(),
        "{refused}"
    );

    for (input, field) in [
        (json!({ "password": "not the password" }), "password"),
        (
            json!({ "password": PASSWORD, "totpCode": "123456" }),
            "input",
        ),
        (json!({}), "input"),
        (json!({ "totpCode": "123456" }), "totpCode"),
        (json!({ "recoveryCode": "abcde-fgh12" }), "recoveryCode"),
    ] {
        let body = reauthenticate(&app, &tokens.access, input.clone()).await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(error_fields(&body).get(field).is_some(), "{input}: {body}");
    }

    let before = Utc::now();
    let body = reauthenticate(&app, &tokens.access, json!({ "password": PASSWORD })).await;
    assert_ok(&body);
    let session = &body["data"]["reauthenticate"];
    assert_eq!(session["current"], true);
    assert_eq!(session["authenticationMethods"], json!(["PASSWORD"]));
    assert_eq!(session["assuranceLevel"], "AAL1");
    assert!(at(&session["authenticatedAt"]) >= before - chrono::Duration::seconds(1));

    // Another session of the same account proved nothing.
    let elsewhere = change_email(&app, &other.access, "ada@new.example").await;
    assert_code(&elsewhere, "BAD_USER_INPUT");
    // This one did: the email changes without the password, on the very next request.
    let changed = change_email(&app, &tokens.access, "ada@new.example").await;
    assert_ok(&changed);
    assert_eq!(changed["data"]["updateProfile"]["email"], "ada@new.example");

    let recorded = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("REAUTHENTICATED"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(recorded.len(), 1, "one success, no failure recorded as one");
    let event = &recorded[0];
    assert_eq!(event.actor_id, Some(crate::support::uuid(&tokens.user_id)));
    let details = event.details.as_deref().unwrap();
    assert_eq!(details, r#"{"method":"PASSWORD"}"#);
}

per_backend!(settings = |s| s.reauthentication_window = 1; a_reauthentication_stops_counting_after_the_window);
async fn a_reauthentication_stops_counting_after_the_window(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    assert_ok(&reauthenticate(&app, &tokens.access, json!({ "password": PASSWORD })).await);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let late = change_email(&app, &tokens.access, "ada@new.example").await;
    assert_code(&late, "BAD_USER_INPUT");
    assert!(
        error_fields(&late).get("currentPassword").is_some(),
        "{late}"
    );
}

per_backend!(mail; the_upgrade_marks_sessions_a_reset_link_opened);
async fn the_upgrade_marks_sessions_a_reset_link_opened(app: TestApp, mail: MailServer) {
    app.register("ada@example.com").await;
    request_reset(&app, "ada@example.com").await;
    let message = mail.one("ada@example.com", "Reset your password").await;
    let reset = app
        .gql(
            crate::support::documents::RESET,
            json!({ "token": message.token("reset-password"), "password": "a new and rather long passphrase" }),
            None,
        )
        .await;
    assert_ok(&reset);
    let reset_token = reset["data"]["resetPassword"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let reset_session = crate::support::auth::current_session_id(&app, &reset_token).await;
    // Back to before sessions kept their proof, and forward again.
    crate::support::database::redo_migrations_from(app.db(), "m20261206_000016").await;
    let rows = roster::db::entities::sessions::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    for row in &rows {
        let expected = if row.id.to_string() == reset_session {
            "PASSWORD_RESET"
        } else {
            "PASSWORD"
        };
        assert_eq!(row.authentication_methods, expected, "{}", row.id);
        assert_eq!(row.authenticated_at, Some(row.created_at));
    }
    assert!(rows.iter().any(|row| row.id.to_string() == reset_session));
    assert!(rows.len() >= 2, "the registration's session too: {rows:?}");
}
