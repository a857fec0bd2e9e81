//! `startTotpEnrollment` and `confirmTotpEnrollment`: the secret and its `otpauth://` URI, the
//! confirming code, the factor and the recovery codes the first one brings, what the first
//! factor does to the account's sessions, the input rules, the limit of five, and that the
//! database keeps no readable secret.

use chrono::{DateTime, Utc};
use roster::db::entities::{audit_events, totp_enrollments};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::{
    Authenticator, CONFIRM, START, assert_refused, confirm, current_session, enrolled, factor_rows,
    my_factors, reauthenticate, recovery_code_rows_of, start,
};
use crate::support::auth::{assert_refused as assert_token_refused, refresh};
use crate::support::{
    PASSWORD, TestApp, Tokens, assert_code, assert_ok, db_user, error_code, error_fields, uuid,
};

per_backend!(
    settings = |s| s.totp_issuer = "Acme Accounts".into();
    enrolling_an_app_makes_this_session_aal2_and_ends_the_others,
);
per_backend!(
    a_wrong_or_malformed_code_or_a_bad_label_is_refused_on_its_field,
    an_unknown_expired_or_foreign_enrolment_is_refused_on_enrollment_id,
    a_sixth_app_is_refused,
);

/// Percent-decoding, with `+` as a space in a query.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn at(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

/// Whether `code` reads as `xxxxx-xxxxx` in Crockford's base32 (no I, L, O or U).
fn is_recovery_code(code: &str) -> bool {
    let (left, right) = code.split_at(5.min(code.len()));
    let crockford = |part: &str| {
        part.len() == 5
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() && !"iloIuOLU".contains(c))
    };
    code.len() == 11 && crockford(left) && right.starts_with('-') && crockford(&right[1..])
}

