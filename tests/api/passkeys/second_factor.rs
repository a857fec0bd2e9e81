//! A passkey as the second factor of a password sign-in (`startPasskeyChallenge`, then
//! `verifySecondFactor({passkey})`) and as the proof of `reauthenticate({passkey})`: bound to
//! the challenge or the session it was started for, refused like a wrong code.

use serde_json::{Value, json};

use super::*;
use crate::mfa::{assert_refused, challenge, current_session, reauthenticate, verify};
use crate::support::documents::LOGIN;
use crate::support::webauthn::Authenticator;
use crate::support::{TestApp, assert_code, error_fields};

per_backend!(
    a_passkey_is_the_second_factor_of_a_password,
    a_wrong_passkey_is_a_wrong_second_factor,
    a_passkey_reauthenticates,
);

async fn start_challenge(app: &TestApp, token: &str) -> Value {
    app.gql(START_CHALLENGE, json!({ "token": token }), None)
        .await
}

/// The `verifySecondFactor` input for `device`'s answer to the challenge's ceremony.
async fn passkey_input(app: &TestApp, challenge: &str, device: &mut Authenticator) -> Value {
    let started = ceremony(
        &start_challenge(app, challenge).await,
        "startPasskeyChallenge",
    );
    let answer = device.get(&started.options);
    json!({ "passkey": { "ceremonyId": started.id, "credential": answer } })
}

