//! The last-admin rule: the system always keeps one active ADMIN, also under concurrent
//! demotions and concurrent link changes.

use roster::db::entities::{user_groups, users};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::support::admin::{
    ADD_TO_GROUP, Actor, Admin, DELETE_GROUP, DELETE_PERMISSION, DELETE_USER, DELETE_USER_FOREVER,
    LIST_PERMISSIONS, SET_ACTIVE, SET_GROUPS, SET_ROLE, SET_USER_PERMISSIONS, UPDATE_USER, text,
};
use crate::support::documents::{DELETE_ACCOUNT, ME};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, db_user, error_code};

/// Ids of the active, non-deleted ADMINs, from the database.
async fn active_admins(app: &TestApp) -> Vec<String> {
    users::Entity::find()
        .filter(users::Column::Role.eq(users::Role::Admin))
        .filter(users::Column::IsActive.eq(true))
        .filter(users::Column::DeletedAt.is_null())
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id.to_string())
        .collect()
}

async fn the_last_admin_cannot_be_removed(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let id = admin.id();
    let removals = [
        (SET_ROLE, json!({ "id": id, "role": "USER" })),
        (SET_ACTIVE, json!({ "id": id, "active": false })),
        (
            UPDATE_USER,
            json!({ "id": id, "input": { "role": "USER" } }),
        ),
        (
            UPDATE_USER,
            json!({ "id": id, "input": { "isActive": false } }),
        ),
        (DELETE_USER, json!({ "id": id })),
        (DELETE_USER_FOREVER, json!({ "id": id })),
        (DELETE_ACCOUNT, json!({ "password": PASSWORD })),
    ];
    for (query, variables) in removals {
        let body = admin.call(query, variables).await;
        assert_code(&body, "CONFLICT");
        let row = db_user(&app, id).await.expect("the admin's row stays");
        assert_eq!(row.role, users::Role::Admin, "{query}");
        assert!(row.is_active && row.deleted_at.is_none(), "{query}");
        assert_eq!(admin.me_error().await, None, "{query}");
    }
    // Other changes to the last admin are fine.
    let body = admin
        .call(
            UPDATE_USER,
            json!({ "id": id, "input": { "firstName": "Still here" } }),
        )
        .await;
    assert_ok(&body);

    // Inactive and deleted admins do not count.
    let inactive = Actor {
        app: &app,
        tokens: app.admin("inactive@example.com").await,
    };
    admin
        .ok(SET_ACTIVE, json!({ "id": inactive.id(), "active": false }))
        .await;
    let deleted = Actor {
        app: &app,
        tokens: app.admin("deleted@example.com").await,
    };
    admin.ok(DELETE_USER, json!({ "id": deleted.id() })).await;
    let body = admin
        .call(SET_ROLE, json!({ "id": id, "role": "USER" }))
        .await;
    assert_code(&body, "CONFLICT");
    assert_eq!(active_admins(&app).await, [id]);

    // With another active admin, the first may step down.
    let successor = Actor::register(&app, "successor@example.com").await;
    admin
        .ok(SET_ROLE, json!({ "id": successor.id(), "role": "ADMIN" }))
        .await;
    let data = admin
        .ok(SET_ROLE, json!({ "id": id, "role": "USER" }))
        .await;
    assert_eq!(data["setUserRole"]["role"], "USER");
    assert_eq!(active_admins(&app).await, [successor.id()]);
}

async fn a_demoted_admin_loses_admin_rights_at_once(app: TestApp) {
    let first = Admin::new(&app, "first@example.com").await;
    let second = Admin::new(&app, "second@example.com").await;

    first
        .ok(SET_ROLE, json!({ "id": second.id(), "role": "USER" }))
        .await;

    // The same token, the very next requests.
    let body = second
        .call(SET_ROLE, json!({ "id": first.id(), "role": "USER" }))
        .await;
    assert_code(&body, "FORBIDDEN");
    let body = second.call(LIST_PERMISSIONS, json!({})).await;
    assert_code(&body, "FORBIDDEN");
    let me = second.ok(ME, json!({})).await;
    assert_eq!(me["me"]["role"], "USER");
    assert_eq!(active_admins(&app).await, [first.id()]);
}

