//! Adding, listing, renaming and removing passkeys: what registration asks of the browser, the
//! reauthentication it needs (a stolen fresh token leaves no passkey behind), what it refuses,
//! and what the account's first passkey changes.

use serde_json::{Value, json};

use super::*;
use crate::mfa::{assert_refused, reason};
use crate::support::auth::{me, set_user_column};
use crate::support::webauthn::{Authenticator, unb64};
use crate::support::{PASSWORD, TestApp, assert_code, error_fields};
use roster::db::entities::users;
use sea_orm::sea_query::Expr;

per_backend!(
    a_passkey_is_added_after_a_reauthentication,
    the_first_passkey_ends_the_other_sessions,
    what_registration_refuses,
    an_account_holds_at_most_ten_passkeys,
    one_credential_is_one_accounts,
    passkeys_are_renamed_and_removed,
    the_last_way_in_is_not_removed,
    races_leave_one_owner_and_one_way_in,
    an_admin_reset_removes_passkeys_with_the_other_factors,
);
per_backend!(mail; the_owner_hears_of_every_passkey_added_or_removed);

/// A passkey is a way in: its owner is told when one is added or removed, whoever did it, and
/// the notice holds nothing a passkey is made of.
async fn the_owner_hears_of_every_passkey_added_or_removed(
    app: TestApp,
    mail: crate::support::smtp::MailServer,
) {
    let (tokens, device, passkey) = with_passkey(&app, "kay@example.com").await;
    let added = mail.one("kay@example.com", "A passkey was added").await;
    assert!(
        added.text().contains("remove it on your account page"),
        "{}",
        added.text()
    );
    assert!(!added.text().contains(&device.credentials[0].id_text()));
    // The session that added it reauthenticated a moment ago.
    let id = passkey["id"].as_str().unwrap();
    assert_ok(
        &app.gql(DELETE, json!({ "id": id }), Some(&tokens.access))
            .await,
    );
    let removed = mail.one("kay@example.com", "A passkey was removed").await;
    assert!(
        removed.text().contains("no longer signs in"),
        "{}",
        removed.text()
    );
}

async fn a_passkey_is_added_after_a_reauthentication(app: TestApp) {
    let tokens = app.register("ada@example.com").await;
    // A fresh sign-in is what a stolen token usually is: not enough to add a way in.
    let refused = start_registration(&app, &tokens.access).await;
    assert_refused(&refused, "FORBIDDEN", "REAUTHENTICATION_REQUIRED");
    confirm_password(&app, &tokens.access).await;
    let started = ceremony(
        &start_registration(&app, &tokens.access).await,
        "startPasskeyRegistration",
    );
    let options = &started.options["publicKey"];
    assert_eq!(options["rp"]["id"], "localhost", "{options}");
    assert_eq!(options["rp"]["name"], "Roster");
    assert_eq!(options["user"]["name"], "ada@example.com");
    assert_eq!(options["attestation"], "none");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(
        options["authenticatorSelection"]["residentKey"],
        "preferred"
    );
    assert_eq!(options["excludeCredentials"], json!([]));
    // The user handle is random, never the account's id.
    let handle = unb64(options["user"]["id"].as_str().unwrap());
    assert_eq!(handle.len(), 16);
    assert_ne!(handle, uuid(&tokens.user_id).as_bytes());
    assert!(started.options.get("mediation").is_none());

    let mut device = device(&app);
    let credential = device.create(&started.options);
    let body = finish_registration(&app, &tokens.access, &started.id, credential, None).await;
    assert_ok(&body);
    let passkey = &body["data"]["finishPasskeyRegistration"];
    assert_eq!(passkey["label"], "Passkey");
    assert_eq!(passkey["lastUsedAt"], Value::Null);
    assert_eq!(passkey["backupEligible"], false);

    let shown = app.gql(MY_PASSKEYS, json!({}), Some(&tokens.access)).await;
    assert_ok(&shown);
    assert_eq!(shown["data"]["me"]["mfaEnabled"], true);
    assert_eq!(shown["data"]["me"]["passkeys"][0]["id"], passkey["id"]);
    let rows = passkey_rows(&app, &tokens.user_id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].credential_id, device.credentials[0].id_text());
    let event = last_event(&app, "PASSKEY_ADDED", Some(&tokens.user_id)).await;
    assert_eq!(event["passkeyId"], passkey["id"]);
    assert_eq!(event["label"], "Passkey");

    // A second one excludes the first, and a synced one says so.
    let again = ceremony(
        &start_registration(&app, &tokens.access).await,
        "startPasskeyRegistration",
    );
    let excluded = &again.options["publicKey"]["excludeCredentials"];
    assert_eq!(excluded[0]["id"], json!(device.credentials[0].id_text()));
    assert_eq!(
        again.options["publicKey"]["user"]["id"],
        options["user"]["id"]
    );
    let mut phone = super::device(&app);
    phone.synced = true;
    let credential = phone.create(&again.options);
    let body =
        finish_registration(&app, &tokens.access, &again.id, credential, Some(" Phone ")).await;
    assert_ok(&body);
    let synced = &body["data"]["finishPasskeyRegistration"];
    assert_eq!(synced["label"], "Phone");
    assert_eq!(synced["backupEligible"], true);
    assert_eq!(synced["backedUp"], true);
}

