//! Findings 1 and 2: an account's address is a credential (its reset links go there). Neither a
//! holder of `users.update` nor a stolen access token can move it to where a reset link would
//! hand the account over.

use serde_json::json;

use super::subjects_to;
use crate::support::admin::{Admin, UPDATE_USER};
use crate::support::documents::{ME, REQUEST_RESET, RESET, UPDATE_PROFILE, VERIFY};
use crate::support::smtp::MailServer;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, error_fields};

const RESET_SUBJECT: &str = "Reset your password";

/// The review's chain: a helpdesk account (`users.update`) moves an auditor's address to its
/// own, vouches for it, asks for a reset and redeems it. Every step that would help is refused,
/// and no reset link reaches the helpdesk's address.
async fn a_user_manager_cannot_take_over_an_account_holding_more(app: TestApp, mail: MailServer) {
    let admin = Admin::new(&app, "root@example.com").await;
    let helpdesk = admin
        .user_holding("helpdesk@example.com", &["users.view", "users.update"])
        .await;
    let auditor = admin
        .user_holding(
            "auditor@example.com",
            &["audit.view", "groups.manage", "users.delete", "users.view"],
        )
        .await;

    // The auditor proved its address (an ADMIN vouches here).
    let vouch = json!({ "id": auditor.id(), "input": { "emailVerified": true } });
    assert_ok(&admin.call(UPDATE_USER, vouch).await);
    for input in [
        json!({ "email": "mine@example.com", "emailVerified": true }),
        json!({ "email": "mine@example.com" }),
        json!({ "emailVerified": false }),
    ] {
        let body = helpdesk
            .call(UPDATE_USER, json!({ "id": auditor.id(), "input": input }))
            .await;
        assert_code(&body, "FORBIDDEN");
    }
    let row = admin.user(auditor.id()).await;
    assert_eq!(row["email"], "auditor@example.com");
    // Other fields of the same account stay within the helpdesk's reach.
    let body = helpdesk
        .call(
            UPDATE_USER,
            json!({ "id": auditor.id(), "input": { "firstName": "Audrey" } }),
        )
        .await;
    assert_ok(&body);

    // The rest of the chain finds nothing to redeem.
    let body = app
        .gql(REQUEST_RESET, json!({ "email": "mine@example.com" }), None)
        .await;
    assert_eq!(body["data"]["requestPasswordReset"], true);
    assert!(
        subjects_to(&app, &mail, "mine@example.com")
            .await
            .is_empty()
    );
    let body = app
        .gql(
            RESET,
            json!({ "token": "guessed", "password": "a takeover passphrase 1" }),
            None,
        )
        .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(body["data"].is_null(), "tokens came back: {body}");
}

/// A holder of `users.update` may still move the address of an account holding nothing it
/// lacks (it could grant itself no more that way), but may not vouch for it: the new address
/// receives no reset link until its owner opens the confirmation link.
async fn a_moved_address_gets_no_reset_link_until_proved(app: TestApp, mail: MailServer) {
    let admin = Admin::new(&app, "root@example.com").await;
    let helpdesk = admin
        .user_holding("helpdesk@example.com", &["users.view", "users.update"])
        .await;
    let carol = crate::support::admin::Actor::register(&app, "carol@example.com").await;

    let vouch = json!({ "id": carol.id(), "input": { "email": "moved@example.com", "emailVerified": true } });
    assert_code(&helpdesk.call(UPDATE_USER, vouch).await, "FORBIDDEN");
    let moved = json!({ "id": carol.id(), "input": { "email": "moved@example.com" } });
    let body = helpdesk.call(UPDATE_USER, moved).await;
    assert_ok(&body);
    assert_eq!(body["data"]["updateUser"]["email"], "moved@example.com");

    let ask = json!({ "email": "moved@example.com" });
    assert_ok(&app.gql(REQUEST_RESET, ask.clone(), None).await);
    let subjects = subjects_to(&app, &mail, "moved@example.com").await;
    assert!(
        !subjects.iter().any(|s| s == RESET_SUBJECT),
        "a reset link went to an unproven address: {subjects:?}"
    );
    // The old address heard of the change.
    let notices = subjects_to(&app, &mail, "carol@example.com").await;
    assert!(
        notices.iter().any(|s| s.contains("was changed")),
        "{notices:?}"
    );

    // Proved, the address is the account's like any other.
    let confirm = mail.one("moved@example.com", "Confirm").await;
    let proved = json!({ "token": confirm.token("verify-email") });
    assert_ok(&app.gql(VERIFY, proved, None).await);
    assert_ok(&app.gql(REQUEST_RESET, ask, None).await);
    let link = mail.one("moved@example.com", RESET_SUBJECT).await;
    let redeemed = app
        .gql(
            RESET,
            json!({ "token": link.token("reset-password"), "password": "a proved new passphrase" }),
            None,
        )
        .await;
    assert_ok(&redeemed);
}

