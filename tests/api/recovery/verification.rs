//! Email verification: the mail `register` and `createUser` send, `verifyEmail`,
//! `sendVerificationEmail` and its hourly limit, what an email change does, the
//! administrator's `emailVerified`, and `--require-verified-email`.

use roster::db::entities::{mail_outbox, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::assert_bad_token;
use crate::support::auth::refresh;
use crate::support::documents::{ME, SEND_VERIFICATION, VERIFY};
use crate::support::outbox::wait_settled;
use crate::support::smtp::{MailServer, PUBLIC_URL};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, retry_after, uuid};

per_backend!(mail; registering_sends_a_link_that_verifies_the_address_once,
    another_link_voids_the_older_ones_and_five_an_hour_is_the_limit,
    a_verified_address_gets_no_more_links,
    changing_the_email_unverifies_it_mails_the_new_address_and_tells_the_old,
    a_link_to_a_previous_address_no_longer_verifies,
    administrators_set_and_filter_email_verified,
);

async fn verify(app: &TestApp, token: &str) -> serde_json::Value {
    app.gql(VERIFY, json!({ "token": token }), None).await
}

async fn me(app: &TestApp, access: &str) -> serde_json::Value {
    let body = app.gql(ME, json!({}), Some(access)).await;
    assert_ok(&body);
    body["data"]["me"].clone()
}

async fn registering_sends_a_link_that_verifies_the_address_once(app: TestApp, mail: MailServer) {
    let ada = app.register("ada@example.com").await;
    assert_eq!(me(&app, &ada.access).await["emailVerified"], false);
    let message = mail
        .one("ada@example.com", "Confirm your email address")
        .await;
    let text = message.text();
    assert!(
        message
            .link("verify-email")
            .starts_with(&format!("{PUBLIC_URL}/verify-email?token=")),
        "{text}"
    );
    assert!(text.contains("24 hours"), "{text}");
    assert!(text.contains("ignore this mail"), "{text}");

    // No session needed: the link may be opened on another device.
    let token = message.token("verify-email");
    let body = verify(&app, &token).await;
    assert_ok(&body);
    assert_eq!(body["data"]["verifyEmail"], true);
    assert_eq!(me(&app, &ada.access).await["emailVerified"], true);
    assert_bad_token(&verify(&app, &token).await);
}

async fn another_link_voids_the_older_ones_and_five_an_hour_is_the_limit(
    app: TestApp,
    mail: MailServer,
) {
    let bob = app.register("bob@example.com").await;
    // Registration sent the first of the five.
    for _ in 0..4 {
        let body = app
            .gql(SEND_VERIFICATION, json!({}), Some(&bob.access))
            .await;
        assert_ok(&body);
        assert_eq!(body["data"]["sendVerificationEmail"], true);
    }
    let refused = app
        .gql(SEND_VERIFICATION, json!({}), Some(&bob.access))
        .await;
    let wait = retry_after(&refused);
    assert!((3500..=3601).contains(&wait), "{refused}");

    let mails = mail.wait_for("bob@example.com", 5).await;
    wait_settled(&app).await;
    assert_eq!(mail.to("bob@example.com").len(), 5);
    // Each mail voided the one before; only the last link works.
    for older in &mails[..4] {
        assert_bad_token(&verify(&app, &older.token("verify-email")).await);
    }
    assert_ok(&verify(&app, &mails[4].token("verify-email")).await);
}

async fn a_verified_address_gets_no_more_links(app: TestApp, mail: MailServer) {
    let admin = app.admin("root@example.com").await;
    let body = app
        .gql(SEND_VERIFICATION, json!({}), Some(&admin.access))
        .await;
    assert_eq!(body["data"]["sendVerificationEmail"], false, "{body}");
    let anonymous = app.gql(SEND_VERIFICATION, json!({}), None).await;
    assert_code(&anonymous, "UNAUTHENTICATED");
    wait_settled(&app).await;
    assert!(mail.to("root@example.com").is_empty());

    // An existing account that `create-superuser` makes an ADMIN is verified too.
    let promoted = app.register("promoted@example.com").await;
    assert_eq!(me(&app, &promoted.access).await["emailVerified"], false);
    crate::support::services::create_superuser(&app.state, "promoted@example.com", None)
        .await
        .unwrap_or_else(|e| panic!("create_superuser: {}", e.message()));
    assert_eq!(me(&app, &promoted.access).await["emailVerified"], true);
}