async fn the_first_passkey_ends_the_other_sessions(app: TestApp) {
    let first = app.register("grace@example.com").await;
    let second = app.login("grace@example.com", PASSWORD).await;
    let mut device = device(&app);
    add_passkey(&app, &first.access, &mut device).await;
    assert_code(&me(&app, &second.access).await, "UNAUTHENTICATED");
    let sessions = crate::mfa::current_session(&app, &first.access).await;
    assert_eq!(sessions["assuranceLevel"], "AAL2", "{sessions}");
    assert_eq!(
        sessions["authenticationMethods"],
        json!(["PASSWORD", "PASSKEY"])
    );
    let event = last_event(&app, "PASSKEY_ADDED", Some(&first.user_id)).await;
    assert_eq!(event["sessionsEnded"], 1);
}

async fn what_registration_refuses(app: TestApp) {
    let tokens = app.register("edsger@example.com").await;
    let other = app.login("edsger@example.com", PASSWORD).await;
    confirm_password(&app, &tokens.access).await;
    confirm_password(&app, &other.access).await;
    let mut device = device(&app);
    let start = || async {
        ceremony(
            &start_registration(&app, &tokens.access).await,
            "startPasskeyRegistration",
        )
    };

    // An unknown ceremony.
    let started = start().await;
    let credential = device.create(&started.options);
    let unknown = "00000000-0000-4000-8000-000000000000";
    let body = finish_registration(&app, &tokens.access, unknown, credential.clone(), None).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["ceremonyId"].is_array(), "{body}");
    // Another session's ceremony is not this one's.
    let body =
        finish_registration(&app, &other.access, &started.id, credential.clone(), None).await;
    assert!(error_fields(&body)["ceremonyId"].is_array(), "{body}");
    // JSON that is no credential, and a label too long: per field, nothing spent.
    let body = finish_registration(
        &app,
        &tokens.access,
        &started.id,
        json!({ "id": "x" }),
        Some(&"x".repeat(101)),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["credential"].is_array(), "{body}");
    assert!(error_fields(&body)["label"].is_array(), "{body}");
    // The right answer: kept; then the ceremony is spent.
    let body =
        finish_registration(&app, &tokens.access, &started.id, credential.clone(), None).await;
    assert_ok(&body);
    let body = finish_registration(&app, &tokens.access, &started.id, credential, None).await;
    assert!(error_fields(&body)["ceremonyId"].is_array(), "{body}");

    // What WebAuthn refuses is "passkey not accepted" on credential, and spends the ceremony
    // (each in an account of its own: every answer costs from the account's allowance).
    let forgeries: [fn(&mut Authenticator); 3] = [
        |d| d.user_verification = false,
        |d| d.origin = "https://evil.example".into(),
        |d| d.rp_id_hash_of = Some("evil.example".into()),
    ];
    for (n, forge) in forgeries.into_iter().enumerate() {
        let forged = app.register(&format!("forged{n}@example.com")).await;
        confirm_password(&app, &forged.access).await;
        let started = ceremony(
            &start_registration(&app, &forged.access).await,
            "startPasskeyRegistration",
        );
        let mut forger = super::device(&app);
        forge(&mut forger);
        let credential = forger.create(&started.options);
        let body = finish_registration(&app, &forged.access, &started.id, credential, None).await;
        assert_code(&body, "BAD_USER_INPUT");
        assert_eq!(
            error_fields(&body)["credential"],
            json!(["passkey not accepted"]),
            "{body}"
        );
        let honest = super::device(&app).create(&started.options);
        let body = finish_registration(&app, &forged.access, &started.id, honest, None).await;
        assert!(error_fields(&body)["ceremonyId"].is_array(), "{body}");
        assert_eq!(passkey_rows(&app, &forged.user_id).await.len(), 0);
    }
    // An answer to another ceremony (its challenge) is refused.
    let first = start().await;
    let second = start().await;
    let credential = super::device(&app).create(&first.options);
    let body = finish_registration(&app, &tokens.access, &second.id, credential, None).await;
    assert_eq!(
        error_fields(&body)["credential"],
        json!(["passkey not accepted"]),
        "{body}"
    );
    assert_eq!(passkey_rows(&app, &tokens.user_id).await.len(), 1);
}

