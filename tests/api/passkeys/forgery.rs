//! What no browser sends, each refused: another origin, another RP ID hash, an answer to
//! another ceremony, a ceremony finished twice (one after the other and both at once), no user
//! verification, a counter going backwards, another account's credential, another key's
//! signature, another account's user handle. Each refusal is one answer from outside and a
//! reason in the audit log.

use serde_json::{Value, json};

use super::*;
use crate::mfa::assert_refused;
use crate::support::webauthn::{Authenticator, b64, unb64};
use crate::support::{TestApp, assert_code};

per_backend!(
    forged_answers_are_refused,
    a_ceremony_is_finished_once,
    a_counter_going_backwards_is_refused,
    another_accounts_credential_opens_nothing,
);

/// Asserts `body` is the one refusal of a sign-in assertion, recorded for `user_id` with
/// `reason`.
async fn assert_not_accepted(app: &TestApp, body: &Value, user_id: Option<&str>, reason: &str) {
    assert_code(body, "UNAUTHENTICATED");
    assert_eq!(
        body["errors"][0]["message"], "passkey not accepted",
        "{body}"
    );
    assert!(
        body["errors"][0]["extensions"].get("reason").is_none(),
        "{body}"
    );
    assert!(body["data"].is_null(), "{body}");
    let event = last_event(app, "PASSKEY_REJECTED", user_id).await;
    assert_eq!(event["reason"], reason, "{event}");
}

/// What a test changes of the browser, or of the options it is given.
type Forgery = dyn FnOnce(&mut Authenticator, &mut Value);

/// Signs in (discoverably) with what `forge` makes of `device`'s answer.
async fn forged_sign_in(
    app: &TestApp,
    device: &mut Authenticator,
    forge: impl FnOnce(&mut Authenticator, &mut Value),
) -> Value {
    let started = ceremony(&start_sign_in(app, None).await, "startPasskeySignIn");
    let mut options = started.options.clone();
    let mut forger = Authenticator {
        credentials: device.credentials.clone(),
        ..Authenticator::new(&device.origin)
    };
    forge(&mut forger, &mut options);
    let answer = forger.get(&options);
    finish_sign_in(app, &started.id, answer).await
}

async fn forged_answers_are_refused(app: TestApp) {
    let (tokens, mut device, _) = with_passkey(&app, "ada@example.com").await;
    let ada = Some(tokens.user_id.as_str());
    let cases: Vec<(&str, Box<Forgery>)> = vec![
        (
            "origin",
            Box::new(|d, _| d.origin = "https://localhost.evil.example".into()),
        ),
        (
            "origin",
            Box::new(|d, _| d.origin = "http://localhost:1".into()),
        ),
        (
            "rp_id",
            Box::new(|d, _| d.rp_id_hash_of = Some("evil.example".into())),
        ),
        (
            "user_verification",
            Box::new(|d, _| d.user_verification = false),
        ),
        (
            "challenge",
            Box::new(|_, options| options["publicKey"]["challenge"] = json!(b64(&[7u8; 32]))),
        ),
    ];
    for (reason, forge) in cases {
        let body = forged_sign_in(&app, &mut device, forge).await;
        assert_not_accepted(&app, &body, ada, reason).await;
    }
    // Another key's signature over the right data.
    let started = ceremony(&start_sign_in(&app, None).await, "startPasskeySignIn");
    let mut answer = device.get(&started.options);
    let mut stranger = super::device(&app);
    let other = stranger.create(&json!({ "publicKey": {
        "rp": { "id": "localhost", "name": "x" },
        "challenge": b64(&[1u8; 32]),
        "user": { "id": b64(&[2u8; 16]), "name": "x", "displayName": "x" },
        "authenticatorSelection": { "residentKey": "required" },
    }}));
    assert!(other["id"].is_string());
    let mut signer = stranger.credentials[0].clone();
    signer.id = device.credentials[0].id.clone();
    signer.user_handle = device.credentials[0].user_handle.clone();
    signer.counter = device.credentials[0].counter;
    let mut impostor = Authenticator {
        credentials: vec![signer],
        ..super::device(&app)
    };
    let resigned = impostor.get(&started.options);
    answer["response"]["signature"] = resigned["response"]["signature"].clone();
    let body = finish_sign_in(&app, &started.id, answer).await;
    assert_not_accepted(&app, &body, ada, "signature").await;
    // An unknown credential: refused, recorded with no account.
    let body = passkey_sign_in(&app, &mut stranger, None).await;
    assert_not_accepted(&app, &body, None, "unknown_credential").await;
    // JSON that is no credential: a field error, nothing spent.
    let started = ceremony(&start_sign_in(&app, None).await, "startPasskeySignIn");
    let body = finish_sign_in(&app, &started.id, json!({ "id": 1 })).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(
        crate::support::error_fields(&body)["credential"].is_array(),
        "{body}"
    );
    let answer = device.get(&started.options);
    assert_ok(&finish_sign_in(&app, &started.id, answer).await);
    // Through it all, the honest answer still works, and no forged one opened a session.
    let sessions = crate::support::auth::session_rows(&app, &tokens.user_id).await;
    assert_eq!(
        sessions.len(),
        2,
        "the registering session and the honest sign-in"
    );
}

