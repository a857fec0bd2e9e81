//! `requestPasswordReset` and `resetPassword`: the mail and its link, the new session, and the
//! token rules (single use, the older ones voided, expiry), without telling who has an account.

use chrono::Duration;
use roster::db::entities::{account_tokens, mail_outbox};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::{BAD_TOKEN, assert_bad_token, request_reset};
use crate::support::auth::refresh;
use crate::support::documents::{CHANGE_PASSWORD, ME, REQUEST_RESET, RESET};
use crate::support::outbox::wait_settled;
use crate::support::smtp::{MailServer, PUBLIC_URL};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, error_fields, uuid};

const NEW_PASSWORD: &str = "a new and rather long passphrase";

per_backend!(mail; a_reset_ends_every_session_and_opens_a_new_one,
    a_reset_token_works_once,
    a_second_request_voids_the_first_link,
    an_unknown_address_answers_like_a_known_one_and_gets_no_mail,
    an_expired_or_malformed_token_is_refused_alike,
    a_weak_password_is_refused_and_the_link_still_works,
    one_address_gets_at_most_five_reset_mails_an_hour,
    changing_the_password_voids_a_pending_reset_link,
    the_operators_new_password_voids_a_pending_reset_link,
);

async fn reset(app: &TestApp, token: &str, password: &str) -> serde_json::Value {
    app.gql(RESET, json!({ "token": token, "password": password }), None)
        .await
}

async fn a_reset_ends_every_session_and_opens_a_new_one(app: TestApp, mail: MailServer) {
    let laptop = app.register("ada@example.com").await;
    let phone = app.login("ada@example.com", PASSWORD).await;
    request_reset(&app, "Ada@Example.com").await;

    let message = mail.one("ada@example.com", "Reset your password").await;
    assert_eq!(message.sender(), "Roster <roster@localhost>");
    let text = message.text();
    assert!(
        message
            .link("reset-password")
            .starts_with(&format!("{PUBLIC_URL}/reset-password?token=")),
        "{text}"
    );
    assert!(text.contains("30 minutes"), "{text}");
    assert!(text.contains("If it wasn't you"), "{text}");
    assert!(message.html().contains(&message.link("reset-password")));

    let body = reset(&app, &message.token("reset-password"), NEW_PASSWORD).await;
    assert_ok(&body);
    let payload = &body["data"]["resetPassword"];
    assert_eq!(payload["user"]["id"], laptop.user_id.as_str());
    // The link proved the address.
    assert_eq!(payload["user"]["emailVerified"], true);

    // Both devices are out, their refresh tokens too.
    for device in [&laptop, &phone] {
        assert_code(
            &app.gql(ME, json!({}), Some(&device.access)).await,
            "UNAUTHENTICATED",
        );
        assert_code(&refresh(&app, &device.refresh).await, "UNAUTHENTICATED");
    }
    // The new pair works, and so does the new password; the old one does not.
    let access = payload["accessToken"].as_str().unwrap();
    let me = app.gql(ME, json!({}), Some(access)).await;
    assert_eq!(me["data"]["me"]["emailVerified"], true, "{me}");
    app.login("ada@example.com", NEW_PASSWORD).await;
    let old = app.try_login("ada@example.com", PASSWORD).await;
    assert_code(&old, "UNAUTHENTICATED");
    // No token of the account is left.
    let left = account_tokens::Entity::find()
        .filter(account_tokens::Column::UserId.eq(uuid(&laptop.user_id)))
        .filter(account_tokens::Column::Purpose.eq("password_reset"))
        .all(app.db())
        .await
        .unwrap();
    assert!(left.is_empty());
}

async fn a_reset_token_works_once(app: TestApp, mail: MailServer) {
    app.register("bob@example.com").await;
    request_reset(&app, "bob@example.com").await;
    let token = mail
        .one("bob@example.com", "Reset")
        .await
        .token("reset-password");
    assert_ok(&reset(&app, &token, NEW_PASSWORD).await);
    let again = reset(&app, &token, "yet another long passphrase").await;
    assert_bad_token(&again);
    app.login("bob@example.com", NEW_PASSWORD).await;
}

async fn a_second_request_voids_the_first_link(app: TestApp, mail: MailServer) {
    app.register("cy@example.com").await;
    request_reset(&app, "cy@example.com").await;
    let first = mail
        .one("cy@example.com", "Reset")
        .await
        .token("reset-password");
    request_reset(&app, "cy@example.com").await;
    let resets = wait_resets(&mail, "cy@example.com", 2).await;
    let second = resets[1].token("reset-password");
    assert_ne!(first, second);
    assert_bad_token(&reset(&app, &first, NEW_PASSWORD).await);
    assert_ok(&reset(&app, &second, NEW_PASSWORD).await);
}