/// Concurrent changes to one user's links never fail with a 500: double-clicked adds are
/// idempotent, and concurrent replacements leave exactly one of the requested sets.
async fn concurrent_link_changes_do_not_collide(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let user = Actor::register(&app, "ada@example.com").await;
    let mut groups = Vec::new();
    for n in 0..4 {
        groups.push(admin.create_group(&format!("G{n}"), &["users.view"]).await);
    }

    let adds = futures_util::future::join_all((0..8).map(|_| {
        admin.call(
            ADD_TO_GROUP,
            json!({ "user": user.id(), "group": groups[0] }),
        )
    }))
    .await;
    for body in &adds {
        assert_ok(body);
    }
    let memberships = user_groups::Entity::find()
        .filter(user_groups::Column::UserId.eq(Uuid::parse_str(user.id()).unwrap()))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(memberships, 1);

    let sets: Vec<Vec<String>> = (0..4).map(|n| vec![groups[n].clone()]).collect();
    let replaced = futures_util::future::join_all(
        sets.iter()
            .map(|set| admin.call(SET_GROUPS, json!({ "user": user.id(), "groups": set }))),
    )
    .await;
    for body in &replaced {
        assert_ok(body);
    }
    let now: Vec<String> = admin.user(user.id()).await["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| text(&g["id"]))
        .collect();
    assert!(
        sets.contains(&now),
        "one requested set wins, not a mix: {now:?}"
    );

    let ids = admin.ids(&["users.view", "users.update"]);
    let grants = futures_util::future::join_all((0..6).map(|n| {
        let set = vec![ids[n % 2].clone()];
        admin.call(
            "mutation($group: ID!, $permissions: [ID!]!) { setGroupPermissions(groupId: $group, \
             permissionIds: $permissions) { permissions { codename } } }",
            json!({ "group": groups[1], "permissions": set }),
        )
    }))
    .await;
    for body in &grants {
        assert_ok(body);
    }
    // Links written while their group or permission is being deleted: each request succeeds
    // or finds the row gone, never a 500 (no deadlock between the delete's cascade and the
    // insert's foreign-key check).
    for round in 0..6 {
        let doomed = admin.create_group(&format!("Doomed {round}"), &[]).await;
        // Already a member: setting the same groups deletes and re-inserts that link.
        admin
            .ok(SET_GROUPS, json!({ "user": user.id(), "groups": [doomed] }))
            .await;
        let (set, deleted) = tokio::join!(
            admin.call(SET_GROUPS, json!({ "user": user.id(), "groups": [doomed] })),
            admin.call(DELETE_GROUP, json!({ "id": doomed })),
        );
        assert_ok(&deleted);
        assert!(
            set.get("errors").is_none() || error_code(&set) == Some("NOT_FOUND"),
            "{set}"
        );
        let created = admin
            .ok(
                "mutation($input: PermissionInput!) { createPermission(input: $input) { id } }",
                json!({ "input": { "codename": format!("doomed.p{round}"), "name": "Doomed" } }),
            )
            .await;
        let permission = text(&created["createPermission"]["id"]);
        admin
            .ok(
                SET_USER_PERMISSIONS,
                json!({ "user": user.id(), "permissions": [permission] }),
            )
            .await;
        let (set, deleted) = tokio::join!(
            admin.call(
                SET_USER_PERMISSIONS,
                json!({ "user": user.id(), "permissions": [permission] })
            ),
            admin.call(DELETE_PERMISSION, json!({ "id": permission })),
        );
        assert_ok(&deleted);
        assert!(
            set.get("errors").is_none() || error_code(&set) == Some("NOT_FOUND"),
            "{set}"
        );
    }

    let granted = admin.group(&groups[1]).await["permissions"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(granted, 1);
}

/// Two admins remove each other at the same time: exactly one wins and one active admin
/// remains. Repeated with fresh pairs, over every way of removing an admin.
async fn concurrent_demotions_keep_one_admin(app: TestApp) {
    const REMOVALS: [&str; 4] = [
        "mutation($id: ID!) { setUserRole(id: $id, role: USER) { id } }",
        "mutation($id: ID!) { setUserActive(id: $id, active: false) { id } }",
        DELETE_USER,
        DELETE_USER_FOREVER,
    ];
    let mut survivor: Option<Admin> = None;
    // Every pair of removals: the same one in rounds 0-3, neighbours in 4-7, the others in 8-11.
    for round in 0..12 {
        let a = Admin::new(&app, &format!("a{round}@example.com")).await;
        let b = Admin::new(&app, &format!("b{round}@example.com")).await;
        if let Some(previous) = survivor.take() {
            a.ok(SET_ROLE, json!({ "id": previous.id(), "role": "USER" }))
                .await;
        }
        assert_eq!(active_admins(&app).await.len(), 2);

        let a_removes_b = REMOVALS[round % 4];
        let b_removes_a = REMOVALS[(round + round / 4) % 4];
        let (by_a, by_b) = tokio::join!(
            a.call(a_removes_b, json!({ "id": b.id() })),
            b.call(b_removes_a, json!({ "id": a.id() })),
        );

        let remaining = active_admins(&app).await;
        let a_won = by_a.get("errors").is_none();
        let b_won = by_b.get("errors").is_none();
        assert!(
            remaining.len() == 1 && a_won != b_won,
            "round {round}: exactly one removal succeeds and one admin remains; \
             remaining {remaining:?}\n  A: {by_a}\n  B: {by_b}"
        );
        let (winner, winning_removal, losing_body) = if a_won {
            (a, a_removes_b, by_b)
        } else {
            (b, b_removes_a, by_a)
        };
        assert_eq!(remaining, [winner.id()], "round {round}");
        // The loser hit the rule or, when it started after the winner finished, had already
        // lost its role or its session.
        let too_late = if winning_removal.contains("setUserRole") {
            "FORBIDDEN"
        } else {
            "UNAUTHENTICATED"
        };
        let code = error_code(&losing_body);
        assert!(
            code == Some("CONFLICT") || code == Some(too_late),
            "round {round}: the losing removal answers CONFLICT or {too_late}: {losing_body}"
        );
        survivor = Some(winner);
    }
}

per_backend!(
    the_last_admin_cannot_be_removed,
    a_demoted_admin_loses_admin_rights_at_once,
    concurrent_demotions_keep_one_admin,
    concurrent_link_changes_do_not_collide,
);
