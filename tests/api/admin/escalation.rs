//! No privilege escalation: group and user managers cannot grant what they lack or touch an
//! ADMIN, and group managers cannot change a group that grants what they lack.

use std::collections::BTreeSet;

use roster::db::entities::{audit_events, group_permissions, groups, user_groups, users};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::admin::{
    ADD_TO_GROUP, Actor, Admin, CREATE_GROUP, CREATE_USER, DELETE_GROUP, DELETE_USER,
    DELETE_USER_FOREVER, REMOVE_FROM_GROUP, SET_ACTIVE, SET_GROUP_PERMISSIONS, SET_GROUPS,
    UPDATE_GROUP, UPDATE_USER, codenames, names, text,
};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, db_user, uuid};

async fn group_managers_cannot_grant_what_they_lack(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let manager = admin
        .user_holding_directly("manager@example.com", &["groups.manage", "groups.view"])
        .await;
    let peer = Actor::register(&app, "peer@example.com").await;
    let deleters = admin.create_group("Deleters", &["users.delete"]).await;

    // Joining a group that grants users.delete, itself or anyone else.
    for who in [manager.id(), peer.id()] {
        let body = manager
            .call(ADD_TO_GROUP, json!({ "user": who, "group": deleters }))
            .await;
        assert_code(&body, "FORBIDDEN");
        let body = manager
            .call(SET_GROUPS, json!({ "user": who, "groups": [deleters] }))
            .await;
        assert_code(&body, "FORBIDDEN");
    }
    let members = user_groups::Entity::find()
        .filter(user_groups::Column::GroupId.eq(uuid(&deleters)))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(members, 0);

    // Creating a group that grants something it lacks, alone or beside what it holds.
    let create = |codenames: &[&str]| {
        let input = json!({ "name": "Escalation", "permissionIds": admin.ids(codenames) });
        manager.call(CREATE_GROUP, json!({ "input": input }))
    };
    assert_code(&create(&["users.delete"]).await, "FORBIDDEN");
    assert_code(&create(&["groups.view", "users.delete"]).await, "FORBIDDEN");
    let escalation = groups::Entity::find()
        .filter(groups::Column::NameKey.eq("escalation"))
        .one(app.db())
        .await
        .unwrap();
    assert!(escalation.is_none());
    // What it holds, it may grant.
    let body = create(&["groups.manage"]).await;
    assert_ok(&body);
    let own = text(&body["data"]["createGroup"]["id"]);

    // Updating a group to grant something it lacks.
    let update = |codenames: &[&str]| {
        let input = json!({ "name": "Escalation", "permissionIds": admin.ids(codenames) });
        manager.call(UPDATE_GROUP, json!({ "id": own, "input": input }))
    };
    assert_code(
        &update(&["groups.manage", "users.delete"]).await,
        "FORBIDDEN",
    );
    assert_eq!(
        codenames(&admin.group(&own).await["permissions"]),
        ["groups.manage"]
    );
    assert_ok(&update(&["groups.manage", "groups.view"]).await);
    let body = manager
        .call(
            "mutation($user: ID!, $group: ID!) { addUserToGroup(userId: $user, groupId: $group) { id } }",
            json!({ "user": peer.id(), "group": own }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        codenames(&admin.user(peer.id()).await["permissions"]),
        ["groups.manage", "groups.view"]
    );

    // After all that, the manager still holds only what it was given.
    let body = manager.call(DELETE_USER, json!({ "id": peer.id() })).await;
    assert_code(&body, "FORBIDDEN");
    assert_eq!(
        codenames(&admin.user(manager.id()).await["permissions"]),
        ["groups.manage", "groups.view"]
    );
}

async fn user_managers_cannot_create_or_touch_admins(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let deleters = admin.create_group("Deleters", &["users.delete"]).await;
    let creator = admin
        .user_holding("creator@example.com", &["users.create"])
        .await;
    let updater = admin
        .user_holding("updater@example.com", &["users.update"])
        .await;
    let remover = admin
        .user_holding("remover@example.com", &["users.delete"])
        .await;
    let target = Actor::register(&app, "target@example.com").await;

    // users.create: no ADMIN, and no group granting more than the creator holds.
    let create = |input: Value| creator.call(CREATE_USER, json!({ "input": input }));
    let boss = json!({ "email": "boss@example.com", "password": PASSWORD, "role": "ADMIN" });
    assert_code(&create(boss).await, "FORBIDDEN");
    // The role is refused before anything else in the input is looked at.
    let boss = json!({ "email": "boss@example.com", "password": PASSWORD, "role": "ADMIN",
        "groupIds": ["not-an-id"] });
    assert_code(&create(boss).await, "FORBIDDEN");
    let boss = json!({ "email": "boss@example.com", "password": PASSWORD, "groupIds": [deleters] });
    assert_code(&create(boss).await, "FORBIDDEN");
    assert!(
        users::Entity::find()
            .filter(users::Column::Email.eq("boss@example.com"))
            .one(app.db())
            .await
            .unwrap()
            .is_none()
    );
    let staff = json!({ "email": "staff@example.com", "password": PASSWORD, "role": "USER" });
    assert_ok(&create(staff).await);

    // users.update: no role change (its own included), and nothing on an ADMIN's account.
    let forbidden = [
        (
            UPDATE_USER,
            json!({ "id": target.id(), "input": { "role": "ADMIN" } }),
        ),
        (
            UPDATE_USER,
            json!({ "id": updater.id(), "input": { "role": "ADMIN" } }),
        ),
        (
            UPDATE_USER,
            json!({ "id": admin.id(), "input": { "firstName": "Mallory" } }),
        ),
        (
            UPDATE_USER,
            json!({ "id": admin.id(), "input": { "email": "mallory@example.com" } }),
        ),
        (
            UPDATE_USER,
            json!({ "id": admin.id(), "input": { "isActive": false } }),
        ),
        (
            UPDATE_USER,
            json!({ "id": admin.id(), "input": { "firstName": "Mallory", "role": "USER" } }),
        ),
        (SET_ACTIVE, json!({ "id": admin.id(), "active": false })),
    ];
    for (query, variables) in forbidden {
        let body = updater.call(query, variables.clone()).await;
        assert_code(&body, "FORBIDDEN");
    }
    let body = updater
        .call(
            UPDATE_USER,
            json!({ "id": target.id(), "input": { "firstName": "Renamed" } }),
        )
        .await;
    assert_ok(&body);
    // A whole form sent back with the role unchanged is an edit, not a role change.
    let body = updater
        .call(
            UPDATE_USER,
            json!({ "id": target.id(), "input": { "lastName": "Again", "role": "USER" } }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["updateUser"]["role"], "USER", "{body}");

    // users.delete: not an ADMIN.
    for query in [DELETE_USER, DELETE_USER_FOREVER] {
        let body = remover.call(query, json!({ "id": admin.id() })).await;
        assert_code(&body, "FORBIDDEN");
    }

    let admin_row = db_user(&app, admin.id()).await.unwrap();
    assert_eq!(admin_row.email, "admin@example.com");
    assert_eq!(admin_row.first_name, None);
    assert_eq!(admin_row.role, users::Role::Admin);
    assert!(admin_row.is_active && admin_row.deleted_at.is_none());
    assert_eq!(admin.me_error().await, None);
    for user in [&updater, &target] {
        let row = db_user(&app, user.id()).await.unwrap();
        assert_eq!(row.role, users::Role::User);
    }
}

/// A group as the database holds it: name, description, the codenames it grants and its
/// members' ids (`None` when it is gone).
async fn stored_group(
    app: &TestApp,
    id: &str,
) -> Option<(String, Option<String>, BTreeSet<String>, BTreeSet<String>)> {
    use roster::db::entities::permissions;
    let group = groups::Entity::find_by_id(uuid(id))
        .one(app.db())
        .await
        .unwrap()?;
    let granted = group_permissions::Entity::find()
        .filter(group_permissions::Column::GroupId.eq(group.id))
        .find_also_related(permissions::Entity)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .filter_map(|(_, permission)| permission.map(|p| p.codename))
        .collect();
    let members = user_groups::Entity::find()
        .filter(user_groups::Column::GroupId.eq(group.id))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|link| link.user_id.to_string())
        .collect();
    Some((group.name, group.description, granted, members))
}

/// How many events `actor` has caused.
async fn events_by(app: &TestApp, actor: &str) -> u64 {
    audit_events::Entity::find()
        .filter(audit_events::Column::ActorId.eq(uuid(actor)))
        .count(app.db())
        .await
        .unwrap()
}

async fn group_managers_cannot_change_groups_beyond_their_rights(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let manager = admin
        .user_holding_directly("manager@example.com", &["groups.manage", "groups.view"])
        .await;
    let peer = Actor::register(&app, "peer@example.com").await;
    let deleters = text(
        &admin
            .ok(
                CREATE_GROUP,
                json!({ "input": { "name": "Deleters", "description": "Remove accounts",
                    "permissionIds": admin.ids(&["users.delete", "groups.view"]) } }),
            )
            .await["createGroup"]["id"],
    );
    let viewers = admin.create_group("Viewers", &["groups.view"]).await;
    for group in [&deleters, &viewers] {
        admin
            .ok(ADD_TO_GROUP, json!({ "user": peer.id(), "group": group }))
            .await;
    }
    let deleters_before = stored_group(&app, &deleters).await;
    let viewers_before = stored_group(&app, &viewers).await;
    let events_before = events_by(&app, manager.id()).await;

    // Deleters grants users.delete, which the manager lacks: it may not rename, edit, strip,
    // delete or empty it, even of people other than itself.
    let edit = |input: Value| manager.call(UPDATE_GROUP, json!({ "id": deleters, "input": input }));
    let refused = [
        edit(json!({ "name": "Renamed" })).await,
        edit(json!({ "name": "Deleters", "description": "Edited" })).await,
        edit(
            json!({ "name": "Deleters", "description": "Remove accounts",
            "permissionIds": admin.ids(&["groups.view"]) }),
        )
        .await,
        manager.call(DELETE_GROUP, json!({ "id": deleters })).await,
        manager
            .call(
                REMOVE_FROM_GROUP,
                json!({ "user": peer.id(), "group": deleters }),
            )
            .await,
        manager
            .call(
                SET_GROUPS,
                json!({ "user": peer.id(), "groups": [viewers] }),
            )
            .await,
        manager
            .call(SET_GROUPS, json!({ "user": peer.id(), "groups": [] }))
            .await,
        // Not a member: refused all the same (it answers for the group, not the membership).
        manager
            .call(
                REMOVE_FROM_GROUP,
                json!({ "user": manager.id(), "group": deleters }),
            )
            .await,
    ];
    for body in &refused {
        assert_code(body, "FORBIDDEN");
    }
    assert_eq!(stored_group(&app, &deleters).await, deleters_before);
    assert_eq!(stored_group(&app, &viewers).await, viewers_before);
    assert_eq!(
        events_by(&app, manager.id()).await,
        events_before,
        "a refused change recorded an event"
    );

    // Viewers grants only what the manager holds: all of it is allowed, around Deleters.
    let body = manager
        .call(
            UPDATE_GROUP,
            json!({ "id": viewers, "input": { "name": "Readers", "description": "Read groups" } }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(body["data"]["updateGroup"]["name"], "Readers");
    let body = manager
        .call(
            SET_GROUPS,
            json!({ "user": peer.id(), "groups": [deleters] }),
        )
        .await;
    assert_ok(&body);
    assert_eq!(
        names(&body["data"]["setUserGroups"]["groups"]),
        ["Deleters"]
    );
    for query in [ADD_TO_GROUP, REMOVE_FROM_GROUP] {
        let body = manager
            .call(query, json!({ "user": peer.id(), "group": viewers }))
            .await;
        assert_ok(&body);
    }
    assert_ok(&manager.call(DELETE_GROUP, json!({ "id": viewers })).await);
    assert_eq!(stored_group(&app, &viewers).await, None);
    assert_eq!(
        stored_group(&app, &deleters).await,
        deleters_before.map(|(name, description, granted, _)| {
            (
                name,
                description,
                granted,
                BTreeSet::from([peer.id().to_owned()]),
            )
        })
    );

    // What counts is what a group grants now: once an ADMIN makes it grant more, it is out of
    // the manager's reach.
    let helpers = admin.create_group("Helpers", &["groups.view"]).await;
    let rename = |name: &str| {
        manager.call(
            UPDATE_GROUP,
            json!({ "id": helpers, "input": { "name": name } }),
        )
    };
    assert_ok(&rename("Helpers 2").await);
    let raised =
        json!({ "group": helpers, "permissions": admin.ids(&["groups.view", "users.delete"]) });
    admin.ok(SET_GROUP_PERMISSIONS, raised).await;
    assert_code(&rename("Helpers 3").await, "FORBIDDEN");
    assert_eq!(admin.group(&helpers).await["name"], "Helpers 2");

    // An ADMIN is not held back.
    let body = admin
        .ok(
            UPDATE_GROUP,
            json!({ "id": deleters, "input": { "name": "Removers" } }),
        )
        .await;
    assert_eq!(body["updateGroup"]["name"], "Removers");
    admin
        .ok(
            REMOVE_FROM_GROUP,
            json!({ "user": peer.id(), "group": deleters }),
        )
        .await;
    admin.ok(DELETE_GROUP, json!({ "id": deleters })).await;
    assert_eq!(stored_group(&app, &deleters).await, None);
}

per_backend!(
    group_managers_cannot_grant_what_they_lack,
    group_managers_cannot_change_groups_beyond_their_rights,
    user_managers_cannot_create_or_touch_admins,
);