async fn an_account_holds_at_most_ten_passkeys(app: TestApp) {
    let (tokens, _, _) = with_passkey(&app, "barbara@example.com").await;
    hold(&app, &tokens.user_id, 9).await;
    // The tenth is started; an eleventh is refused at the finish as at the start.
    let started = ceremony(
        &start_registration(&app, &tokens.access).await,
        "startPasskeyRegistration",
    );
    let eleventh = ceremony(
        &start_registration(&app, &tokens.access).await,
        "startPasskeyRegistration",
    );
    let credential = device(&app).create(&started.options);
    assert_ok(&finish_registration(&app, &tokens.access, &started.id, credential, None).await);
    let credential = device(&app).create(&eleventh.options);
    let refused = finish_registration(&app, &tokens.access, &eleventh.id, credential, None).await;
    assert_refused(&refused, "CONFLICT", "LIMIT_REACHED");
    let refused = start_registration(&app, &tokens.access).await;
    assert_refused(&refused, "CONFLICT", "LIMIT_REACHED");
    assert_eq!(passkey_rows(&app, &tokens.user_id).await.len(), 10);
}

async fn one_credential_is_one_accounts(app: TestApp) {
    let (alice, device, _) = with_passkey(&app, "alice@example.com").await;
    let bob = app.register("bob@example.com").await;
    confirm_password(&app, &bob.access).await;
    let started = ceremony(
        &start_registration(&app, &bob.access).await,
        "startPasskeyRegistration",
    );
    // A device that makes Bob's credential under the id of Alice's.
    let mut copier = super::device(&app);
    copier.next_credential_id = Some(device.credentials[0].id.clone());
    let credential = copier.create(&started.options);
    let body = finish_registration(&app, &bob.access, &started.id, credential, None).await;
    assert_code(&body, "CONFLICT");
    assert_eq!(passkey_rows(&app, &bob.user_id).await.len(), 0);
    // Alice's own passkey, sent again from a copy: registered already, too (her session
    // reauthenticated a moment ago).
    let again = ceremony(
        &start_registration(&app, &alice.access).await,
        "startPasskeyRegistration",
    );
    let mut copier = super::device(&app);
    copier.next_credential_id = Some(device.credentials[0].id.clone());
    let credential = copier.create(&again.options);
    let body = finish_registration(&app, &alice.access, &again.id, credential, None).await;
    assert_code(&body, "CONFLICT");
    let event = last_event(&app, "PASSKEY_REJECTED", Some(&alice.user_id)).await;
    assert_eq!(event["sameAccount"], true);
    // A real authenticator never makes an id twice: the attempt is on record.
    let event = last_event(&app, "PASSKEY_REJECTED", Some(&bob.user_id)).await;
    assert_eq!(
        event,
        json!({ "reason": "credential_collision", "purpose": "REGISTRATION", "sameAccount": false })
    );
    assert_eq!(passkey_rows(&app, &alice.user_id).await.len(), 1);
}

