//! `--require-mfa admins`: an ADMIN without a second factor signs in, but its token serves only
//! self-service and enrolment until it enrols; a USER is not covered; a covered account may not
//! remove its last factor.

use serde_json::{Value, json};

use super::{REMOVE, assert_refused, enrol, my_factors, start};
use crate::support::documents::{ME, MY_SESSIONS};
use crate::support::{PASSWORD, TestApp, assert_ok};

const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }";

per_backend!(
    settings = |s| s.require_mfa = roster::config::RequireMfa::Admins;
    an_admin_without_a_second_factor_may_only_enrol,
    a_covered_account_keeps_its_last_factor,
);

const USERS: &str = "{ users { totalCount nodes { id } } }";
const MY_EVENTS: &str = "{ myAuditEvents { totalCount } }";
/// `deletedAt` is shown to an ADMIN only.
const OWN_ADMIN_FIELDS: &str = "{ me { email deletedAt } }";

#[track_caller]
fn assert_enrolment_required(body: &Value) {
    assert_refused(body, "FORBIDDEN", "MFA_ENROLLMENT_REQUIRED");
}

async fn an_admin_without_a_second_factor_may_only_enrol(app: TestApp) {
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;

    // The ADMIN signs in, and its token serves itself.
    for query in [ME, MY_SESSIONS] {
        assert_ok(&app.gql(query, json!({}), Some(&root.access)).await);
    }
    // Not the rest, however it is asked.
    for (query, variables) in [
        (USERS, json!({})),
        (MY_EVENTS, json!({})),
        ("{ everyone: users { totalCount } }", json!({})),
        (
            "mutation($id: ID!) { setUserActive(id: $id, active: false) { id } }",
            json!({ "id": ada.user_id }),
        ),
    ] {
        let body = app.gql(query, variables, Some(&root.access)).await;
        assert_enrolment_required(&body);
    }
    // Not even beside a field it may use.
    let mixed = app
        .gql(
            "query($id: ID!) { me { id } user(id: $id) { id } }",
            json!({ "id": ada.user_id }),
            Some(&root.access),
        )
        .await;
    assert_enrolment_required(&mixed);
    assert_eq!(mixed["data"]["user"], Value::Null, "{mixed}");
    // Ada was not deactivated meanwhile.
    assert_ok(&app.gql(ME, json!({}), Some(&ada.access)).await);
    // Beneath the fields it may use, it holds no role: what only an ADMIN sees stays hidden.
    let own = app
        .gql(OWN_ADMIN_FIELDS, json!({}), Some(&root.access))
        .await;
    assert_eq!(own["data"]["me"]["email"], "root@example.com", "{own}");
    assert_eq!(own["errors"][0]["extensions"]["code"], "FORBIDDEN", "{own}");
    assert_eq!(
        own["errors"][0]["path"],
        json!(["me", "deletedAt"]),
        "{own}"
    );

    // A USER is not covered: what a USER may do, it does.
    let body = app.gql(MY_EVENTS, json!({}), Some(&ada.access)).await;
    assert_ok(&body);
    assert_eq!(my_factors(&app, &ada.access).await["mfaEnabled"], false);

    // Enrolling is allowed; on the next request the ADMIN is an ADMIN again.
    let root = enrol(&app, "root@example.com", root).await;
    assert_ok(
        &app.gql(OWN_ADMIN_FIELDS, json!({}), Some(&root.tokens.access))
            .await,
    );
    let body = app.gql(USERS, json!({}), Some(&root.tokens.access)).await;
    assert_ok(&body);
    assert_eq!(body["data"]["users"]["totalCount"], 2);
    assert_ok(
        &app.gql(MY_EVENTS, json!({}), Some(&root.tokens.access))
            .await,
    );

    // An ADMIN whose address is not verified (no `--require-verified-email` here) is held to
    // enrolment, and nothing else, just the same.
    let input = json!({ "email": "boss@example.com", "password": PASSWORD, "role": "ADMIN" });
    let created = app
        .gql(
            CREATE_USER,
            json!({ "input": input }),
            Some(&root.tokens.access),
        )
        .await;
    assert_ok(&created);
    let boss = app.login("boss@example.com", PASSWORD).await;
    assert_enrolment_required(&app.gql(USERS, json!({}), Some(&boss.access)).await);
    let boss = enrol(&app, "boss@example.com", boss).await;
    let body = app.gql(USERS, json!({}), Some(&boss.tokens.access)).await;
    assert_ok(&body);
    assert_eq!(body["data"]["users"]["totalCount"], 3);
}

async fn a_covered_account_keeps_its_last_factor(app: TestApp) {
    let root = app.admin("root@example.com").await;
    let root = enrol(&app, "root@example.com", root).await;
    let token = &root.tokens.access;
    let refused = app
        .gql(REMOVE, json!({ "id": root.factor_id }), Some(token))
        .await;
    assert_enrolment_required(&refused);
    assert_eq!(
        my_factors(&app, token).await["totpFactors"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // With a second app, the first may go; the last may not.
    let (id, _, mut device) = start(&app, token).await;
    let body = super::confirm(&app, token, &id, &device.next_code().await, Some("Spare")).await;
    assert_ok(&body);
    let spare = body["data"]["confirmTotpEnrollment"]["factor"]["id"].clone();
    let removed = app
        .gql(REMOVE, json!({ "id": root.factor_id }), Some(token))
        .await;
    assert_ok(&removed);
    assert_enrolment_required(&app.gql(REMOVE, json!({ "id": spare }), Some(token)).await);
    let mine = my_factors(&app, token).await;
    assert_eq!(mine["mfaEnabled"], true);
    assert_eq!(mine["totpFactors"][0]["label"], "Spare");
    assert_eq!(mine["recoveryCodesRemaining"], 10);
}
