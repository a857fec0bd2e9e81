//! The challenge between the password and the second factor: five attempts, single use, void
//! once the account changes under it, unknown tokens alike; exactly one input field; wrong codes
//! recorded and counted in the account's login throttle.

use roster::db::entities::audit_events;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::{
    assert_refused, challenge, enrolled, reauthenticate, sign_in_with_totp, verify, verify_totp,
};
use crate::support::admin::{Admin, DELETE_USER, SET_ACTIVE};
use crate::support::clock::pass_for_login_throttle;
use crate::support::documents::CHANGE_PASSWORD;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, error_fields, retry_after, uuid};

per_backend!(
    a_challenge_takes_five_wrong_codes_then_expires,
    wrong_codes_count_in_the_login_throttle_across_challenges_and_reauthentication,
    a_challenge_works_once,
    a_password_change_deactivation_or_deletion_voids_a_waiting_challenge,
    an_unknown_challenge_is_expired_and_the_input_takes_exactly_one_field,
);

#[track_caller]
fn assert_expired(body: &Value) {
    assert_refused(body, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");
    assert_eq!(body["data"], Value::Null, "{body}");
}

async fn a_challenge_takes_five_wrong_codes_then_expires(app: TestApp) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    let exhausted = challenge(&app, &ada.email).await;
    let wrong = ada.device.wrong_code();
    for _ in 0..5 {
        let body = verify_totp(&app, &exhausted, &wrong).await;
        assert_refused(&body, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
    }
    // The sixth, even with the right code.
    let code = ada.device.next_code().await;
    assert_expired(&verify_totp(&app, &exhausted, &code).await);
    // With a recovery code too.
    let recovery = json!({ "recoveryCode": ada.recovery_codes[0] });
    assert_expired(&verify(&app, &exhausted, recovery).await);

    // Each wrong code was recorded, naming the account and the method, never the code.
    let failed = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("SECOND_FACTOR_FAILED"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(failed.len(), 5);
    for event in &failed {
        assert_eq!(event.user_id, Some(uuid(ada.user_id())));
        assert_eq!(event.actor_id, None);
        assert_eq!(event.ip_address.as_deref(), Some("127.0.0.1"));
        let details = event.details.as_deref().unwrap_or_default();
        assert_eq!(details, r#"{"method":"TOTP"}"#);
        assert!(!details.contains(&wrong));
    }
    // The recovery code was not used up by the spent challenge.
    pass_for_login_throttle(&app, chrono::Duration::hours(2)).await;
    let fresh = challenge(&app, &ada.email).await;
    let recovery = json!({ "recoveryCode": ada.recovery_codes[0] });
    assert_ok(&verify(&app, &fresh, recovery).await);
}

async fn wrong_codes_count_in_the_login_throttle_across_challenges_and_reauthentication(
    app: TestApp,
) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    let (first, second, third) = (
        challenge(&app, &ada.email).await,
        challenge(&app, &ada.email).await,
        challenge(&app, &ada.email).await,
    );
    let wrong = ada.device.wrong_code();
    // (Computed first: the wait after the fifth failure is short.)
    let code = ada.device.next_code().await;
    // Five in a row from this address: two in the session, two and one on two challenges.
    for _ in 0..2 {
        let body = reauthenticate(&app, &ada.tokens.access, json!({ "totpCode": wrong })).await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(error_fields(&body).get("totpCode").is_some(), "{body}");
    }
    for (challenge_token, times) in [(&first, 2), (&second, 1)] {
        for _ in 0..times {
            let body = verify_totp(&app, challenge_token, &wrong).await;
            assert_refused(&body, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
        }
    }
    // The next attempt waits, whichever challenge and however right its code.
    let throttled = verify_totp(&app, &third, &code).await;
    assert!(retry_after(&throttled) >= 1, "{throttled}");
    let in_session = reauthenticate(&app, &ada.tokens.access, json!({ "totpCode": code })).await;
    assert_code(&in_session, "TOO_MANY_REQUESTS");

    // Once the wait is over, the untouched challenge still works: a refused attempt was no
    // attempt.
    pass_for_login_throttle(&app, chrono::Duration::minutes(1)).await;
    let code = ada.device.next_code().await;
    assert_ok(&verify_totp(&app, &third, &code).await);
}

async fn a_challenge_works_once(app: TestApp) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    let challenge_token = challenge(&app, &ada.email).await;
    let code = ada.device.next_code().await;
    assert_ok(&verify_totp(&app, &challenge_token, &code).await);
    let code = ada.device.next_code().await;
    assert_expired(&verify_totp(&app, &challenge_token, &code).await);
    let recovery = json!({ "recoveryCode": ada.recovery_codes[0] });
    assert_expired(&verify(&app, &challenge_token, recovery).await);
}

async fn a_password_change_deactivation_or_deletion_voids_a_waiting_challenge(app: TestApp) {
    let admin = Admin::new(&app, "root@example.com").await;

    // Ada changes her password in another session, which proved her app: the sign-in that
    // had only the old password is void.
    let mut ada = enrolled(&app, "ada@example.com").await;
    let waiting = challenge(&app, &ada.email).await;
    let desk = sign_in_with_totp(&app, &mut ada).await;
    let new_password = "a new and rather long passphrase";
    let change = json!({ "current": PASSWORD, "new": new_password });
    let changed = app.gql(CHANGE_PASSWORD, change, Some(&desk.access)).await;
    assert_ok(&changed);
    let code = ada.device.next_code().await;
    assert_expired(&verify_totp(&app, &waiting, &code).await);
    let recovery = json!({ "recoveryCode": ada.recovery_codes[0] });
    assert_expired(&verify(&app, &waiting, recovery).await);
    // The session the change opened kept the second factor's proof.
    let session = super::current_session(
        &app,
        changed["data"]["changePassword"]["accessToken"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert_eq!(session["assuranceLevel"], "AAL2", "{session}");

    // Bob is deactivated while his second factor is awaited: void, and it stays void once he
    // is active again.
    let mut bob = enrolled(&app, "bob@example.com").await;
    let waiting = challenge(&app, &bob.email).await;
    let off = json!({ "id": bob.user_id(), "active": false });
    admin.ok(SET_ACTIVE, off).await;
    let code = bob.device.next_code().await;
    assert_expired(&verify_totp(&app, &waiting, &code).await);
    admin
        .ok(SET_ACTIVE, json!({ "id": bob.user_id(), "active": true }))
        .await;
    let code = bob.device.next_code().await;
    assert_expired(&verify_totp(&app, &waiting, &code).await);

    // Cy is deleted.
    let mut cy = enrolled(&app, "cy@example.com").await;
    let waiting = challenge(&app, &cy.email).await;
    admin.ok(DELETE_USER, json!({ "id": cy.user_id() })).await;
    let code = cy.device.next_code().await;
    assert_expired(&verify_totp(&app, &waiting, &code).await);
}

async fn an_unknown_challenge_is_expired_and_the_input_takes_exactly_one_field(app: TestApp) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    let code = ada.device.next_code().await;
    let real = challenge(&app, &ada.email).await;
    let mut tampered = real.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for unknown in ["", "nope", &"A".repeat(43), &tampered] {
        assert_expired(&verify_totp(&app, unknown, &code).await);
    }
    let recovery = &ada.recovery_codes[0];
    for input in [
        json!({}),
        json!({ "totpCode": code, "recoveryCode": recovery }),
        json!({ "totpCode": null, "recoveryCode": null }),
    ] {
        let body = verify(&app, &real, input.clone()).await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(
            error_fields(&body).get("input").is_some(),
            "{input}: {body}"
        );
    }
    // None of that was an attempt at the real challenge: four wrong codes on, the fifth
    // attempt is still one.
    let wrong = ada.device.wrong_code();
    for _ in 0..4 {
        let body = verify_totp(&app, &real, &wrong).await;
        assert_refused(&body, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
    }
    let code = ada.device.next_code().await;
    assert_ok(&verify_totp(&app, &real, &code).await);
}