async fn passkeys_are_renamed_and_removed(app: TestApp) {
    let (tokens, mut device, passkey) = with_passkey(&app, "hopper@example.com").await;
    let id = passkey["id"].as_str().unwrap();
    let renamed = app
        .gql(
            RENAME,
            json!({ "id": id, "label": "Laptop" }),
            Some(&tokens.access),
        )
        .await;
    assert_ok(&renamed);
    assert_eq!(renamed["data"]["renamePasskey"]["label"], "Laptop");
    let body = app
        .gql(
            RENAME,
            json!({ "id": id, "label": "" }),
            Some(&tokens.access),
        )
        .await;
    assert!(error_fields(&body)["label"].is_array(), "{body}");
    let body = app
        .gql(
            RENAME,
            json!({ "id": "not-an-id", "label": "Mine" }),
            Some(&tokens.access),
        )
        .await;
    assert_eq!(
        error_fields(&body)["id"],
        json!(["not a valid id"]),
        "{body}"
    );
    let body = app
        .gql(DELETE, json!({ "id": "not-an-id" }), Some(&tokens.access))
        .await;
    assert_eq!(
        error_fields(&body)["id"],
        json!(["not a valid id"]),
        "{body}"
    );
    // Another account's passkey is no passkey of this one.
    let other = app.register("other@example.com").await;
    let body = app
        .gql(
            RENAME,
            json!({ "id": id, "label": "Mine" }),
            Some(&other.access),
        )
        .await;
    assert_code(&body, "NOT_FOUND");
    confirm_password(&app, &other.access).await;
    let body = app
        .gql(DELETE, json!({ "id": id }), Some(&other.access))
        .await;
    assert_code(&body, "NOT_FOUND");

    // Removing needs a recent reauthentication (a passkey sign-in alone is fresh, not that).
    let signed_in = passkey_sign_in(&app, &mut device, None).await;
    let fresh = Tokens::from_payload(&signed_in, "finishPasskeySignIn");
    let body = app
        .gql(DELETE, json!({ "id": id }), Some(&fresh.access))
        .await;
    assert_refused(&body, "FORBIDDEN", "REAUTHENTICATION_REQUIRED");
    assert_eq!(
        body["errors"][0]["extensions"]["methods"],
        json!(["PASSKEY"]),
        "{body}"
    );
    // The account's last second factor: removed, and the account is back to its password.
    let started = ceremony(
        &app.gql(START_REAUTHENTICATION, json!({}), Some(&fresh.access))
            .await,
        "startPasskeyReauthentication",
    );
    let answer = device.get(&started.options);
    let proof = json!({ "passkey": { "ceremonyId": started.id, "credential": answer } });
    assert_ok(&reauthenticate(&app, &fresh.access, proof).await);
    let body = app
        .gql(DELETE, json!({ "id": id }), Some(&fresh.access))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["deletePasskey"], true);
    assert_eq!(passkey_rows(&app, &tokens.user_id).await.len(), 0);
    let shown = app.gql(MY_PASSKEYS, json!({}), Some(&fresh.access)).await;
    assert_eq!(shown["data"]["me"]["mfaEnabled"], false, "{shown}");
    assert_eq!(shown["data"]["me"]["passkeys"], json!([]));
    // The session that added it is gone with the passkey that may have opened it.
    assert_code(&me(&app, &tokens.access).await, "UNAUTHENTICATED");
    let event = last_event(&app, "PASSKEY_REMOVED", Some(&tokens.user_id)).await;
    assert_eq!(event["lastSecondFactor"], true);
    // The credential signs nobody in any more.
    let body = passkey_sign_in(&app, &mut device, None).await;
    assert_eq!(
        body["errors"][0]["message"], "passkey not accepted",
        "{body}"
    );
}