/// A stolen 15-minute access token cannot move the address (and with it every reset link):
/// the change needs the current password. The owner, who knows it, can.
async fn a_stolen_access_token_cannot_move_the_address(app: TestApp, mail: MailServer) {
    let ada = app.register("ada@example.com").await;
    let thief = |input: serde_json::Value| {
        let token = ada.access.clone();
        let app = &app;
        async move {
            app.gql(UPDATE_PROFILE, json!({ "input": input }), Some(&token))
                .await
        }
    };
    let body = thief(json!({ "email": "thief@example.com" })).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert_eq!(
        error_fields(&body)["currentPassword"],
        json!(["is required to change the email"])
    );
    let body =
        thief(json!({ "email": "thief@example.com", "currentPassword": "a guess at it" })).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert_eq!(
        error_fields(&body)["currentPassword"],
        json!(["is incorrect"])
    );
    // Nothing changed, not even the fields sent along.
    let body = thief(json!({ "email": "thief@example.com", "firstName": "Thief" })).await;
    assert_code(&body, "BAD_USER_INPUT");
    let me = app
        .gql("{ me { email firstName } }", json!({}), Some(&ada.access))
        .await;
    assert_eq!(
        me["data"]["me"],
        json!({ "email": "ada@example.com", "firstName": null })
    );
    // The rest of the chain: a reset asked for the thief's address reaches nobody.
    assert_ok(
        &app.gql(REQUEST_RESET, json!({ "email": "thief@example.com" }), None)
            .await,
    );
    assert!(
        subjects_to(&app, &mail, "thief@example.com")
            .await
            .is_empty()
    );

    // Other fields need no password; the same email sent back is no change.
    let body = thief(json!({ "email": "ADA@example.com", "firstName": "Ada" })).await;
    assert_ok(&body);

    // The owner moves it with her password: unverified, and no reset link there until proved.
    let body = thief(json!({ "email": "ada.new@example.com", "currentPassword": PASSWORD })).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["updateProfile"]["email"],
        "ada.new@example.com"
    );
    assert_ok(
        &app.gql(
            REQUEST_RESET,
            json!({ "email": "ada.new@example.com" }),
            None,
        )
        .await,
    );
    let subjects = subjects_to(&app, &mail, "ada.new@example.com").await;
    assert_eq!(subjects, ["Confirm your email address"], "{subjects:?}");
}

/// `updateUser` is no way around `updateProfile`'s password: a holder of `users.update` cannot
/// move its own address with it, nor vouch for its own address.
async fn user_managers_change_their_own_address_only_with_their_password(
    app: TestApp,
    _mail: MailServer,
) {
    let admin = Admin::new(&app, "root@example.com").await;
    let helpdesk = admin
        .user_holding("helpdesk@example.com", &["users.view", "users.update"])
        .await;
    let own = json!({ "id": helpdesk.id(), "input": { "email": "elsewhere@example.com" } });
    assert_code(&helpdesk.call(UPDATE_USER, own).await, "FORBIDDEN");
    let vouch = json!({ "id": helpdesk.id(), "input": { "emailVerified": true } });
    assert_code(&helpdesk.call(UPDATE_USER, vouch).await, "FORBIDDEN");
    // An ADMIN may vouch for another account's address.
    let vouch = json!({ "id": helpdesk.id(), "input": { "emailVerified": true } });
    let body = admin.call(UPDATE_USER, vouch).await;
    assert_ok(&body);
    let row = admin
        .ok(
            "query($id: ID!) { user(id: $id) { emailVerified } }",
            json!({ "id": helpdesk.id() }),
        )
        .await;
    assert_eq!(row["user"]["emailVerified"], true);
}