async fn wait_resets(
    mail: &MailServer,
    to: &str,
    count: usize,
) -> Vec<crate::support::smtp::Received> {
    loop {
        let resets: Vec<_> = mail
            .wait_for(to, count)
            .await
            .into_iter()
            .filter(|m| m.subject().contains("Reset"))
            .collect();
        if resets.len() >= count {
            return resets;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn an_unknown_address_answers_like_a_known_one_and_gets_no_mail(
    app: TestApp,
    mail: MailServer,
) {
    let admin = app.admin("root@example.com").await;
    let gone = app.register("gone@example.com").await;
    let body = app
        .gql(
            "mutation($id: ID!) { setUserActive(id: $id, active: false) { id } }",
            json!({ "id": gone.user_id }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&body);

    let known = app
        .gql(REQUEST_RESET, json!({ "email": "root@example.com" }), None)
        .await;
    for address in ["nobody@example.com", "gone@example.com"] {
        let unknown = app
            .gql(REQUEST_RESET, json!({ "email": address }), None)
            .await;
        assert_eq!(unknown, known, "the answer is the same for {address}");
    }
    mail.one("root@example.com", "Reset").await;
    // Every queued mail has been dealt with; the two others were dropped, not sent.
    wait_settled(&app).await;
    assert!(mail.to("nobody@example.com").is_empty());
    assert!(
        mail.to("gone@example.com")
            .iter()
            .all(|m| !m.subject().contains("Reset"))
    );
    // Anything at all is answered alike (API.md: true for any address), and queues nothing.
    let malformed = app
        .gql(REQUEST_RESET, json!({ "email": "not an address" }), None)
        .await;
    assert_eq!(malformed, known);
    let queued = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Recipient.eq("not an address"))
        .all(app.db())
        .await
        .unwrap();
    assert!(queued.is_empty());
}

async fn an_expired_or_malformed_token_is_refused_alike(app: TestApp, mail: MailServer) {
    app.register("dee@example.com").await;
    request_reset(&app, "dee@example.com").await;
    let token = mail
        .one("dee@example.com", "Reset")
        .await
        .token("reset-password");
    // Thirty minutes later.
    account_tokens::Entity::update_many()
        .col_expr(
            account_tokens::Column::ExpiresAt,
            Expr::value(roster::db::now() - Duration::seconds(1)),
        )
        .exec(app.db())
        .await
        .unwrap();
    assert_bad_token(&reset(&app, &token, NEW_PASSWORD).await);
    for garbage in ["", "abc", &"x".repeat(43), &format!("{token}x")] {
        let body = reset(&app, garbage, NEW_PASSWORD).await;
        assert_bad_token(&body);
        assert_eq!(error_fields(&body)["token"][0], BAD_TOKEN);
    }
    app.login("dee@example.com", PASSWORD).await;
}

async fn a_weak_password_is_refused_and_the_link_still_works(app: TestApp, mail: MailServer) {
    app.register("eve@example.com").await;
    request_reset(&app, "eve@example.com").await;
    let token = mail
        .one("eve@example.com", "Reset")
        .await
        .token("reset-password");
    for weak in ["short", "eve@example.com", "password123"] {
        let body = reset(&app, &token, weak).await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(error_fields(&body)["newPassword"].is_array(), "{body}");
        assert!(error_fields(&body).get("token").is_none(), "{body}");
    }
    assert_ok(&reset(&app, &token, NEW_PASSWORD).await);
}

async fn changing_the_password_voids_a_pending_reset_link(app: TestApp, mail: MailServer) {
    let gus = app.register("gus@example.com").await;
    request_reset(&app, "gus@example.com").await;
    let token = mail
        .one("gus@example.com", "Reset")
        .await
        .token("reset-password");
    let changed = app
        .gql(
            CHANGE_PASSWORD,
            json!({ "current": PASSWORD, "new": NEW_PASSWORD }),
            Some(&gus.access),
        )
        .await;
    assert_ok(&changed);
    assert_bad_token(&reset(&app, &token, "yet another long passphrase").await);
}

/// An operator taking an account back (`create-superuser` with a password, say because its
/// mailbox was lost) leaves no link mailed before that would hand it back to the mailbox.
async fn the_operators_new_password_voids_a_pending_reset_link(app: TestApp, mail: MailServer) {
    app.register("hal@example.com").await;
    request_reset(&app, "hal@example.com").await;
    let token = mail
        .one("hal@example.com", "Reset")
        .await
        .token("reset-password");
    crate::support::services::create_superuser(&app.state, "hal@example.com", Some(NEW_PASSWORD))
        .await
        .expect("create-superuser");
    assert_bad_token(&reset(&app, &token, "yet another long passphrase").await);
    app.login("hal@example.com", NEW_PASSWORD).await;
}

async fn one_address_gets_at_most_five_reset_mails_an_hour(app: TestApp, mail: MailServer) {
    app.register("fay@example.com").await;
    for _ in 0..7 {
        request_reset(&app, "fay@example.com").await;
    }
    wait_settled(&app).await;
    let resets = mail
        .to("fay@example.com")
        .into_iter()
        .filter(|m| m.subject().contains("Reset"))
        .count();
    assert_eq!(resets, 5);
}