async fn enrolling_an_app_makes_this_session_aal2_and_ends_the_others(app: TestApp) {
    let laptop = app.register("ada@example.com").await;
    let phone = app.login("ada@example.com", PASSWORD).await;
    let tablet = app.login("ada@example.com", PASSWORD).await;
    let before = my_factors(&app, &laptop.access).await;
    assert_eq!(before["mfaEnabled"], false);
    assert_eq!(before["totpFactors"], json!([]));
    assert_eq!(before["recoveryCodesRemaining"], Value::Null);

    // A fresh sign-in is no proof (a stolen token is usually fresh): the password first.
    let body = app.gql(START, json!({}), Some(&laptop.access)).await;
    assert_refused(&body, "FORBIDDEN", "REAUTHENTICATION_REQUIRED");
    assert_eq!(
        body["errors"][0]["extensions"]["methods"],
        json!(["PASSWORD"])
    );
    let proof = reauthenticate(&app, &laptop.access, json!({ "password": PASSWORD })).await;
    assert_ok(&proof);
    let reauthenticated_at = proof["data"]["reauthenticate"]["authenticatedAt"].clone();
    let body = app.gql(START, json!({}), Some(&laptop.access)).await;
    assert_ok(&body);
    let started = &body["data"]["startTotpEnrollment"];
    let secret = started["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "{secret}");
    assert!(
        secret
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)),
        "base32 without padding: {secret}"
    );
    assert_eq!(super::base32_decode(secret).len(), 20, "160 bits");
    let expires = at(&started["expiresAt"]) - Utc::now();
    assert!(
        expires > chrono::Duration::seconds(590) && expires <= chrono::Duration::seconds(600),
        "{expires}"
    );

    // What a QR code carries: otpauth://totp/{issuer}:{email}?secret=...&issuer=...
    let uri = started["otpauthUri"].as_str().unwrap();
    let rest = uri
        .strip_prefix("otpauth://totp/")
        .unwrap_or_else(|| panic!("{uri}"));
    let (label, query) = rest.split_once('?').unwrap();
    assert_eq!(decode(label), "Acme Accounts:ada@example.com");
    let parameters: std::collections::BTreeMap<String, String> = query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap();
            (name.to_owned(), decode(value))
        })
        .collect();
    let expected: std::collections::BTreeMap<String, String> = [
        ("secret", secret),
        ("issuer", "Acme Accounts"),
        ("algorithm", "SHA1"),
        ("digits", "6"),
        ("period", "30"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(parameters, expected, "{uri}");

    // Confirmed with what the app shows now; no label: the default one.
    let mut device = Authenticator::new(secret);
    let code = device.next_code().await;
    let id = started["enrollmentId"].as_str().unwrap();
    let confirmed = confirm(&app, &laptop.access, id, &code, None).await;
    assert_ok(&confirmed);
    let result = &confirmed["data"]["confirmTotpEnrollment"];
    assert_eq!(result["factor"]["label"], "Authenticator");
    assert!(result["factor"]["lastUsedAt"].is_string(), "{confirmed}");
    let codes: Vec<&str> = result["recoveryCodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{confirmed}"))
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 10, "{confirmed}");
    for code in &codes {
        assert!(is_recovery_code(code), "{code}");
    }
    let distinct: std::collections::BTreeSet<String> =
        codes.iter().map(|c| c.to_uppercase()).collect();
    assert_eq!(distinct.len(), 10);

    // This session proved the app just now; every other one ended, refresh tokens included.
    let session = current_session(&app, &laptop.access).await;
    assert_eq!(session["assuranceLevel"], "AAL2", "{session}");
    let methods = session["authenticationMethods"].as_array().unwrap();
    assert!(methods.contains(&json!("TOTP")), "{session}");
    // ... but it is no reauthentication: the session chose that app.
    assert_eq!(session["authenticatedAt"], reauthenticated_at, "{session}");
    for other in [&phone, &tablet] {
        assert_token_refused(&app, &other.access).await;
        assert_code(&refresh(&app, &other.refresh).await, "UNAUTHENTICATED");
    }

    let after = my_factors(&app, &laptop.access).await;
    assert_eq!(after["mfaEnabled"], true);
    assert_eq!(after["recoveryCodesRemaining"], 10);
    let factors = after["totpFactors"].as_array().unwrap();
    assert_eq!(factors.len(), 1, "{after}");
    assert_eq!(factors[0]["id"], result["factor"]["id"]);
    assert_eq!(factors[0]["label"], "Authenticator");

    // The database: the flag, the secret sealed, the enrolment gone, the codes as digests.
    let user = db_user(&app, &laptop.user_id).await.unwrap();
    assert!(user.mfa_enabled);
    let rows = factor_rows(&app, &laptop.user_id).await;
    assert_eq!(rows.len(), 1);
    let stored = &rows[0].secret;
    let bytes = super::base32_decode(secret);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    for clear in [
        secret.to_owned(),
        secret.to_lowercase(),
        hex.clone(),
        hex.to_uppercase(),
        STANDARD.encode(&bytes),
        STANDARD_NO_PAD.encode(&bytes),
        URL_SAFE_NO_PAD.encode(&bytes),
    ] {
        assert!(!stored.contains(&clear), "the stored secret holds {clear}");
    }
    assert!(
        !stored.as_bytes().windows(20).any(|w| w == bytes.as_slice()),
        "the stored secret holds its raw bytes"
    );
    let open = totp_enrollments::Entity::find()
        .filter(totp_enrollments::Column::UserId.eq(uuid(&laptop.user_id)))
        .all(app.db())
        .await
        .unwrap();
    assert!(open.is_empty(), "{open:?}");
    let digests = recovery_code_rows_of(&app, &laptop.user_id).await;
    assert_eq!(digests.len(), 10);
    for row in &digests {
        assert!(row.used_at.is_none());
        for code in &codes {
            let plain = code.replace('-', "");
            assert!(!row.digest.to_lowercase().contains(&plain.to_lowercase()));
        }
    }
    let enabled = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("TOTP_ENABLED"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(enabled.len(), 1);
    assert_eq!(enabled[0].user_id, Some(uuid(&laptop.user_id)));
}

/// Asserts `body` is `BAD_USER_INPUT` on `field` alone.
#[track_caller]
fn assert_refused_on(body: &Value, field: &str) {
    assert_code(body, "BAD_USER_INPUT");
    let fields = error_fields(body).as_object().unwrap();
    assert_eq!(
        fields.keys().collect::<Vec<_>>(),
        [field],
        "{field}: {body}"
    );
}

// (Each test stays within the ten enrolment requests a user may make in a burst.)
/// Registers `email` and confirms its password in that session: ready to enrol.
async fn ready_to_enrol(app: &TestApp, email: &str) -> Tokens {
    let tokens = app.register(email).await;
    let proof = reauthenticate(app, &tokens.access, json!({ "password": PASSWORD })).await;
    assert_ok(&proof);
    tokens
}