/// Only an ADMIN vouches for an address when creating an account, as when editing one.
async fn only_an_admin_creates_an_account_with_a_verified_address(app: TestApp, mail: MailServer) {
    let admin = Admin::new(&app, "root@example.com").await;
    let creator = admin
        .user_holding("creator@example.com", &["users.create"])
        .await;
    let create =
        "mutation($input: CreateUserInput!) { createUser(input: $input) { id emailVerified } }";
    let input = |email: &str, verified: bool| json!({ "input": { "email": email, "password": PASSWORD, "emailVerified": verified } });
    let body = creator
        .call(create, input("victim@example.com", true))
        .await;
    assert_code(&body, "FORBIDDEN");
    let body = creator
        .call(create, input("victim@example.com", false))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["createUser"]["emailVerified"], false);
    let body = admin.call(create, input("vouched@example.com", true)).await;
    assert_eq!(body["data"]["createUser"]["emailVerified"], true, "{body}");
    // The refused creation left nothing behind: one confirmation mail, for the second.
    let subjects = subjects_to(&app, &mail, "victim@example.com").await;
    assert_eq!(subjects, ["Confirm your email address"]);
}

/// `create-superuser` without a password does not promote an account whose address an email
/// change set and nobody proved: whoever changed it would become an ADMIN. With a password, the
/// operator takes the account over (its sessions end).
async fn create_superuser_does_not_promote_an_unproven_moved_address(
    app: TestApp,
    _mail: MailServer,
) {
    let mallory = app.register("mallory@example.com").await;
    let moved = json!({ "input": { "email": "ops@example.com", "currentPassword": PASSWORD } });
    assert_ok(&app.gql(UPDATE_PROFILE, moved, Some(&mallory.access)).await);
    let refused = crate::support::services::create_superuser(&app.state, "ops@example.com", None)
        .await
        .expect_err("promoted an unproven address");
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    let me = app.gql(ME, json!({}), Some(&mallory.access)).await;
    assert_eq!(me["data"]["me"]["role"], "USER");
    let (user, created) = crate::support::services::create_superuser(
        &app.state,
        "ops@example.com",
        Some("the operator's own passphrase"),
    )
    .await
    .unwrap_or_else(|e| panic!("{}", e.message()));
    assert!(!created);
    assert_eq!(user.role, roster::db::entities::users::Role::Admin);
    crate::support::auth::assert_refused(&app, &mallory.access).await;
}

/// Five reset mails an hour are counted per address and asking client: a stranger asking
/// first does not use up the owner's.
async fn nobody_can_use_up_another_persons_resets(app: TestApp, mail: MailServer) {
    app.register("ada@example.com").await;
    let ask = json!({ "email": "ada@example.com" });
    for _ in 0..7 {
        let body = app
            .gql_from("198.51.100.7", REQUEST_RESET, ask.clone())
            .await;
        assert_eq!(body["data"]["requestPasswordReset"], true);
    }
    let resets = |subjects: Vec<String>| subjects.iter().filter(|s| *s == RESET_SUBJECT).count();
    assert_eq!(resets(subjects_to(&app, &mail, "ada@example.com").await), 5);
    let body = app.gql_from("203.0.113.9", REQUEST_RESET, ask).await;
    assert_eq!(body["data"]["requestPasswordReset"], true);
    assert_eq!(resets(subjects_to(&app, &mail, "ada@example.com").await), 6);
}

per_backend!(mail, addresses; a_user_manager_cannot_take_over_an_account_holding_more,
    a_moved_address_gets_no_reset_link_until_proved,
    a_stolen_access_token_cannot_move_the_address,
    user_managers_change_their_own_address_only_with_their_password,
    nobody_can_use_up_another_persons_resets,
    only_an_admin_creates_an_account_with_a_verified_address,
    create_superuser_does_not_promote_an_unproven_moved_address,
);