async fn changing_the_email_unverifies_it_mails_the_new_address_and_tells_the_old(
    app: TestApp,
    mail: MailServer,
) {
    let cy = app.register("cy@example.com").await;
    let first = mail.one("cy@example.com", "Confirm").await;
    assert_ok(&verify(&app, &first.token("verify-email")).await);

    let body = app
        .gql(
            "mutation($p: String) { updateProfile(input: { email: \"cy.new@example.com\", currentPassword: $p }) { email emailVerified } }",
            json!({ "p": PASSWORD }),
            Some(&cy.access),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["updateProfile"],
        json!({ "email": "cy.new@example.com", "emailVerified": false })
    );
    let notice = mail
        .one("cy@example.com", "Your email address was changed")
        .await;
    assert!(notice.text().contains("cy.new@example.com"));
    assert!(notice.text().contains("If it wasn't you"));
    let link = mail.one("cy.new@example.com", "Confirm").await;
    assert_ok(&verify(&app, &link.token("verify-email")).await);
    assert_eq!(me(&app, &cy.access).await["emailVerified"], true);
}

async fn a_link_to_a_previous_address_no_longer_verifies(app: TestApp, mail: MailServer) {
    let dee = app.register("dee@example.com").await;
    let old_link = mail.one("dee@example.com", "Confirm").await;
    let body = app
        .gql(
            "mutation($p: String) { updateProfile(input: { email: \"dee.new@example.com\", currentPassword: $p }) { id } }",
            json!({ "p": PASSWORD }),
            Some(&dee.access),
        )
        .await;
    assert_ok(&body);
    mail.one("dee.new@example.com", "Confirm").await;
    assert_bad_token(&verify(&app, &old_link.token("verify-email")).await);
    assert_eq!(me(&app, &dee.access).await["emailVerified"], false);
}

async fn administrators_set_and_filter_email_verified(app: TestApp, mail: MailServer) {
    let admin = app.admin("root@example.com").await;
    let create =
        "mutation($input: CreateUserInput!) { createUser(input: $input) { id emailVerified } }";
    let vouched = app
        .gql(
            create,
            json!({ "input": { "email": "vouched@example.com", "password": PASSWORD, "emailVerified": true } }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&vouched);
    assert_eq!(vouched["data"]["createUser"]["emailVerified"], true);
    let plain = app
        .gql(
            create,
            json!({ "input": { "email": "plain@example.com", "password": PASSWORD } }),
            Some(&admin.access),
        )
        .await;
    assert_eq!(
        plain["data"]["createUser"]["emailVerified"], false,
        "{plain}"
    );
    mail.one("plain@example.com", "Confirm").await;
    wait_settled(&app).await;
    assert!(mail.to("vouched@example.com").is_empty());
    let queued_for_vouched = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Recipient.eq("vouched@example.com"))
        .all(app.db())
        .await
        .unwrap();
    assert!(queued_for_vouched.is_empty());

    let list = "query($v: Boolean) { users(filter: { emailVerified: $v }, orderBy: { field: EMAIL, direction: ASC }) { nodes { email } } }";
    let unverified = app
        .gql(list, json!({ "v": false }), Some(&admin.access))
        .await;
    assert_eq!(
        unverified["data"]["users"]["nodes"],
        json!([{ "email": "plain@example.com" }]),
        "{unverified}"
    );
    let verified = app
        .gql(list, json!({ "v": true }), Some(&admin.access))
        .await;
    assert_eq!(
        verified["data"]["users"]["nodes"],
        json!([{ "email": "root@example.com" }, { "email": "vouched@example.com" }]),
        "create-superuser's ADMIN is verified: {verified}"
    );

    // An administrator may vouch for an address later, or ask for it to be proved again.
    let update = "mutation($id: ID!, $v: Boolean) { updateUser(id: $id, input: { emailVerified: $v }) { emailVerified } }";
    let plain_id = plain["data"]["createUser"]["id"].as_str().unwrap();
    let body = app
        .gql(
            update,
            json!({ "id": plain_id, "v": true }),
            Some(&admin.access),
        )
        .await;
    assert_eq!(body["data"]["updateUser"]["emailVerified"], true, "{body}");
    let stored = users::Entity::find_by_id(uuid(plain_id))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.email_verified);
    let body = app
        .gql(
            update,
            json!({ "id": plain_id, "v": false }),
            Some(&admin.access),
        )
        .await;
    assert_eq!(body["data"]["updateUser"]["emailVerified"], false, "{body}");
    let again = mail.wait_for("plain@example.com", 2).await;
    assert!(again[1].subject().contains("Confirm"));
}

