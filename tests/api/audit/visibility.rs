//! Who sees what of an event: the account holder does not see who else acted on their account
//! or from where; a reader of the log without `users.view` sees no email address or username;
//! and a failed login keeps only what could be a login name.

use roster::db::entities::audit_events;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use super::session_of;
use crate::support::admin::{Admin, CREATE_USER, UPDATE_USER, USER_FIELDS, text};
use crate::support::documents::LOGIN;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok};

per_backend!(
    my_audit_events_hide_who_else_acted_and_from_where,
    readers_without_users_view_see_no_addresses_or_usernames,
    a_failed_login_keeps_only_what_could_be_a_login_name,
);

const MINE: &str = "{ myAuditEvents(first: 50) { nodes { action actorId actor { id } userId \
     sessionId ipAddress userAgent details } } }";

const LOG: &str = "query($f: AuditEventFilter) { auditEvents(first: 50, filter: $f) { \
     nodes { action actorId sessionId ipAddress userAgent details } } }";

/// POSTs a GraphQL request from a client that calls itself `agent`; returns the body.
async fn gql_as(
    app: &TestApp,
    agent: &str,
    query: &str,
    variables: Value,
    token: Option<&str>,
) -> Value {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("user-agent", agent)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON body")
}

/// The only node of `action` in a list of events.
fn only<'a>(nodes: &'a Value, action: &str) -> &'a Value {
    let found: Vec<&Value> = nodes
        .as_array()
        .unwrap_or_else(|| panic!("expected a list, got {nodes}"))
        .iter()
        .filter(|node| node["action"] == action)
        .collect();
    assert_eq!(found.len(), 1, "one {action} in {nodes}");
    found[0]
}

async fn my_audit_events_hide_who_else_acted_and_from_where(app: TestApp) {
    let admin = Admin::new(&app, "root@example.com").await;
    let ada = app.register("ada@example.com").await;
    // An ADMIN edits Ada's account from their console.
    let edit = json!({ "id": ada.user_id, "input": { "firstName": "Augusta" } });
    let body = gql_as(
        &app,
        "AdminConsole/1.0",
        &format!("{UPDATE_USER} {USER_FIELDS}"),
        edit,
        Some(&admin.tokens.access),
    )
    .await;
    assert_ok(&body);
    // Someone tries Ada's account, then Ada signs in from her phone.
    let wrong = json!({ "input": { "login": "ada@example.com", "password": "not the password" } });
    assert_code(
        &gql_as(&app, "Guesser/0.1", LOGIN, wrong, None).await,
        "UNAUTHENTICATED",
    );
    let right = json!({ "input": { "login": "ada@example.com", "password": PASSWORD } });
    let body = gql_as(&app, "AdaPhone/2.0", LOGIN, right, None).await;
    assert_ok(&body);
    let phone = text(&body["data"]["login"]["accessToken"]);

    let body = app.gql(MINE, json!({}), Some(&phone)).await;
    assert_ok(&body);
    let nodes = &body["data"]["myAuditEvents"]["nodes"];
    // What the ADMIN did shows, but not who they are, their session or where they were.
    let edited = only(nodes, "USER_UPDATED");
    for field in ["actorId", "actor", "sessionId", "ipAddress", "userAgent"] {
        assert_eq!(edited[field], Value::Null, "{field} of {edited}");
    }
    assert_eq!(edited["userId"], ada.user_id.as_str());
    assert_eq!(
        edited["details"],
        r#"{"firstName":{"from":null,"to":"Augusta"}}"#
    );
    // Her own sign-in shows in full.
    let signed_in = only(nodes, "LOGIN_SUCCEEDED");
    assert_eq!(signed_in["actorId"], ada.user_id.as_str());
    assert_eq!(signed_in["actor"]["id"], ada.user_id.as_str());
    assert_eq!(
        signed_in["sessionId"],
        session_of(&phone).to_string().as_str()
    );
    assert_eq!(signed_in["ipAddress"], "127.0.0.1");
    assert_eq!(signed_in["userAgent"], "AdaPhone/2.0");
    // An anonymous attempt on her account shows where it came from.
    let failed = only(nodes, "LOGIN_FAILED");
    assert_eq!(failed["actorId"], Value::Null);
    assert_eq!(failed["ipAddress"], "127.0.0.1");
    assert_eq!(failed["userAgent"], "Guesser/0.1");

    // The log itself still shows the ADMIN everything.
    let filter = json!({ "f": { "userId": ada.user_id, "actions": ["USER_UPDATED"] } });
    let body = admin.ok(LOG, filter).await;
    let edited = only(&body["auditEvents"]["nodes"], "USER_UPDATED");
    assert_eq!(edited["actorId"], admin.id());
    assert_eq!(
        edited["sessionId"],
        session_of(&admin.tokens.access).to_string().as_str()
    );
    assert_eq!(edited["ipAddress"], "127.0.0.1");
    assert_eq!(edited["userAgent"], "AdminConsole/1.0");
}

