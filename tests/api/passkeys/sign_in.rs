//! Signing in with a passkey: with a login name (the account's passkeys listed) and without
//! (a discoverable passkey names the account), an `AAL2` session either way, also for an
//! account with an authenticator app; a login that names no account with passkeys gets the same
//! shape of answer as one that does.

use serde_json::{Value, json};

use super::*;
use crate::mfa::enrolled;
use crate::support::auth::{assert_me_is, deactivate_in_database, me};
use crate::support::{TestApp, assert_code};

per_backend!(
    a_passkey_signs_in_with_and_without_a_login_name,
    a_login_without_passkeys_looks_like_one_with_them,
    an_account_with_an_authenticator_app_needs_nothing_more,
    an_account_that_may_not_sign_in_is_not_signed_in,
    a_synced_passkey_without_a_counter_signs_in_again_and_again,
);
per_backend!(settings = behind_an_ip_address; passkeys_are_off_behind_an_ip_address);

/// A public URL that is an IP address other than loopback, with no RP ID configured.
fn behind_an_ip_address(settings: &mut roster::config::Settings) {
    settings.public_url = Some("http://10.0.0.5:8000".to_owned());
}

/// WebAuthn takes no IP address: the server starts with passkeys off and says so to whoever
/// asks for a ceremony; everything else works.
async fn passkeys_are_off_behind_an_ip_address(app: TestApp) {
    assert!(app.state.passkeys.relying_party().is_none());
    let body = start_sign_in(&app, None).await;
    assert_code(&body, "FORBIDDEN");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("--webauthn-rp-id"),
        "{body}"
    );
    let tokens = app.register("ada@example.com").await;
    confirm_password(&app, &tokens.access).await;
    assert_code(&start_registration(&app, &tokens.access).await, "FORBIDDEN");
    assert_me_is(&me(&app, &tokens.access).await, &tokens.user_id);
}

/// Asserts `body` opened an `AAL2` passkey session for `user_id`; returns its tokens.
#[track_caller]
fn assert_passkey_session(body: &Value, user_id: &str) -> Tokens {
    assert_ok(body);
    let payload = &body["data"]["finishPasskeySignIn"];
    assert_eq!(payload["user"]["id"], user_id, "{body}");
    assert_eq!(payload["session"]["assuranceLevel"], "AAL2", "{body}");
    assert_eq!(
        payload["session"]["authenticationMethods"],
        json!(["PASSKEY"])
    );
    assert_eq!(payload["session"]["current"], true);
    Tokens::from_payload(body, "finishPasskeySignIn")
}

async fn a_passkey_signs_in_with_and_without_a_login_name(app: TestApp) {
    let (tokens, mut device, passkey) = with_passkey(&app, "ada@example.com").await;
    // With the login name: the options list exactly the account's passkey.
    let started = ceremony(
        &start_sign_in(&app, Some("ADA@example.com")).await,
        "startPasskeySignIn",
    );
    let options = &started.options["publicKey"];
    assert_eq!(options["rpId"], "localhost");
    assert_eq!(options["userVerification"], "required");
    assert_eq!(
        options["allowCredentials"],
        json!([{ "type": "public-key", "id": device.credentials[0].id_text() }])
    );
    let answer = device.get(&started.options);
    let body = finish_sign_in(&app, &started.id, answer).await;
    let named = assert_passkey_session(&body, &tokens.user_id);
    assert_me_is(&me(&app, &named.access).await, &tokens.user_id);
    let event = last_event(&app, "LOGIN_SUCCEEDED", Some(&tokens.user_id)).await;
    assert_eq!(
        event,
        json!({ "method": "PASSKEY", "passkeyId": passkey["id"] })
    );

    // Without: nothing listed, the credential the person picks names the account.
    let started = ceremony(&start_sign_in(&app, None).await, "startPasskeySignIn");
    assert_eq!(started.options["publicKey"]["allowCredentials"], json!([]));
    assert!(
        started.options.get("mediation").is_none(),
        "{}",
        started.options
    );
    let answer = device.get(&started.options);
    let body = finish_sign_in(&app, &started.id, answer).await;
    let discovered = assert_passkey_session(&body, &tokens.user_id);
    assert_me_is(&me(&app, &discovered.access).await, &tokens.user_id);
    // The access token says so to other services too.
    let claims = crate::mfa::claims(&discovered.access);
    assert_eq!(claims["aal"], "aal2");
    assert_eq!(claims["amr"], json!(["hwk", "mfa"]));
    let rows = passkey_rows(&app, &tokens.user_id).await;
    assert!(rows[0].last_used_at.is_some());
    assert!(rows[0].sign_count > 0);
}

