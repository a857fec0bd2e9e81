//! Who manages whose second factors: an ADMIN's `resetUserMfa` (never `users.update`, never on
//! oneself), who reads `totpFactors` and `recoveryCodesRemaining` of another account, the
//! `mfaEnabled` filter, and `removeTotpFactor` of one's own factors only.

use roster::db::entities::{audit_events, recovery_code_sets};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::{
    REMOVE, RESET_USER_MFA, assert_refused, challenge, confirm, enrolled, factor_rows, my_factors,
    reauthenticate, recovery_code_rows_of, sign_in, sign_in_with_totp, start, verify_totp,
};
use crate::support::admin::{Actor, Admin};
use crate::support::auth::assert_refused as assert_token_refused;
use crate::support::smtp::MailServer;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, db_user, uuid};

per_backend!(mail; an_admin_resets_a_users_second_factors);
per_backend!(
    settings = |s| s.reauthentication_window = 1;
    an_admin_resets_from_a_recent_session_only,
);
per_backend!(
    only_an_admin_resets_and_never_their_own,
    who_sees_a_users_second_factors,
    removing_the_last_factor_turns_two_factor_authentication_off,
);

async fn an_admin_resets_a_users_second_factors(app: TestApp, mail: MailServer) {
    let admin = Admin::new(&app, "root@example.com").await;
    let mut ada = enrolled(&app, "ada@example.com").await;
    let phone = sign_in_with_totp(&app, &mut ada).await;
    let waiting = challenge(&app, &ada.email).await;

    let body = admin
        .call(RESET_USER_MFA, json!({ "id": ada.user_id() }))
        .await;
    assert_ok(&body);
    let user = &body["data"]["resetUserMfa"];
    assert_eq!(user["id"], ada.user_id());
    assert_eq!(user["mfaEnabled"], false);

    // Every session of hers ended, and the sign-in that was waiting for her app.
    assert_token_refused(&app, &ada.tokens.access).await;
    assert_token_refused(&app, &phone.access).await;
    let code = ada.device.next_code().await;
    assert_refused(
        &verify_totp(&app, &waiting, &code).await,
        "UNAUTHENTICATED",
        "CHALLENGE_EXPIRED",
    );
    // Her app and codes are gone.
    assert!(factor_rows(&app, ada.user_id()).await.is_empty());
    assert!(recovery_code_rows_of(&app, ada.user_id()).await.is_empty());
    let sets = recovery_code_sets::Entity::find_by_id(uuid(ada.user_id()))
        .one(app.db())
        .await
        .unwrap();
    assert!(sets.is_none());
    assert!(!db_user(&app, ada.user_id()).await.unwrap().mfa_enabled);

    let notice = mail
        .one("ada@example.com", "Two-factor authentication was reset")
        .await;
    assert!(!notice.text().is_empty());
    let recorded = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("MFA_RESET"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        (recorded[0].actor_id, recorded[0].user_id),
        (Some(uuid(admin.id())), Some(uuid(ada.user_id())))
    );

    // She signs in with her password alone now, and sets up again from there.
    let tokens = app.login("ada@example.com", PASSWORD).await;
    let mine = my_factors(&app, &tokens.access).await;
    assert_eq!(mine["mfaEnabled"], false);
    assert_eq!(mine["totpFactors"], json!([]));
    assert_eq!(mine["recoveryCodesRemaining"], Value::Null);
    let old_code = json!({ "recoveryCode": ada.recovery_codes[0] });
    let body = reauthenticate(&app, &tokens.access, old_code).await;
    assert_code(&body, "BAD_USER_INPUT");
}

async fn an_admin_resets_from_a_recent_session_only(app: TestApp) {
    let admin = Admin::new(&app, "root@example.com").await;
    let ada = enrolled(&app, "ada@example.com").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let id = json!({ "id": ada.user_id() });
    let stale = admin.call(RESET_USER_MFA, id.clone()).await;
    assert_refused(&stale, "FORBIDDEN", "REAUTHENTICATION_REQUIRED");
    assert_eq!(
        stale["errors"][0]["extensions"]["methods"],
        json!(["PASSWORD"])
    );
    assert_eq!(factor_rows(&app, ada.user_id()).await.len(), 1);
    let proof = reauthenticate(&app, &admin.tokens.access, json!({ "password": PASSWORD })).await;
    assert_ok(&proof);
    let body = admin.call(RESET_USER_MFA, id).await;
    assert_ok(&body);
    assert!(factor_rows(&app, ada.user_id()).await.is_empty());
}

async fn only_an_admin_resets_and_never_their_own(app: TestApp) {
    let admin = Admin::new(&app, "root@example.com").await;
    let ada = enrolled(&app, "ada@example.com").await;
    let editor = admin
        .user_holding("editor@example.com", &["users.view", "users.update"])
        .await;
    let bob = Actor::register(&app, "bob@example.com").await;
    let id = json!({ "id": ada.user_id() });
    for actor in [&editor, &bob] {
        let body = actor.call(RESET_USER_MFA, id.clone()).await;
        assert_code(&body, "FORBIDDEN");
        assert_eq!(body["data"], Value::Null, "{body}");
    }
    let own = admin
        .call(RESET_USER_MFA, json!({ "id": admin.id() }))
        .await;
    assert_code(&own, "FORBIDDEN");
    // Nothing changed for Ada.
    assert_eq!(factor_rows(&app, ada.user_id()).await.len(), 1);
    assert_eq!(
        my_factors(&app, &ada.tokens.access).await["mfaEnabled"],
        true
    );
    assert_eq!(recovery_code_rows_of(&app, ada.user_id()).await.len(), 10);
}

