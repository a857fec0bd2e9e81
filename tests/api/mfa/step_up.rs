//! Step-up: the mutations that need a recent proof answer `REAUTHENTICATION_REQUIRED` with the
//! methods that would do, once the session's proof is older than `--reauthentication-window`
//! (1 s here where that matters); an account with a second factor proves with it, not with its
//! password. What hands out a second factor (a new app, new recovery codes) and an email change
//! of such an account need a `reauthenticate`: a fresh sign-in is not enough, nor is the right
//! `currentPassword`.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{
    REGENERATE, REMOVE, START, assert_refused, enrolled, reauthenticate, sign_in_with_totp,
};
use crate::support::documents::UPDATE_PROFILE;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, error_fields};

per_backend!(
    settings = |s| s.reauthentication_window = 1;
    a_stale_session_reauthenticates_with_its_second_factor_not_its_password,
    a_stale_session_without_a_second_factor_reauthenticates_with_its_password,
    a_password_change_is_no_reauthentication,
);
per_backend!(a_fresh_sign_in_is_no_proof_for_an_email_change_or_a_new_factor);

/// Past a window of 1 s.
async fn let_the_window_pass() {
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
}

fn at(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

#[track_caller]
fn assert_reauthentication_required(body: &Value, methods: Value) {
    assert_refused(body, "FORBIDDEN", "REAUTHENTICATION_REQUIRED");
    assert_eq!(
        body["errors"][0]["extensions"]["methods"], methods,
        "{body}"
    );
}

async fn a_stale_session_reauthenticates_with_its_second_factor_not_its_password(app: TestApp) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    let token = ada.tokens.access.clone();
    let factor = json!({ "id": ada.factor_id });
    let_the_window_pass().await;

    let both = json!(["TOTP", "RECOVERY_CODE"]);
    for (mutation, variables) in [
        (REGENERATE, json!({})),
        (START, json!({})),
        (REMOVE, factor.clone()),
    ] {
        let body = app.gql(mutation, variables, Some(&token)).await;
        assert_reauthentication_required(&body, both.clone());
    }
    // Its password alone proves nothing now, right as it is.
    let body = reauthenticate(&app, &token, json!({ "password": PASSWORD })).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body).get("password").is_some(), "{body}");
    // Still stale.
    let body = app.gql(REMOVE, factor.clone(), Some(&token)).await;
    assert_reauthentication_required(&body, both.clone());

    let before = Utc::now() - chrono::Duration::seconds(1);
    let code = ada.device.next_code().await;
    let body = reauthenticate(&app, &token, json!({ "totpCode": code })).await;
    assert_ok(&body);
    let session = &body["data"]["reauthenticate"];
    assert_eq!(session["current"], true);
    assert_eq!(session["assuranceLevel"], "AAL2");
    assert!(at(&session["authenticatedAt"]) >= before, "{body}");
    assert!(
        session["authenticationMethods"]
            .as_array()
            .unwrap()
            .contains(&json!("TOTP"))
    );
    // The very next request passes.
    let regenerated = app.gql(REGENERATE, json!({}), Some(&token)).await;
    assert_ok(&regenerated);
    assert_eq!(
        regenerated["data"]["regenerateRecoveryCodes"]["codes"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

async fn a_stale_session_without_a_second_factor_reauthenticates_with_its_password(app: TestApp) {
    let bob = app.register("bob@example.com").await;
    let_the_window_pass().await;
    // Even the first factor: a stale session does not enrol.
    let body = app.gql(START, json!({}), Some(&bob.access)).await;
    assert_reauthentication_required(&body, json!(["PASSWORD"]));
    let body = reauthenticate(&app, &bob.access, json!({ "password": PASSWORD })).await;
    assert_ok(&body);
    assert_eq!(body["data"]["reauthenticate"]["assuranceLevel"], "AAL1");
    let started = app.gql(START, json!({}), Some(&bob.access)).await;
    assert_ok(&started);
    assert!(started["data"]["startTotpEnrollment"]["secret"].is_string());
}

async fn a_fresh_sign_in_is_no_proof_for_an_email_change_or_a_new_factor(app: TestApp) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    // A session signed in with the password and the app just now: a stolen token is usually
    // fresh too.
    let fresh = sign_in_with_totp(&app, &mut ada).await;
    let both = json!(["TOTP", "RECOVERY_CODE"]);
    for input in [
        json!({ "email": "ada@new.example" }),
        json!({ "email": "ada@new.example", "currentPassword": PASSWORD }),
    ] {
        let body = app
            .gql(
                UPDATE_PROFILE,
                json!({ "input": input }),
                Some(&fresh.access),
            )
            .await;
        assert_reauthentication_required(&body, both.clone());
    }
    for mutation in [START, REGENERATE] {
        let body = app.gql(mutation, json!({}), Some(&fresh.access)).await;
        assert_reauthentication_required(&body, both.clone());
    }
    assert_eq!(
        crate::support::auth::me(&app, &fresh.access).await["data"]["me"]["email"],
        "ada@example.com"
    );

    let code = ada.device.next_code().await;
    assert_ok(&reauthenticate(&app, &fresh.access, json!({ "totpCode": code })).await);
    let input = json!({ "input": { "email": "ada@new.example" } });
    let changed = app.gql(UPDATE_PROFILE, input, Some(&fresh.access)).await;
    assert_ok(&changed);
    assert_eq!(changed["data"]["updateProfile"]["email"], "ada@new.example");
    assert_ok(&app.gql(REGENERATE, json!({}), Some(&fresh.access)).await);
}

/// Whoever holds a stale session and the password gets no fresh proof out of a password change:
/// the session it opens keeps the old one's `authenticatedAt` (and its second factor).
async fn a_password_change_is_no_reauthentication(app: TestApp) {
    let ada = enrolled(&app, "ada@example.com").await;
    let_the_window_pass().await;
    let changed = app
        .gql(
            "mutation($current: String!, $new: String!) { changePassword(currentPassword: $current, \
             newPassword: $new) { accessToken session { assuranceLevel authenticatedAt } } }",
            json!({ "current": PASSWORD, "new": "another long passphrase" }),
            Some(&ada.tokens.access),
        )
        .await;
    assert_ok(&changed);
    let payload = &changed["data"]["changePassword"];
    assert_eq!(payload["session"]["assuranceLevel"], "AAL2", "{changed}");
    let token = payload["accessToken"].as_str().unwrap();
    let body = app
        .gql(REMOVE, json!({ "id": ada.factor_id }), Some(token))
        .await;
    assert_reauthentication_required(&body, json!(["TOTP", "RECOVERY_CODE"]));
}