async fn a_passkey_is_the_second_factor_of_a_password(app: TestApp) {
    let (tokens, mut device, _) = with_passkey(&app, "ada@example.com").await;
    // The password alone opens nothing.
    let login = app
        .gql(
            LOGIN,
            json!({ "input": { "login": "ada@example.com", "password": PASSWORD } }),
            None,
        )
        .await;
    assert_refused(&login, "FORBIDDEN", "SECOND_FACTOR_REQUIRED");
    assert_eq!(
        login["errors"][0]["extensions"]["methods"],
        json!(["PASSKEY"])
    );
    let body = crate::mfa::sign_in(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(
        body["data"]["signIn"]["methods"],
        json!(["PASSKEY"]),
        "{body}"
    );
    let token = body["data"]["signIn"]["challengeToken"].as_str().unwrap();
    let started = ceremony(&start_challenge(&app, token).await, "startPasskeyChallenge");
    assert_eq!(
        started.options["publicKey"]["allowCredentials"][0]["id"],
        json!(device.credentials[0].id_text())
    );
    let answer = device.get(&started.options);
    let input = json!({ "passkey": { "ceremonyId": started.id, "credential": answer } });
    let body = verify(&app, token, input).await;
    assert_ok(&body);
    let session = &body["data"]["verifySecondFactor"]["session"];
    assert_eq!(session["assuranceLevel"], "AAL2");
    assert_eq!(
        session["authenticationMethods"],
        json!(["PASSWORD", "PASSKEY"])
    );
    assert_eq!(
        body["data"]["verifySecondFactor"]["user"]["id"],
        tokens.user_id
    );
    // The challenge is spent with it.
    assert_refused(
        &start_challenge(&app, token).await,
        "UNAUTHENTICATED",
        "CHALLENGE_EXPIRED",
    );
}

async fn a_wrong_passkey_is_a_wrong_second_factor(app: TestApp) {
    let (tokens, mut device, _) = with_passkey(&app, "grace@example.com").await;
    let (_, mut other_device, _) = with_passkey(&app, "other@example.com").await;
    let token = challenge(&app, "grace@example.com").await;
    // Another account's passkey, no user verification, an unknown ceremony: each a wrong
    // second factor, each an attempt.
    let started = ceremony(
        &start_challenge(&app, &token).await,
        "startPasskeyChallenge",
    );
    let answer = other_device.get_with(0, &started.options);
    let body = verify(
        &app,
        &token,
        json!({ "passkey": { "ceremonyId": started.id, "credential": answer } }),
    )
    .await;
    assert_refused(&body, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
    let event = last_event(&app, "PASSKEY_REJECTED", Some(&tokens.user_id)).await;
    assert_eq!(event["purpose"], "SECOND_FACTOR");
    let mut sleepy = Authenticator {
        credentials: device.credentials.clone(),
        user_verification: false,
        ..super::device(&app)
    };
    let input = passkey_input(&app, &token, &mut sleepy).await;
    let body = verify(&app, &token, input).await;
    assert_refused(&body, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
    let event = last_event(&app, "PASSKEY_REJECTED", Some(&tokens.user_id)).await;
    assert_eq!(event["reason"], "user_verification");
    let started = ceremony(
        &start_challenge(&app, &token).await,
        "startPasskeyChallenge",
    );
    let answer = device.get(&started.options);
    let body = verify(
        &app,
        &token,
        json!({ "passkey": { "ceremonyId": "00000000-0000-4000-8000-000000000000", "credential": answer } }),
    )
    .await;
    assert_refused(&body, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
    // Malformed JSON is the client's mistake, not an attempt.
    let body = verify(
        &app,
        &token,
        json!({ "passkey": { "ceremonyId": started.id, "credential": "nope" } }),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["credential"].is_array(), "{body}");
    // A ceremony of another challenge of the same account does not finish this one.
    let other_token = challenge(&app, "grace@example.com").await;
    let input = passkey_input(&app, &other_token, &mut device).await;
    let body = verify(&app, &token, input).await;
    assert_refused(&body, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
    // Four attempts spent; the fifth, right, opens the session; then the challenge is gone.
    let input = passkey_input(&app, &token, &mut device).await;
    assert_ok(&verify(&app, &token, input).await);
    let body = start_challenge(&app, &token).await;
    assert_refused(&body, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");
    // An unknown challenge gets no ceremony.
    assert_refused(
        &start_challenge(&app, "not-a-challenge").await,
        "UNAUTHENTICATED",
        "CHALLENGE_EXPIRED",
    );
}

async fn a_passkey_reauthenticates(app: TestApp) {
    let (tokens, mut device, _) = with_passkey(&app, "hopper@example.com").await;
    let started = ceremony(
        &app.gql(START_REAUTHENTICATION, json!({}), Some(&tokens.access))
            .await,
        "startPasskeyReauthentication",
    );
    let answer = device.get(&started.options);
    let proof = json!({ "passkey": { "ceremonyId": started.id, "credential": answer.clone() } });
    let body = reauthenticate(&app, &tokens.access, proof.clone()).await;
    assert_ok(&body);
    let session = &body["data"]["reauthenticate"];
    assert_eq!(session["assuranceLevel"], "AAL2");
    assert_eq!(
        session["authenticationMethods"],
        json!(["PASSWORD", "PASSKEY"])
    );
    // Replayed: the ceremony is spent.
    let body = reauthenticate(&app, &tokens.access, proof).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["passkey"].is_array(), "{body}");
    // Another session's ceremony does not reauthenticate this one.
    let other = crate::mfa::sign_in(&app, "hopper@example.com", PASSWORD).await;
    let token = other["data"]["signIn"]["challengeToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let input = passkey_input(&app, &token, &mut device).await;
    let second = verify(&app, &token, input).await;
    let second = Tokens::from_payload(&second, "verifySecondFactor");
    let started = ceremony(
        &app.gql(START_REAUTHENTICATION, json!({}), Some(&second.access))
            .await,
        "startPasskeyReauthentication",
    );
    let answer = device.get(&started.options);
    let proof = json!({ "passkey": { "ceremonyId": started.id, "credential": answer.clone() } });
    let before = current_session(&app, &tokens.access).await;
    let body = reauthenticate(&app, &tokens.access, proof).await;
    assert_eq!(
        error_fields(&body)["passkey"],
        json!(["is incorrect"]),
        "{body}"
    );
    // This session did not move, and the ceremony, not its to spend, still serves its own.
    assert_eq!(current_session(&app, &tokens.access).await, before);
    let proof = json!({ "passkey": { "ceremonyId": started.id, "credential": answer } });
    assert_ok(&reauthenticate(&app, &second.access, proof).await);
    // An account without passkeys gets no ceremony.
    let plain = app.register("plain@example.com").await;
    let body = app
        .gql(START_REAUTHENTICATION, json!({}), Some(&plain.access))
        .await;
    assert_eq!(
        error_fields(&body)["passkey"],
        json!(["this account has no passkey"]),
        "{body}"
    );
}