async fn the_last_way_in_is_not_removed(app: TestApp) {
    let (tokens, mut device, passkey) = with_passkey(&app, "lovelace@example.com").await;
    // The account's password goes, as for an account a provider made.
    set_user_column(
        &app,
        &tokens.user_id,
        users::Column::PasswordHash,
        Expr::value(Option::<String>::None),
    )
    .await;
    let signed_in = passkey_sign_in(&app, &mut device, Some("lovelace@example.com")).await;
    let session = Tokens::from_payload(&signed_in, "finishPasskeySignIn");
    let started = ceremony(
        &app.gql(START_REAUTHENTICATION, json!({}), Some(&session.access))
            .await,
        "startPasskeyReauthentication",
    );
    let answer = device.get(&started.options);
    let proof = json!({ "passkey": { "ceremonyId": started.id, "credential": answer } });
    assert_ok(&reauthenticate(&app, &session.access, proof).await);
    let id = passkey["id"].as_str().unwrap();
    let body = app
        .gql(DELETE, json!({ "id": id }), Some(&session.access))
        .await;
    assert_refused(&body, "CONFLICT", "LAST_SIGN_IN_METHOD");
    assert_eq!(reason(&body), "LAST_SIGN_IN_METHOD");
    // With a second passkey, the first may go.
    add_passkey_now(&app, &session.access, &mut super::device(&app)).await;
    assert_ok(
        &app.gql(DELETE, json!({ "id": id }), Some(&session.access))
            .await,
    );
    assert_eq!(passkey_rows(&app, &tokens.user_id).await.len(), 1);
}

/// Concurrent requests: one credential registered by two accounts at once has one owner (the
/// unique index decides, the other gets `CONFLICT`, never an internal error); two removals at
/// once of the last two ways into an account leave one (the account's lock orders them).
async fn races_leave_one_owner_and_one_way_in(app: TestApp) {
    let alice = app.register("alice@example.com").await;
    let bob = app.register("bob@example.com").await;
    confirm_password(&app, &alice.access).await;
    confirm_password(&app, &bob.access).await;
    let shared_id = vec![9u8; 16];
    let mut answers = Vec::new();
    for tokens in [&alice, &bob] {
        let started = ceremony(
            &start_registration(&app, &tokens.access).await,
            "startPasskeyRegistration",
        );
        let mut copier = super::device(&app);
        copier.next_credential_id = Some(shared_id.clone());
        answers.push((started.id, copier.create(&started.options)));
    }
    let (first, second) = tokio::join!(
        finish_registration(
            &app,
            &alice.access,
            &answers[0].0,
            answers[0].1.clone(),
            None
        ),
        finish_registration(&app, &bob.access, &answers[1].0, answers[1].1.clone(), None),
    );
    let kept: Vec<&Value> = [&first, &second]
        .into_iter()
        .filter(|body| body["errors"].is_null())
        .collect();
    assert_eq!(kept.len(), 1, "{first}\n{second}");
    for body in [&first, &second] {
        if !body["errors"].is_null() {
            assert_code(body, "CONFLICT");
        }
    }
    let owners = passkey_rows(&app, &alice.user_id).await.len()
        + passkey_rows(&app, &bob.user_id).await.len();
    assert_eq!(owners, 1);

    // An account whose only ways in are two passkeys removes both at once: one stays.
    let (tokens, _, first) = with_passkey(&app, "carol@example.com").await;
    let second = add_passkey_now(&app, &tokens.access, &mut super::device(&app)).await;
    set_user_column(
        &app,
        &tokens.user_id,
        users::Column::PasswordHash,
        Expr::value(Option::<String>::None),
    )
    .await;
    let (one, two) = tokio::join!(
        app.gql(DELETE, json!({ "id": first["id"] }), Some(&tokens.access)),
        app.gql(DELETE, json!({ "id": second["id"] }), Some(&tokens.access)),
    );
    let removed = [&one, &two]
        .into_iter()
        .filter(|body| body["errors"].is_null())
        .count();
    assert_eq!(removed, 1, "{one}\n{two}");
    for body in [&one, &two] {
        if !body["errors"].is_null() {
            assert_refused(body, "CONFLICT", "LAST_SIGN_IN_METHOD");
        }
    }
    assert_eq!(passkey_rows(&app, &tokens.user_id).await.len(), 1);
}