async fn a_ceremony_is_finished_once(app: TestApp) {
    let (tokens, mut device, _) = with_passkey(&app, "grace@example.com").await;
    // Replayed: the same answer to the same ceremony again.
    let started = ceremony(&start_sign_in(&app, None).await, "startPasskeySignIn");
    let answer = device.get(&started.options);
    assert_ok(&finish_sign_in(&app, &started.id, answer.clone()).await);
    let replayed = finish_sign_in(&app, &started.id, answer).await;
    assert_refused(&replayed, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");
    // A wrong answer spends it too: the right one after it comes too late.
    let started = ceremony(&start_sign_in(&app, None).await, "startPasskeySignIn");
    let mut sleepy = Authenticator {
        credentials: device.credentials.clone(),
        user_verification: false,
        ..super::device(&app)
    };
    let wrong = sleepy.get(&started.options);
    assert_code(
        &finish_sign_in(&app, &started.id, wrong).await,
        "UNAUTHENTICATED",
    );
    let right = device.get(&started.options);
    let late = finish_sign_in(&app, &started.id, right).await;
    assert_refused(&late, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");
    // Both at once: exactly one session.
    let started = ceremony(&start_sign_in(&app, None).await, "startPasskeySignIn");
    let answer = device.get(&started.options);
    let (first, second) = tokio::join!(
        finish_sign_in(&app, &started.id, answer.clone()),
        finish_sign_in(&app, &started.id, answer),
    );
    let opened = [&first, &second]
        .iter()
        .filter(|body| body["errors"].is_null())
        .count();
    assert_eq!(opened, 1, "{first}\n{second}");
    for body in [&first, &second] {
        if !body["errors"].is_null() {
            assert_refused(body, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");
        }
    }
    // An unknown or malformed ceremony id, and one expired.
    for id in ["00000000-0000-4000-8000-000000000000", "not an id"] {
        let body = finish_sign_in(&app, id, device.get(&started.options)).await;
        assert_refused(&body, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");
    }
    let started = ceremony(&start_sign_in(&app, None).await, "startPasskeySignIn");
    use roster::db::entities::passkey_ceremonies;
    use sea_orm::sea_query::Expr;
    passkey_ceremonies::Entity::update_many()
        .col_expr(
            passkey_ceremonies::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(passkey_ceremonies::Column::Id.eq(uuid(&started.id)))
        .exec(app.db())
        .await
        .unwrap();
    let body = finish_sign_in(&app, &started.id, device.get(&started.options)).await;
    assert_refused(&body, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");
    let sessions = crate::support::auth::session_rows(&app, &tokens.user_id).await;
    assert_eq!(
        sessions.len(),
        3,
        "the registering session and two sign-ins"
    );
}

async fn a_counter_going_backwards_is_refused(app: TestApp) {
    let (tokens, mut device, _) = with_passkey(&app, "hopper@example.com").await;
    assert_ok(&passkey_sign_in(&app, &mut device, None).await);
    assert_ok(&passkey_sign_in(&app, &mut device, None).await);
    let stored = passkey_rows(&app, &tokens.user_id).await[0].sign_count;
    // A copy of the key that is behind: the counter it sends is not above the stored one.
    let mut clone = Authenticator {
        credentials: device.credentials.clone(),
        ..super::device(&app)
    };
    clone.credentials[0].counter = u32::try_from(stored).unwrap() - 2;
    let body = passkey_sign_in(&app, &mut clone, None).await;
    assert_not_accepted(&app, &body, Some(&tokens.user_id), "counter").await;
    assert_eq!(
        passkey_rows(&app, &tokens.user_id).await[0].sign_count,
        stored
    );
    // The device itself goes on.
    assert_ok(&passkey_sign_in(&app, &mut device, None).await);
    // A ceremony started by name lists the credential as it was then; the real key used
    // meanwhile moved the stored counter on, and a copy answering the old ceremony with a
    // counter above the listed one but not above the stored one is still refused.
    let old = ceremony(
        &start_sign_in(&app, Some("hopper@example.com")).await,
        "startPasskeySignIn",
    );
    let listed = device.credentials[0].counter;
    assert_ok(&passkey_sign_in(&app, &mut device, None).await);
    assert_ok(&passkey_sign_in(&app, &mut device, None).await);
    clone.credentials[0].counter = listed;
    let answer = clone.get(&old.options);
    let body = finish_sign_in(&app, &old.id, answer).await;
    assert_not_accepted(&app, &body, Some(&tokens.user_id), "counter").await;
}

async fn another_accounts_credential_opens_nothing(app: TestApp) {
    let (alice, alice_device, _) = with_passkey(&app, "alice@example.com").await;
    let (bob, bob_device, _) = with_passkey(&app, "bob@example.com").await;
    // One browser holding both passkeys.
    let mut both = Authenticator {
        credentials: [
            alice_device.credentials.clone(),
            bob_device.credentials.clone(),
        ]
        .concat(),
        ..super::device(&app)
    };
    // Alice named, Bob's credential answering: refused (the account is the credential's, and
    // the ceremony was Alice's).
    let started = ceremony(
        &start_sign_in(&app, Some("alice@example.com")).await,
        "startPasskeySignIn",
    );
    let answer = both.get_with(1, &started.options);
    let body = finish_sign_in(&app, &started.id, answer).await;
    assert_not_accepted(&app, &body, Some(&alice.user_id), "another_account").await;
    // Bob's credential claiming Alice's user handle: refused.
    let started = ceremony(&start_sign_in(&app, None).await, "startPasskeySignIn");
    let mut answer = both.get_with(1, &started.options);
    answer["response"]["userHandle"] = json!(b64(&alice_device.credentials[0].user_handle));
    let body = finish_sign_in(&app, &started.id, answer).await;
    assert_not_accepted(&app, &body, Some(&bob.user_id), "user_handle").await;
    // Discoverably, each credential opens its own account.
    let started = ceremony(&start_sign_in(&app, None).await, "startPasskeySignIn");
    let body = finish_sign_in(&app, &started.id, both.get_with(1, &started.options)).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["finishPasskeySignIn"]["user"]["id"],
        bob.user_id
    );
    assert_ne!(
        unb64(&b64(&alice_device.credentials[0].user_handle)),
        bob_device.credentials[0].user_handle
    );
}