async fn who_sees_a_users_second_factors(app: TestApp) {
    let admin = Admin::new(&app, "root@example.com").await;
    let ada = enrolled(&app, "ada@example.com").await;
    let viewer = admin
        .user_holding("viewer@example.com", &["users.view"])
        .await;
    let query = "query($id: ID!) { user(id: $id) { id mfaEnabled totpFactors { id label } } }";
    let id = json!({ "id": ada.user_id() });

    // `users.view` sees that she has one, not which.
    let body = viewer.call(query, id.clone()).await;
    assert_code(&body, "FORBIDDEN");
    assert_eq!(body["data"]["user"]["mfaEnabled"], true, "{body}");
    assert_eq!(body["data"]["user"]["totpFactors"], Value::Null, "{body}");
    assert_eq!(
        body["errors"][0]["path"],
        json!(["user", "totpFactors"]),
        "{body}"
    );
    // An ADMIN sees which.
    let body = admin.call(query, id.clone()).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["user"]["totpFactors"],
        json!([{ "id": ada.factor_id, "label": "Authenticator" }])
    );
    // Her recovery codes are hers alone, even for an ADMIN.
    let remaining = "query($id: ID!) { user(id: $id) { id recoveryCodesRemaining } }";
    let body = admin.call(remaining, id).await;
    assert_code(&body, "FORBIDDEN");
    assert_eq!(body["data"]["user"]["id"], ada.user_id(), "{body}");
    assert_eq!(body["data"]["user"]["recoveryCodesRemaining"], Value::Null);
    assert_eq!(
        my_factors(&app, &ada.tokens.access).await["recoveryCodesRemaining"],
        10
    );

    // The list filters on it.
    let list = "query($f: UserFilter) { users(filter: $f) { nodes { email mfaEnabled } } }";
    let emails = |data: &Value| -> Vec<String> {
        let nodes = data["users"]["nodes"].as_array().unwrap();
        let mut emails: Vec<String> = nodes
            .iter()
            .map(|n| n["email"].as_str().unwrap().to_owned())
            .collect();
        emails.sort();
        emails
    };
    let with = admin.ok(list, json!({ "f": { "mfaEnabled": true } })).await;
    assert_eq!(emails(&with), ["ada@example.com"]);
    let without = admin
        .ok(list, json!({ "f": { "mfaEnabled": false } }))
        .await;
    assert_eq!(emails(&without), ["root@example.com", "viewer@example.com"]);
    let all = admin.ok(list, json!({})).await;
    assert_eq!(emails(&all).len(), 3);
}

async fn removing_the_last_factor_turns_two_factor_authentication_off(app: TestApp) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    let bob = enrolled(&app, "bob@example.com").await;
    let token = &ada.tokens.access;
    let (id, _, mut device) = start(&app, token).await;
    let body = confirm(&app, token, &id, &device.next_code().await, Some("Spare")).await;
    assert_ok(&body);
    let spare = body["data"]["confirmTotpEnrollment"]["factor"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Only her own.
    for other in [
        bob.factor_id.clone(),
        uuid::Uuid::new_v4().to_string(),
        "not-an-id".to_owned(),
    ] {
        let body = app.gql(REMOVE, json!({ "id": other }), Some(token)).await;
        assert_code(&body, "NOT_FOUND");
    }
    assert_eq!(factor_rows(&app, bob.user_id()).await.len(), 1);

    // The app removed may be a lost one that opened other sessions: they end, and so does a
    // sign-in waiting for a second factor.
    let phone = sign_in_with_totp(&app, &mut ada).await;
    let waiting = challenge(&app, &ada.email).await;
    let token = &ada.tokens.access;
    let body = app
        .gql(REMOVE, json!({ "id": ada.factor_id }), Some(token))
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["removeTotpFactor"], true);
    assert_token_refused(&app, &phone.access).await;
    let code = device.next_code().await;
    assert_refused(
        &verify_totp(&app, &waiting, &code).await,
        "UNAUTHENTICATED",
        "CHALLENGE_EXPIRED",
    );
    let mine = my_factors(&app, token).await;
    assert_eq!(mine["mfaEnabled"], true);
    assert_eq!(mine["recoveryCodesRemaining"], 10);
    assert_eq!(mine["totpFactors"][0]["id"], spare.as_str());
    assert_eq!(mine["totpFactors"].as_array().unwrap().len(), 1);

    let body = app.gql(REMOVE, json!({ "id": spare }), Some(token)).await;
    assert_ok(&body);
    let mine = my_factors(&app, token).await;
    assert_eq!(mine["mfaEnabled"], false);
    assert_eq!(mine["totpFactors"], json!([]));
    assert_eq!(mine["recoveryCodesRemaining"], Value::Null);
    assert!(recovery_code_rows_of(&app, ada.user_id()).await.is_empty());
    assert!(!db_user(&app, ada.user_id()).await.unwrap().mfa_enabled);
    // Her password alone signs her in again.
    let body = sign_in(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(
        body["data"]["signIn"]["__typename"], "AuthPayload",
        "{body}"
    );
    let removed = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("TOTP_REMOVED"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(removed.len(), 2);
}
