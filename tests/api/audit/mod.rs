//! The audit log: each action's event, with its actor, target, session and client, written in
//! the transaction of what it records, and never a secret.

use roster::db::entities::audit_events;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::json;

use crate::support::{PASSWORD, TestApp, assert_code, uuid};

both!(
    registration_and_logins_are_recorded_without_secrets,
    events_past_the_retention_are_pruned,
);

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
    let login = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";
    for (name, password) in [
        ("ada@example.com", "a wrong password entirely"),
        ("nobody@example.com", "whatever it may be"),
    ] {
        let body = app
            .gql(
                login,
                json!({ "i": { "login": name, "password": password } }),
                None,
            )
            .await;
        assert_code(&body, "UNAUTHENTICATED");
    }
    app.login("ada@example.com", PASSWORD).await;

    let recorded = events(&app).await;
    let actions: Vec<&str> = recorded.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "REGISTERED",
            "LOGIN_FAILED",
            "LOGIN_FAILED",
            "LOGIN_SUCCEEDED"
        ]
    );
    let [registered, wrong, unknown, succeeded] = &recorded[..] else {
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
    assert_eq!(events(&app).await.len(), 4);
    let pruned = roster::services::audit::prune(app.db(), now - chrono::Duration::days(90))
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(pruned, 3);
    let left: Vec<String> = events(&app).await.into_iter().map(|e| e.action).collect();
    assert_eq!(left, ["REGISTERED"]);
}