per_backend!(
    mail, settings = |s| s.require_verified_email = true;
    the_require_verified_mode,
);

/// `--require-verified-email`: an unverified token serves only API.md's list.
async fn the_require_verified_mode(app: TestApp, mail: MailServer) {
    app.register("eve@example.com").await;
    // Logging in and refreshing still work.
    let eve = app.login("eve@example.com", PASSWORD).await;
    let refreshed = refresh(&app, &eve.refresh).await;
    assert_ok(&refreshed);
    let access = refreshed["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap();

    let allowed = "query { me { emailVerified } mySessions { id } __typename }";
    let body = app.gql(allowed, json!({}), Some(access)).await;
    assert_ok(&body);
    for forbidden in [
        format!("{{ user(id: \"{}\") {{ email }} }}", eve.user_id),
        format!("{{ renamed: user(id: \"{}\") {{ email }} }}", eve.user_id),
        "{ permissions { codename } }".to_owned(),
        "mutation { changePassword(currentPassword: \"correct horse battery staple\", newPassword: \"another long passphrase\") { accessToken } }".to_owned(),
    ] {
        let body = app.gql(&forbidden, json!({}), Some(access)).await;
        assert_code(&body, "FORBIDDEN");
        assert_eq!(
            body["errors"][0]["extensions"]["reason"], "EMAIL_NOT_VERIFIED",
            "{forbidden}: {body}"
        );
    }
    // Anonymous requests are judged as always; the listed mutations work.
    assert_code(
        &app.gql("{ permissions { codename } }", json!({}), None)
            .await,
        "UNAUTHENTICATED",
    );
    let body = app.gql(SEND_VERIFICATION, json!({}), Some(access)).await;
    assert_eq!(body["data"]["sendVerificationEmail"], true, "{body}");

    // Nor does an unverified account's role or permissions reach further down: an
    // unverified ADMIN sees no other member of its group through `me`.
    let root = app.admin("root@example.com").await;
    let group = app
        .gql(
            "mutation { createGroup(input: { name: \"staff\" }) { id } }",
            json!({}),
            Some(&root.access),
        )
        .await;
    let group_id = group["data"]["createGroup"]["id"].as_str().unwrap();
    let boss = app
        .gql(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
            json!({ "input": { "email": "boss@example.com", "password": PASSWORD, "role": "ADMIN", "groupIds": [group_id] } }),
            Some(&root.access),
        )
        .await;
    assert_ok(&boss);
    let boss = app.login("boss@example.com", PASSWORD).await;
    let nested = app
        .gql(
            "{ me { email groups { name members { nodes { email } } } } }",
            json!({}),
            Some(&boss.access),
        )
        .await;
    assert_code(&nested, "FORBIDDEN");
    assert!(!nested.to_string().contains("root@example.com"), "{nested}");
    assert_eq!(
        nested["errors"][0]["path"],
        json!(["me", "groups", 0, "members"]),
        "{nested}"
    );

    let links = mail.wait_for("eve@example.com", 2).await;
    assert_ok(&verify(&app, &links[1].token("verify-email")).await);
    let body = app
        .gql(
            &format!("{{ user(id: \"{}\") {{ email }} }}", eve.user_id),
            json!({}),
            Some(access),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["user"]["email"], "eve@example.com");
}
