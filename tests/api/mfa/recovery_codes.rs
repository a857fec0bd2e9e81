//! Recovery codes: each works once, in any accepted spelling, at sign-in and in
//! `reauthenticate`; each use mails a notice (without the code) and is counted down;
//! `regenerateRecoveryCodes` voids the old set; once none is left they are no longer offered.

use roster::db::entities::audit_events;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::{
    REGENERATE, assert_refused, challenge, current_session, enrolled, my_factors, reauthenticate,
    recovery_code_rows_of, sign_in, verify,
};
use crate::support::clock::pass_for_login_throttle;
use crate::support::outbox::wait_settled;
use crate::support::smtp::{MailServer, Received};
use crate::support::{PASSWORD, TestApp, Tokens, assert_code, assert_ok, error_fields, uuid};

per_backend!(mail;
    each_recovery_code_works_once_in_any_spelling_and_mails_a_notice,
    recovery_codes_reauthenticate_until_none_is_left,
);
per_backend!(new_codes_void_the_old_ones);

const NOTICE: &str = "A recovery code was used";

fn at(value: &Value) -> chrono::DateTime<chrono::Utc> {
    value.as_str().unwrap().parse().unwrap()
}

/// The recovery-code notices to `to`, once `count` have arrived and the outbox is settled.
async fn notices(app: &TestApp, mail: &MailServer, to: &str, count: usize) -> Vec<Received> {
    for _ in 0..400 {
        let arrived: Vec<Received> = mail
            .to(to)
            .into_iter()
            .filter(|m| m.subject().contains(NOTICE))
            .collect();
        if arrived.len() >= count {
            wait_settled(app).await;
            return mail
                .to(to)
                .into_iter()
                .filter(|m| m.subject().contains(NOTICE))
                .collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {count} \"{NOTICE}\" mails to {to} within 20 s");
}

/// Every way a user may type `code` that the server must read as it.
fn spellings(code: &str) -> Vec<String> {
    let bare = code.replace('-', "");
    vec![
        code.to_owned(),
        code.to_uppercase(),
        bare.clone(),
        bare.to_uppercase(),
        format!(" {} {} ", &bare[..5], &bare[5..]),
    ]
}

async fn each_recovery_code_works_once_in_any_spelling_and_mails_a_notice(
    app: TestApp,
    mail: MailServer,
) {
    let ada = enrolled(&app, "ada@example.com").await;
    let codes = &ada.recovery_codes;
    let typed = [
        codes[0].clone(),
        codes[1].to_uppercase(),
        codes[2].replace('-', ""),
        format!(" {} {} ", &codes[3][..5], &codes[3][6..]),
        codes[4].replace('-', "").to_uppercase(),
    ];
    let mut last: Option<Tokens> = None;
    for (n, spelling) in typed.iter().enumerate() {
        let challenge_token = challenge(&app, &ada.email).await;
        let body = verify(&app, &challenge_token, json!({ "recoveryCode": spelling })).await;
        assert_ok(&body);
        let session = &body["data"]["verifySecondFactor"]["session"];
        assert_eq!(session["assuranceLevel"], "AAL2", "{spelling:?}: {body}");
        assert_eq!(
            session["authenticationMethods"],
            json!(["PASSWORD", "RECOVERY_CODE"])
        );
        let tokens = Tokens::from_payload(&body, "verifySecondFactor");
        let mine = my_factors(&app, &tokens.access).await;
        assert_eq!(mine["recoveryCodesRemaining"], 9 - n, "{spelling:?}");
        last = Some(tokens);
    }
    // A used code is refused, in any spelling, as a wrong one is.
    let wrong = verify(
        &app,
        &challenge(&app, &ada.email).await,
        json!({ "recoveryCode": "zzzzz-zzzzz" }),
    )
    .await;
    assert_refused(&wrong, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
    for (n, code) in codes[..5].iter().enumerate() {
        // (Wrong codes in a row make the address wait; time passes between these.)
        pass_for_login_throttle(&app, chrono::Duration::hours(2)).await;
        let spelling = &spellings(code)[(n + 1) % 5];
        let challenge_token = challenge(&app, &ada.email).await;
        let body = verify(&app, &challenge_token, json!({ "recoveryCode": spelling })).await;
        assert_eq!(body["errors"], wrong["errors"], "{spelling:?}");
    }
    let last = last.unwrap();
    assert_eq!(
        my_factors(&app, &last.access).await["recoveryCodesRemaining"],
        5
    );
    let used = recovery_code_rows_of(&app, ada.user_id())
        .await
        .into_iter()
        .filter(|row| row.used_at.is_some())
        .count();
    assert_eq!(used, 5);

    // Five notices, none holding a code in any spelling.
    let notices = notices(&app, &mail, "ada@example.com", 5).await;
    assert_eq!(notices.len(), 5, "one notice per code used");
    for notice in &notices {
        let text = format!("{}\n{}", notice.text(), notice.html()).to_uppercase();
        for code in codes {
            for spelling in spellings(code) {
                let spelling = spelling.trim().to_uppercase();
                assert!(!text.contains(&spelling), "a notice holds {spelling}");
            }
        }
    }
    let recorded = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("RECOVERY_CODE_USED"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(recorded.len(), 5);
    for event in &recorded {
        assert_eq!(event.user_id, Some(uuid(ada.user_id())));
        let details = event.details.as_deref().unwrap_or_default().to_uppercase();
        for code in codes {
            assert!(!details.contains(&code.replace('-', "").to_uppercase()));
            assert!(!details.contains(&code.to_uppercase()));
        }
    }
}

async fn recovery_codes_reauthenticate_until_none_is_left(app: TestApp, mail: MailServer) {
    let mut ada = enrolled(&app, "ada@example.com").await;
    let tokens = super::sign_in_with_totp(&app, &mut ada).await;
    let before = current_session(&app, &tokens.access).await;
    let (in_session, at_sign_in) = ada.recovery_codes.split_at(3);
    for (n, code) in in_session.iter().enumerate() {
        let body = reauthenticate(&app, &tokens.access, json!({ "recoveryCode": code })).await;
        assert_ok(&body);
        let session = &body["data"]["reauthenticate"];
        assert_eq!(session["id"], before["id"]);
        assert_eq!(session["assuranceLevel"], "AAL2");
        assert_eq!(
            session["authenticationMethods"],
            json!(["PASSWORD", "TOTP", "RECOVERY_CODE"]),
            "{body}"
        );
        assert!(at(&session["authenticatedAt"]) >= at(&before["authenticatedAt"]));
        let left = my_factors(&app, &tokens.access).await["recoveryCodesRemaining"].clone();
        assert_eq!(left, json!(9 - n));
    }
    // A used one is wrong input in the session, whoever used it where.
    let body = reauthenticate(
        &app,
        &tokens.access,
        json!({ "recoveryCode": in_session[0].to_uppercase() }),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body).get("recoveryCode").is_some(), "{body}");
    // The rest at sign-in, offered as long as one is left.
    for code in at_sign_in {
        let asked = sign_in(&app, &ada.email, PASSWORD).await;
        let result = &asked["data"]["signIn"];
        assert_eq!(
            result["methods"],
            json!(["TOTP", "RECOVERY_CODE"]),
            "{asked}"
        );
        let challenge_token = result["challengeToken"].as_str().unwrap();
        let body = verify(&app, challenge_token, json!({ "recoveryCode": code })).await;
        assert_ok(&body);
    }
    let body = reauthenticate(
        &app,
        &tokens.access,
        json!({ "recoveryCode": at_sign_in[6] }),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert_eq!(
        my_factors(&app, &tokens.access).await["recoveryCodesRemaining"],
        0
    );
    // With none left, they are no longer offered.
    let asked = sign_in(&app, &ada.email, PASSWORD).await;
    assert_eq!(
        asked["data"]["signIn"]["methods"],
        json!(["TOTP"]),
        "{asked}"
    );
    assert_eq!(notices(&app, &mail, "ada@example.com", 10).await.len(), 10);
}

async fn new_codes_void_the_old_ones(app: TestApp) {
    let ada = enrolled(&app, "ada@example.com").await;
    // The enrolling session proved the app just now: recent enough.
    let body = app
        .gql(REGENERATE, json!({}), Some(&ada.tokens.access))
        .await;
    assert_ok(&body);
    let set = &body["data"]["regenerateRecoveryCodes"];
    assert!(set["generatedAt"].is_string());
    let fresh: Vec<String> = set["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fresh.len(), 10);
    for code in &fresh {
        assert!(!ada.recovery_codes.contains(code), "{code} again");
    }
    assert_eq!(
        my_factors(&app, &ada.tokens.access).await["recoveryCodesRemaining"],
        10
    );
    assert_eq!(recovery_code_rows_of(&app, ada.user_id()).await.len(), 10);

    let old = verify(
        &app,
        &challenge(&app, &ada.email).await,
        json!({ "recoveryCode": ada.recovery_codes[0] }),
    )
    .await;
    assert_refused(&old, "UNAUTHENTICATED", "INVALID_SECOND_FACTOR");
    let new = verify(
        &app,
        &challenge(&app, &ada.email).await,
        json!({ "recoveryCode": fresh[0] }),
    )
    .await;
    assert_ok(&new);
    let opened: &Value = &new["data"]["verifySecondFactor"]["session"];
    assert_eq!(
        opened["authenticationMethods"],
        json!(["PASSWORD", "RECOVERY_CODE"])
    );
}