async fn readers_without_users_view_see_no_addresses_or_usernames(app: TestApp) {
    let admin = Admin::new(&app, "root@example.com").await;
    let auditor = admin
        .user_holding("auditor@example.com", &["audit.view"])
        .await;
    let support = admin
        .user_holding("support@example.com", &["audit.view", "users.view"])
        .await;
    let input =
        json!({ "email": "carol@example.com", "username": "carol_c", "password": PASSWORD });
    let body = admin.ok(CREATE_USER, json!({ "input": input })).await;
    let carol = text(&body["createUser"]["id"]);
    let moved = json!({ "id": carol, "input": { "email": "carol@new.example.com" } });
    admin.ok(UPDATE_USER, moved).await;
    for login in ["carol@new.example.com", "carol_c"] {
        let wrong = json!({ "input": { "login": login, "password": "not the password" } });
        assert_code(&app.gql(LOGIN, wrong, None).await, "UNAUTHENTICATED");
    }

    let filter = json!({ "f": { "userId": carol,
        "actions": ["USER_CREATED", "EMAIL_CHANGED", "LOGIN_FAILED"] } });
    let details_seen_by = |body: Value| {
        let nodes = body["auditEvents"]["nodes"].as_array().unwrap().clone();
        let mut seen: Vec<(String, Value)> = nodes
            .iter()
            .map(|node| {
                let details = serde_json::from_str(node["details"].as_str().unwrap()).unwrap();
                (text(&node["action"]), details)
            })
            .collect();
        seen.sort_by(|a, b| (&a.0, a.1.to_string()).cmp(&(&b.0, b.1.to_string())));
        seen
    };
    let created = |email: &str, username: &str| {
        json!({ "email": email, "username": username, "role": "USER", "isActive": true,
            "emailVerified": false, "groupIds": [] })
    };
    let changed = |from: &str, to: &str| json!({ "email": { "from": from, "to": to } });

    // An ADMIN, and a holder of `users.view`, see the accounts.
    let full = vec![
        (
            "EMAIL_CHANGED".to_owned(),
            changed("carol@example.com", "carol@new.example.com"),
        ),
        (
            "LOGIN_FAILED".to_owned(),
            json!({ "login": "carol@new.example.com" }),
        ),
        ("LOGIN_FAILED".to_owned(), json!({ "login": "carol_c" })),
        (
            "USER_CREATED".to_owned(),
            created("carol@example.com", "carol_c"),
        ),
    ];
    assert_eq!(details_seen_by(admin.ok(LOG, filter.clone()).await), full);
    assert_eq!(details_seen_by(support.ok(LOG, filter.clone()).await), full);

    // `audit.view` alone: what happened, without whose address or username.
    let body = auditor.ok(LOG, filter).await;
    assert!(
        !body.to_string().contains("carol"),
        "an address or username shows: {body}"
    );
    assert_eq!(
        details_seen_by(body),
        [
            ("EMAIL_CHANGED".to_owned(), changed("[hidden]", "[hidden]")),
            ("LOGIN_FAILED".to_owned(), json!({ "login": "[hidden]" })),
            ("LOGIN_FAILED".to_owned(), json!({ "login": "[hidden]" })),
            ("USER_CREATED".to_owned(), created("[hidden]", "[hidden]")),
        ]
    );
}

async fn a_failed_login_keeps_only_what_could_be_a_login_name(app: TestApp) {
    let admin = Admin::new(&app, "root@example.com").await;
    let typed_password = "hunter2 my password!";
    let attempts = [
        (typed_password, "[not a login name]"),
        ("nobody@example.com", "nobody@example.com"),
        ("some_user", "some_user"),
    ];
    for (login, _) in attempts {
        let wrong = json!({ "input": { "login": login, "password": "not the password" } });
        assert_code(&app.gql(LOGIN, wrong, None).await, "UNAUTHENTICATED");
    }
    // Four more failures of the password-as-login from this address, and the next is
    // throttled: recorded the same way.
    let wrong = json!({ "input": { "login": typed_password, "password": "not the password" } });
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
