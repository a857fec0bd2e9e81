//! What the audit log keeps and shows: a failed login keeps only what could be a login name.

use roster::db::entities::audit_events;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::support::admin::{Admin, text};
use crate::support::{TestApp, assert_code};

both!(a_failed_login_keeps_only_what_could_be_a_login_name);

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";

const LOG: &str = "query($f: AuditEventFilter) { auditEvents(first: 50, filter: $f) { \
     nodes { action actorId sessionId ipAddress userAgent details } } }";

async fn a_failed_login_keeps_only_what_could_be_a_login_name(app: TestApp) {
    let admin = Admin::new(&app, "root@example.com").await;
    let typed_password = "hunter2 my password!";
    let attempts = [
        (typed_password, "[not a login name]"),
        ("nobody@example.com", "nobody@example.com"),
        ("some_user", "some_user"),
    ];
    for (login, _) in attempts {
        let wrong = json!({ "i": { "login": login, "password": "not the password" } });
        assert_code(&app.gql(LOGIN, wrong, None).await, "UNAUTHENTICATED");
    }
    // Four more failures of the password-as-login from this address, and the next is
    // throttled: recorded the same way.
    let wrong = json!({ "i": { "login": typed_password, "password": "not the password" } });
    for _ in 0..4 {
        assert_code(
            &app.gql(LOGIN, wrong.clone(), None).await,
            "UNAUTHENTICATED",
        );
    }
    assert_code(&app.gql(LOGIN, wrong, None).await, "TOO_MANY_REQUESTS");

    let filter = json!({ "f": { "actions": ["LOGIN_FAILED", "LOGIN_THROTTLED"] } });
    let body = admin.ok(LOG, filter).await;
    let mut nodes: Vec<Value> = body["auditEvents"]["nodes"].as_array().unwrap().clone();
    nodes.reverse();
    let recorded: Vec<(String, String)> = nodes
        .iter()
        .map(|node| (text(&node["action"]), text(&node["details"])))
        .collect();
    let login = |name: &str| json!({ "login": name }).to_string();
    let mut expected: Vec<(String, String)> = attempts
        .iter()
        .map(|(_, kept)| ("LOGIN_FAILED".to_owned(), login(kept)))
        .collect();
    for _ in 0..4 {
        expected.push(("LOGIN_FAILED".to_owned(), login("[not a login name]")));
    }
    expected.push(("LOGIN_THROTTLED".to_owned(), login("[not a login name]")));
    assert_eq!(recorded, expected);

    // Nowhere in the log.
    let everything = format!(
        "{:?}",
        audit_events::Entity::find().all(app.db()).await.unwrap()
    );
    assert!(!everything.contains("hunter2"), "the log holds a password");
}
