//! No privilege escalation: group and user managers cannot grant what they lack or touch an
//! ADMIN.

use roster::db::entities::{groups, user_groups, users};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::admin::{
    ADD_TO_GROUP, Actor, Admin, CREATE_GROUP, CREATE_USER, DELETE_USER, DELETE_USER_FOREVER,
    SET_ACTIVE, SET_GROUPS, UPDATE_GROUP, UPDATE_USER, codenames, text,
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

both!(
    group_managers_cannot_grant_what_they_lack,
    user_managers_cannot_create_or_touch_admins,
);