async fn a_wrong_or_malformed_code_or_a_bad_label_is_refused_on_its_field(app: TestApp) {
    let ada = ready_to_enrol(&app, "ada@example.com").await;
    let (id, _, mut device) = start(&app, &ada.access).await;
    let right = device.next_code().await;
    for code in [
        device.wrong_code(),
        right[..5].to_owned(),
        "abcdef".to_owned(),
        format!("{right}0"),
    ] {
        let body = confirm(&app, &ada.access, &id, &code, None).await;
        assert_refused_on(&body, "code");
    }
    for label in ["", &"x".repeat(101)] {
        let body = confirm(&app, &ada.access, &id, &right, Some(label)).await;
        assert_refused_on(&body, "label");
    }
    // Nothing was confirmed along the way.
    assert_eq!(my_factors(&app, &ada.access).await["mfaEnabled"], false);
    assert!(factor_rows(&app, &ada.user_id).await.is_empty());

    // The enrolment still stands: the right code with a 100-character label.
    let label = "é".repeat(100);
    let body = confirm(&app, &ada.access, &id, &right, Some(&label)).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["confirmTotpEnrollment"]["factor"]["label"],
        label.as_str()
    );
    // Once: it is a factor now, no longer an enrolment.
    let again = confirm(&app, &ada.access, &id, &device.next_code().await, None).await;
    assert_refused_on(&again, "enrollmentId");
    assert_eq!(factor_rows(&app, &ada.user_id).await.len(), 1);
}

async fn an_unknown_expired_or_foreign_enrolment_is_refused_on_enrollment_id(app: TestApp) {
    let ada = ready_to_enrol(&app, "ada@example.com").await;
    let bob = ready_to_enrol(&app, "bob@example.com").await;
    let (bobs, _, mut bobs_device) = start(&app, &bob.access).await;
    let (expiring, _, mut device) = start(&app, &ada.access).await;
    let right = device.next_code().await;
    for enrollment in [uuid::Uuid::new_v4().to_string(), "not-an-id".to_owned()] {
        let body = confirm(&app, &ada.access, &enrollment, &right, None).await;
        assert_refused_on(&body, "enrollmentId");
    }
    // Bob's enrolment is no enrolment of Ada's, even with its right code.
    let bobs_code = bobs_device.next_code().await;
    let body = confirm(&app, &ada.access, &bobs, &bobs_code, None).await;
    assert_refused_on(&body, "enrollmentId");
    assert!(factor_rows(&app, &ada.user_id).await.is_empty());
    // Ten minutes on, Ada's own is gone too.
    totp_enrollments::Entity::update_many()
        .col_expr(
            totp_enrollments::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(roster::db::now() - chrono::Duration::seconds(1)),
        )
        .filter(totp_enrollments::Column::UserId.eq(uuid(&ada.user_id)))
        .exec(app.db())
        .await
        .unwrap();
    let body = confirm(&app, &ada.access, &expiring, &right, None).await;
    assert_refused_on(&body, "enrollmentId");
    assert!(factor_rows(&app, &ada.user_id).await.is_empty());
    // Bob's still works for Bob.
    let body = confirm(&app, &bob.access, &bobs, &bobs_code, None).await;
    assert_ok(&body);
}

async fn a_sixth_app_is_refused(app: TestApp) {
    let ada = enrolled(&app, "ada@example.com").await;
    let token = &ada.tokens.access;
    let mut app = app;
    for n in 2..=5 {
        if n == 4 {
            // A user may make ten such requests in a burst, counted in the server's memory:
            // a restart (the database as it was) lets the test reach the rule it is about.
            app = app.restart().await;
        }
        let (id, _, mut device) = start(&app, token).await;
        let label = format!("Phone {n}");
        let body = confirm(&app, token, &id, &device.next_code().await, Some(&label)).await;
        assert_ok(&body);
        let result = &body["data"]["confirmTotpEnrollment"];
        assert_eq!(result["factor"]["label"], label.as_str());
        // Recovery codes come with the first factor only.
        assert_eq!(result["recoveryCodes"], Value::Null, "{body}");
    }
    let (id, _, mut device) = start(&app, token).await;
    let variables = json!({ "id": id, "code": device.next_code().await });
    let sixth = app.gql(CONFIRM, variables, Some(token)).await;
    assert_eq!(error_code(&sixth), Some("CONFLICT"), "{sixth}");
    assert_eq!(super::reason(&sixth), "LIMIT_REACHED", "{sixth}");
    let mine = my_factors(&app, token).await;
    let labels: Vec<&str> = mine["totpFactors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["Authenticator", "Phone 2", "Phone 3", "Phone 4", "Phone 5"]
    );
    assert_eq!(mine["recoveryCodesRemaining"], 10);
    assert_eq!(factor_rows(&app, &ada.tokens.user_id).await.len(), 5);
}
