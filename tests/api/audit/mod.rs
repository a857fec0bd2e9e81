//! The audit log: each action's event, with its actor, target, session and client, written in
//! the transaction of what it records, and never a secret.

use roster::db::entities::audit_events;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::json;

use crate::support::admin::Admin;
use crate::support::auth::refresh;
use crate::support::clock::age_refresh_rotations;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, uuid};

mod actions;
mod visibility;

per_backend!(
    registration_and_logins_are_recorded_without_secrets,
    my_audit_events_lists_my_account_newest_first,
    audit_events_filters_pages_and_guards,
    a_page_of_events_with_their_people_costs_a_constant_number_of_statements,
    sessions_ending_are_recorded,
    a_malformed_time_is_bad_user_input,
);

async fn a_malformed_time_is_bad_user_input(app: TestApp) {
    let admin = app.admin("root@example.com").await;
    let query = "query($f: AuditEventFilter) { auditEvents(filter: $f) { totalCount } }";
    for since in ["yesterday", "2026-13-01T00:00:00Z"] {
        let filter = json!({ "f": { "since": since } });
        let body = app.gql(query, filter, Some(&admin.access)).await;
        assert_code(&body, "BAD_USER_INPUT");
    }
    let inline = "{ auditEvents(filter: { until: \"soon\" }) { totalCount } }";
    assert_code(
        &app.gql(inline, json!({}), Some(&admin.access)).await,
        "BAD_USER_INPUT",
    );
}

/// The session an access token belongs to (its `sid` claim).
fn session_of(access: &str) -> uuid::Uuid {
    use base64::Engine;
    let claims = access.split('.').nth(1).unwrap();
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    uuid(value["sid"].as_str().unwrap())
}

async fn events(app: &TestApp) -> Vec<audit_events::Model> {
    audit_events::Entity::find()
        .order_by_asc(audit_events::Column::OccurredAt)
        .order_by_asc(audit_events::Column::Id)
        .all(app.db())
        .await
        .unwrap()
}

async fn registration_and_logins_are_recorded_without_secrets(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    let ada_id = uuid(&ada.user_id);
    for (name, password) in [
        ("ada@example.com", "a wrong password entirely"),
        ("nobody@example.com", "whatever it may be"),
    ] {
        let body = app.try_login(name, password).await;
        assert_code(&body, "UNAUTHENTICATED");
    }
    app.login("ada@example.com", PASSWORD).await;

    let recorded = events(&app).await;
    let actions: Vec<&str> = recorded.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "REGISTERED",
            "EMAIL_VERIFICATION_SENT",
            "LOGIN_FAILED",
            "LOGIN_FAILED",
            "LOGIN_SUCCEEDED"
        ]
    );
    let [registered, _, wrong, unknown, succeeded] = &recorded[..] else {
        unreachable!()
    };
    assert_eq!(
        (registered.actor_id, registered.user_id),
        (Some(ada_id), Some(ada_id))
    );
    assert!(registered.session_id.is_some());
    assert_eq!(registered.ip_address.as_deref(), Some("127.0.0.1"));
    // A failed login is anonymous, names the account tried when it exists, and the login.
    assert_eq!((wrong.actor_id, wrong.user_id), (None, Some(ada_id)));
    assert_eq!(
        wrong.details.as_deref(),
        Some(r#"{"login":"ada@example.com"}"#)
    );
    assert_eq!((unknown.actor_id, unknown.user_id), (None, None));
    assert_eq!(succeeded.actor_id, Some(ada_id));
    assert!(succeeded.session_id.is_some());
    assert_ne!(succeeded.session_id, registered.session_id);
    // No password, hash or token anywhere in the log.
    let everything = format!("{recorded:?}");
    for secret in [
        PASSWORD,
        "a wrong password entirely",
        "whatever it may be",
        &ada.access,
        &ada.refresh,
        "argon2",
    ] {
        assert!(!everything.contains(secret), "an event holds {secret}");
    }
}

// Retention off for the server itself, so that its own pruning (which runs at start) does not
// race the test's.
per_backend!(
    settings = |s| s.audit_retention_days = 0;
    events_past_the_retention_are_pruned,
);

async fn events_past_the_retention_are_pruned(app: TestApp) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    app.register("ada@example.com").await;
    let now = roster::db::now();
    for days in [91, 200, 400] {
        audit_events::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            occurred_at: Set(now - chrono::Duration::days(days)),
            action: Set("LOGIN_FAILED".into()),
            actor_id: Set(None),
            user_id: Set(None),
            group_id: Set(None),
            permission_id: Set(None),
            session_id: Set(None),
            ip_address: Set(None),
            user_agent: Set(None),
            details: Set(None),
        }
        .insert(app.db())
        .await
        .unwrap();
    }
    assert_eq!(events(&app).await.len(), 5);
    let pruned =
        crate::support::services::prune_audit_events(app.db(), now - chrono::Duration::days(90))
            .await
            .unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(pruned, 3);
    let left: Vec<String> = events(&app).await.into_iter().map(|e| e.action).collect();
    assert_eq!(left, ["REGISTERED", "EMAIL_VERIFICATION_SENT"]);
}