/// The keys of `value`, recursively, with array items' shapes: what the options look like
/// without their values.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), shape(v))).collect(),
        Value::Array(items) => items.iter().map(shape).collect(),
        Value::String(_) => json!("string"),
        other => other.clone(),
    }
}

async fn a_login_without_passkeys_looks_like_one_with_them(app: TestApp) {
    let (_, _, _) = with_passkey(&app, "grace@example.com").await;
    app.register("nopasskey@example.com").await;
    let options = |login: &'static str| {
        let app = &app;
        async move { ceremony(&start_sign_in(app, Some(login)).await, "startPasskeySignIn").options }
    };
    let real = options("grace@example.com").await;
    for login in ["nobody@example.com", "nopasskey@example.com", "someone"] {
        let fake = options(login).await;
        let listed = fake["publicKey"]["allowCredentials"].as_array().unwrap();
        assert!(!listed.is_empty(), "{fake}");
        assert_eq!(
            shape(&fake["publicKey"]["allowCredentials"][0]),
            shape(&real["publicKey"]["allowCredentials"][0])
        );
        let mut fake_rest = shape(&fake);
        let mut real_rest = shape(&real);
        fake_rest["publicKey"]["allowCredentials"] = Value::Null;
        real_rest["publicKey"]["allowCredentials"] = Value::Null;
        assert_eq!(fake_rest, real_rest, "{fake} vs {real}");
        // The same ids each time, on every replica and after a restart.
        let again = options(login).await;
        assert_eq!(
            again["publicKey"]["allowCredentials"],
            fake["publicKey"]["allowCredentials"]
        );
        assert_ne!(
            again["publicKey"]["challenge"],
            fake["publicKey"]["challenge"]
        );
    }
    let replica = app.replica().await;
    let elsewhere = ceremony(
        &start_sign_in(&replica, Some("nobody@example.com")).await,
        "startPasskeySignIn",
    );
    assert_eq!(
        elsewhere.options["publicKey"]["allowCredentials"],
        options("nobody@example.com").await["publicKey"]["allowCredentials"]
    );
}

async fn an_account_with_an_authenticator_app_needs_nothing_more(app: TestApp) {
    let enrolled = enrolled(&app, "hopper@example.com").await;
    let mut device = device(&app);
    // Enrolment left the session reauthenticated with the app's code.
    add_passkey_now(&app, &enrolled.tokens.access, &mut device).await;
    let body = passkey_sign_in(&app, &mut device, Some("hopper@example.com")).await;
    let tokens = assert_passkey_session(&body, enrolled.user_id());
    assert_me_is(&me(&app, &tokens.access).await, enrolled.user_id());
    // Its password still asks for a second factor, now either of them.
    let body = crate::mfa::sign_in(&app, "hopper@example.com", PASSWORD).await;
    assert_eq!(
        body["data"]["signIn"]["methods"],
        json!(["TOTP", "RECOVERY_CODE", "PASSKEY"]),
        "{body}"
    );
}

async fn an_account_that_may_not_sign_in_is_not_signed_in(app: TestApp) {
    let (tokens, mut device, _) = with_passkey(&app, "edsger@example.com").await;
    let started = ceremony(&start_sign_in(&app, None).await, "startPasskeySignIn");
    deactivate_in_database(&app, &tokens.user_id).await;
    let answer = device.get(&started.options);
    let body = finish_sign_in(&app, &started.id, answer).await;
    assert_code(&body, "UNAUTHENTICATED");
    assert_eq!(body["errors"][0]["message"], "passkey not accepted");
    let event = last_event(&app, "PASSKEY_REJECTED", Some(&tokens.user_id)).await;
    assert_eq!(event["reason"], "account_unavailable");
    // Named, a deactivated account has no passkeys to list: the options are a fake's.
    let named = ceremony(
        &start_sign_in(&app, Some("edsger@example.com")).await,
        "startPasskeySignIn",
    );
    let listed = &named.options["publicKey"]["allowCredentials"];
    assert!(
        !listed
            .to_string()
            .contains(&device.credentials[0].id_text()),
        "{listed}"
    );
}

async fn a_synced_passkey_without_a_counter_signs_in_again_and_again(app: TestApp) {
    let tokens = app.register("barbara@example.com").await;
    let mut phone = device(&app);
    phone.synced = true;
    phone.counts = false;
    add_passkey(&app, &tokens.access, &mut phone).await;
    for _ in 0..3 {
        let body = passkey_sign_in(&app, &mut phone, None).await;
        assert_passkey_session(&body, &tokens.user_id);
    }
    let rows = passkey_rows(&app, &tokens.user_id).await;
    assert_eq!(rows[0].sign_count, 0);
    assert!(rows[0].backed_up);
}