per_backend!(
    settings = |s| s.require_mfa = roster::config::RequireMfa::All;
    a_passkey_is_enough_for_require_mfa,
);

/// `--require-mfa`: an account without a second factor may register a passkey (it is one), and
/// then reaches everything; its last passkey cannot go.
async fn a_passkey_is_enough_for_require_mfa(app: TestApp) {
    const MY_EVENTS: &str = "{ myAuditEvents { totalCount } }";
    let tokens = app.register("ada@example.com").await;
    let body = app.gql(MY_EVENTS, json!({}), Some(&tokens.access)).await;
    assert_refused(&body, "FORBIDDEN", "MFA_ENROLLMENT_REQUIRED");
    let passkey = add_passkey(&app, &tokens.access, &mut device(&app)).await;
    assert_ok(&app.gql(MY_EVENTS, json!({}), Some(&tokens.access)).await);
    let id = passkey["id"].as_str().unwrap();
    let body = app
        .gql(DELETE, json!({ "id": id }), Some(&tokens.access))
        .await;
    assert_refused(&body, "FORBIDDEN", "MFA_ENROLLMENT_REQUIRED");
    assert_eq!(passkey_rows(&app, &tokens.user_id).await.len(), 1);
}

/// Someone who lost the device that holds their passkey: an ADMIN's `resetUserMfa` removes
/// passkeys with the authenticator apps, and the password alone signs in again.
async fn an_admin_reset_removes_passkeys_with_the_other_factors(app: TestApp) {
    let (tokens, mut device, _) = with_passkey(&app, "lost@example.com").await;
    let admin = app.admin("root@example.com").await;
    confirm_password(&app, &admin.access).await;
    let body = app
        .gql(
            crate::mfa::RESET_USER_MFA,
            json!({ "id": tokens.user_id }),
            Some(&admin.access),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["resetUserMfa"]["mfaEnabled"], false);
    assert_eq!(passkey_rows(&app, &tokens.user_id).await.len(), 0);
    let event = last_event(&app, "MFA_RESET", Some(&tokens.user_id)).await;
    assert_eq!(event["passkeysRemoved"], 1);
    // The passkey left on the device opens nothing; the password opens a session.
    let body = passkey_sign_in(&app, &mut device, None).await;
    assert_eq!(
        body["errors"][0]["message"], "passkey not accepted",
        "{body}"
    );
    app.login("lost@example.com", PASSWORD).await;
}

per_backend!(
    settings = |s| s.require_verified_email = true;
    an_unverified_address_adds_no_passkey,
);

/// Under `--require-verified-email`, an account whose address is unproved adds no passkey,
/// reauthenticated or not: its token serves only verifying it.
async fn an_unverified_address_adds_no_passkey(app: TestApp) {
    let tokens = app.register("unproved@example.com").await;
    confirm_password(&app, &tokens.access).await;
    let body = start_registration(&app, &tokens.access).await;
    assert_refused(&body, "FORBIDDEN", "EMAIL_NOT_VERIFIED");
    let body = finish_registration(
        &app,
        &tokens.access,
        "00000000-0000-4000-8000-000000000000",
        json!({}),
        None,
    )
    .await;
    assert_refused(&body, "FORBIDDEN", "EMAIL_NOT_VERIFIED");
    use roster::db::entities::passkey_ceremonies;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let ceremonies = passkey_ceremonies::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(ceremonies, 0);
    assert_eq!(passkey_rows(&app, &tokens.user_id).await.len(), 0);
}