const MINE: &str = "{ myAuditEvents { totalCount nodes { action actorId userId sessionId ipAddress details actor { email } user { email } } } }";

async fn my_audit_events_lists_my_account_newest_first(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    app.try_login("ada@example.com", "not the password").await;
    let bob = app.register("bob@example.com").await;
    let body = app.gql(MINE, json!({}), Some(&ada.access)).await;
    assert_ok(&body);
    let page = &body["data"]["myAuditEvents"];
    assert_eq!(page["totalCount"], 3, "{body}");
    let nodes = page["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["action"], "LOGIN_FAILED");
    assert_eq!(nodes[0]["actorId"], serde_json::Value::Null);
    assert_eq!(nodes[0]["actor"], serde_json::Value::Null);
    assert_eq!(nodes[0]["user"]["email"], "ada@example.com");
    assert_eq!(nodes[0]["details"], r#"{"login":"ada@example.com"}"#);
    assert_eq!(nodes[1]["action"], "EMAIL_VERIFICATION_SENT");
    assert_eq!(nodes[1]["details"], r#"{"email":"ada@example.com"}"#);
    assert_eq!(nodes[2]["action"], "REGISTERED");
    assert_eq!(nodes[2]["actor"]["email"], "ada@example.com");
    assert_eq!(nodes[2]["ipAddress"], "127.0.0.1");
    // Bob's own events only.
    let body = app.gql(MINE, json!({}), Some(&bob.access)).await;
    assert_eq!(body["data"]["myAuditEvents"]["totalCount"], 2, "{body}");
    assert_code(&app.gql(MINE, json!({}), None).await, "UNAUTHENTICATED");
}

const ALL: &str = "query($f: AuditEventFilter, $first: Int, $after: String) {
    auditEvents(filter: $f, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { action userId user { email } }
    }
}";

async fn audit_events_filters_pages_and_guards(app: TestApp) {
    let admin = Admin::new(&app, "root@example.com").await;
    let auditor = admin
        .user_holding("auditor@example.com", &["audit.view"])
        .await;
    let plain = app.register("plain@example.com").await;
    for _ in 0..3 {
        app.try_login("plain@example.com", "not the password").await;
    }
    assert_code(
        &app.gql(ALL, json!({}), Some(&plain.access)).await,
        "FORBIDDEN",
    );

    let failed = json!({ "actions": ["LOGIN_FAILED"], "userId": plain.user_id });
    let body = admin.ok(ALL, json!({ "f": failed, "first": 2 })).await;
    let page = &body["auditEvents"];
    assert_eq!(page["totalCount"], 3, "{body}");
    assert_eq!(page["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["nodes"][0]["user"]["email"], "plain@example.com");
    let after = page["pageInfo"]["endCursor"].as_str().unwrap();
    let rest = admin
        .ok(ALL, json!({ "f": failed, "first": 2, "after": after }))
        .await;
    assert_eq!(rest["auditEvents"]["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(rest["auditEvents"]["pageInfo"]["hasNextPage"], false);

    // `until` is exclusive: nothing happened before the first event.
    let none = json!({ "until": "2000-01-01T00:00:00Z" });
    let body = admin.ok(ALL, json!({ "f": none })).await;
    assert_eq!(body["auditEvents"]["totalCount"], 0);
    let since = json!({ "since": "2000-01-01T00:00:00Z", "actions": ["REGISTERED"] });
    let body = admin.ok(ALL, json!({ "f": since })).await;
    assert_eq!(body["auditEvents"]["totalCount"], 2, "{body}");

    // `audit.view` reads the log, but only `users.view` shows the accounts behind the ids.
    let body = auditor.ok(ALL, json!({ "f": failed })).await;
    let node = &body["auditEvents"]["nodes"][0];
    assert_eq!(node["userId"], plain.user_id.as_str());
    assert_eq!(node["user"], serde_json::Value::Null, "{body}");
    let bad = app
        .gql(
            ALL,
            json!({ "f": { "userId": "not-an-id" } }),
            Some(&admin.tokens.access),
        )
        .await;
    assert_code(&bad, "BAD_USER_INPUT");
}

per_backend!(mail; password_and_email_flows_are_recorded);

async fn password_and_email_flows_are_recorded(
    app: TestApp,
    mail: crate::support::smtp::MailServer,
) {
    use crate::recovery::request_reset;
    use crate::support::documents::{CHANGE_PASSWORD, RESET, VERIFY};
    let ada = app.register("ada@example.com").await;
    let link = mail
        .one("ada@example.com", "Confirm")
        .await
        .token("verify-email");
    assert_ok(&app.gql(VERIFY, json!({ "token": link }), None).await);
    let changed = app
        .gql(
            CHANGE_PASSWORD,
            json!({ "current": PASSWORD, "new": "a second long passphrase" }),
            Some(&ada.access),
        )
        .await;
    assert_ok(&changed);
    request_reset(&app, "ada@example.com").await;
    let reset_token = mail
        .one("ada@example.com", "Reset")
        .await
        .token("reset-password");
    let reset = app
        .gql(
            RESET,
            json!({ "token": reset_token, "password": "a third long passphrase" }),
            None,
        )
        .await;
    assert_ok(&reset);

    let recorded = events(&app).await;
    let actions: Vec<&str> = recorded.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "REGISTERED",
            "EMAIL_VERIFICATION_SENT",
            "EMAIL_VERIFIED",
            "PASSWORD_CHANGED",
            "PASSWORD_RESET_REQUESTED",
            "PASSWORD_RESET"
        ]
    );
    let ada_id = uuid(&ada.user_id);
    assert!(recorded.iter().all(|e| e.user_id == Some(ada_id)));
    // Only the reset request is anonymous: whoever asked, it names the account.
    let actors: Vec<_> = recorded.iter().map(|e| e.actor_id.is_some()).collect();
    assert_eq!(actors, [true, true, true, true, false, true]);
    assert_eq!(
        recorded[4].details.as_deref(),
        Some(r#"{"email":"ada@example.com"}"#)
    );
    // The password change happened in the session of the request; the reset opened a new one.
    let sessions: Vec<_> = recorded.iter().map(|e| e.session_id).collect();
    assert_eq!(
        sessions[3], sessions[0],
        "changePassword ran in the registration's session"
    );
    assert!(sessions[5].is_some() && sessions[5] != sessions[0]);
    let everything = format!("{recorded:?}");
    for secret in [
        PASSWORD,
        "a second long passphrase",
        "a third long passphrase",
        &link,
        &reset_token,
    ] {
        assert!(!everything.contains(secret), "an event holds {secret}");
    }
}

async fn a_page_of_events_with_their_people_costs_a_constant_number_of_statements(app: TestApp) {
    let admin = app.admin("root@example.com").await;
    for n in 0..6 {
        let email = format!("user{n}@example.com");
        app.register(&email).await;
        app.try_login(&email, "not the password").await;
    }
    let query = "query($n: Int) { auditEvents(first: $n) { totalCount nodes { action actor { email } user { email } } } }";
    let mut counts = Vec::new();
    app.wait_for_first_pruning().await;
    for n in [2, 12] {
        let before = app.statement_count();
        let body = app.gql(query, json!({ "n": n }), Some(&admin.access)).await;
        let after = app.statement_count();
        assert_ok(&body);
        let nodes = body["data"]["auditEvents"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), n as usize);
        assert!(
            nodes.iter().all(|node| node["user"]["email"].is_string()),
            "{body}"
        );
        counts.push(after - before);
    }
    assert_eq!(
        counts[0], counts[1],
        "statements must not grow with the page (N+1)"
    );
    // The session check, the page, its count, and the accounts it names.
    assert!(counts[1] <= 5, "{} statements", counts[1]);
}

async fn sessions_ending_are_recorded(app: TestApp) {
    let laptop = app.register("ada@example.com").await;
    let phone = app.login("ada@example.com", PASSWORD).await;
    let tablet = app.login("ada@example.com", PASSWORD).await;
    // The laptop ends the phone's session; the tablet logs itself out.
    let revoke = "mutation($id: ID!) { revokeSession(id: $id) }";
    let phone_session = session_of(&phone.access).to_string();
    assert_ok(
        &app.gql(revoke, json!({ "id": phone_session }), Some(&laptop.access))
            .await,
    );
    assert_ok(
        &app.gql("mutation { logout }", json!({}), Some(&tablet.access))
            .await,
    );
    // The laptop's refresh token, rotated and then presented again after the grace.
    assert_ok(&refresh(&app, &laptop.refresh).await);
    age_refresh_rotations(&app, chrono::Duration::seconds(60)).await;
    assert_code(&refresh(&app, &laptop.refresh).await, "UNAUTHENTICATED");

    let recorded = events(&app).await;
    let ada = uuid(&laptop.user_id);
    let find = |action: &str| {
        recorded
            .iter()
            .find(|e| e.action == action)
            .unwrap_or_else(|| panic!("no {action}"))
    };
    let revoked = find("SESSION_REVOKED");
    assert_eq!((revoked.actor_id, revoked.user_id), (Some(ada), Some(ada)));
    assert_eq!(revoked.session_id, Some(session_of(&phone.access)));
    let logout = find("LOGOUT");
    assert_eq!(logout.session_id, Some(session_of(&tablet.access)));
    assert_eq!(logout.details.as_deref(), Some(r#"{"allSessions":false}"#));
    let reused = find("REFRESH_TOKEN_REUSED");
    assert_eq!((reused.actor_id, reused.user_id), (None, Some(ada)));
    assert_eq!(reused.session_id, Some(session_of(&laptop.access)));
    let everything = format!("{recorded:?}");
    assert!(
        !everything.contains(&laptop.refresh),
        "an event holds a refresh token"
    );
}
