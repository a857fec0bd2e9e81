//! Action names, and what each reader is shown of an event.

use super::reading::hide_accounts;
use super::*;

#[test]
fn every_action_round_trips_by_its_api_name() {
    assert_eq!(Action::ALL.len(), 52);
    for action in Action::ALL {
        assert_eq!(Action::parse(action.as_str()), Some(*action));
    }
    assert_eq!(Action::parse("LOGIN"), None);
}

fn hidden(details: serde_json::Value) -> serde_json::Value {
    serde_json::from_str(&hide_accounts(&details.to_string())).unwrap()
}

#[test]
fn values_under_keys_that_name_accounts_are_hidden_at_any_depth() {
    use serde_json::json;
    assert_eq!(
        hidden(
            json!({ "email": { "from": "a@example.com", "to": "b@example.com" },
            "emailVerified": { "from": true, "to": false } })
        ),
        json!({ "email": { "from": "[hidden]", "to": "[hidden]" },
            "emailVerified": { "from": true, "to": false } })
    );
    assert_eq!(
        hidden(
            json!({ "email": "ada@example.com", "username": "ada", "role": "USER",
            "groupIds": ["0190"] })
        ),
        json!({ "email": "[hidden]", "username": "[hidden]", "role": "USER",
            "groupIds": ["0190"] })
    );
    assert_eq!(
        hidden(
            json!({ "login": "ada_l", "username": { "from": null, "to": "ada" },
            "firstName": { "from": "Ada", "to": "Augusta" } })
        ),
        json!({ "login": "[hidden]", "username": { "from": null, "to": "[hidden]" },
            "firstName": { "from": "Ada", "to": "Augusta" } })
    );
    // A key added later that holds an address or a username is hidden too.
    assert_eq!(
        hidden(json!({ "providerEmail": "x", "Usernames": ["a", "b"] })),
        json!({ "providerEmail": "[hidden]", "Usernames": ["[hidden]", "[hidden]"] })
    );
}

#[test]
fn email_addresses_are_hidden_wherever_they_are() {
    use serde_json::json;
    assert_eq!(
        hidden(json!({ "name": "ops@example.com",
            "description": { "to": "Ask <Ops@Example.com>, or bob@x.org." },
            "list": [{ "note": "mail a@b" }] })),
        json!({ "name": "[hidden]", "description": { "to": "Ask <[hidden]>, or [hidden]" },
            "list": [{ "note": "mail [hidden]" }] })
    );
    // Not addresses: a lone `@`, a handle, an address cut in half, numbers, booleans.
    let kept = json!({ "name": "@ada and ada@ and a @ b", "count": 3, "on": true });
    assert_eq!(hidden(kept.clone()), kept);
    assert_eq!(hide_accounts("not json ada@example.com"), r#""[hidden]""#);
}

fn event(actor_id: Option<Uuid>) -> audit_events::Model {
    audit_events::Model {
        id: Uuid::now_v7(),
        occurred_at: db::now(),
        action: "USER_UPDATED".into(),
        actor_id,
        user_id: Some(Uuid::from_u128(1)),
        group_id: None,
        permission_id: None,
        session_id: Some(Uuid::now_v7()),
        ip_address: Some("192.0.2.1".into()),
        user_agent: Some("curl/8".into()),
        details: Some(r#"{"email":{"from":"a@example.com","to":"b@example.com"}}"#.into()),
    }
}

#[test]
fn an_owner_sees_neither_who_else_acted_nor_from_where() {
    let owner = Uuid::from_u128(1);
    let by_someone_else = event(Some(Uuid::from_u128(2)));
    let mut shown = by_someone_else.clone();
    Reader::Owner(owner).hide(&mut shown);
    assert_eq!(
        (
            shown.actor_id,
            shown.session_id,
            &shown.ip_address,
            &shown.user_agent
        ),
        (None, None, &None, &None)
    );
    assert_eq!(shown.details, by_someone_else.details);
    // Their own acts, and anonymous attempts on their account, stay whole.
    for whole in [event(Some(owner)), event(None)] {
        let mut shown = whole.clone();
        Reader::Owner(owner).hide(&mut shown);
        assert_eq!(shown, whole);
    }
}

#[test]
fn an_auditor_without_accounts_sees_details_without_them() {
    let whole = event(Some(Uuid::from_u128(2)));
    let mut shown = whole.clone();
    Reader::AuditorWithoutAccounts.hide(&mut shown);
    assert_eq!(
        shown.details.as_deref(),
        Some(r#"{"email":{"from":"[hidden]","to":"[hidden]"}}"#)
    );
    assert_eq!(
        (shown.actor_id, &shown.ip_address),
        (whole.actor_id, &whole.ip_address)
    );
    let mut shown = whole.clone();
    Reader::Auditor.hide(&mut shown);
    assert_eq!(shown, whole);
}
