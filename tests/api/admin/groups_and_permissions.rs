//! Groups and permissions: groups grant permissions to their members, permissions are created
//! and deleted, and deleting a group removes its memberships.

use roster::db::entities::{group_permissions, groups, user_groups, user_permissions};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::admin::{
    ADD_TO_GROUP, Actor, Admin, BUILT_IN, CREATE_GROUP, CREATE_PERMISSION, DELETE_GROUP,
    DELETE_PERMISSION, LIST_PERMISSIONS, REMOVE_FROM_GROUP, SET_GROUP_PERMISSIONS, SET_GROUPS,
    SET_USER_PERMISSIONS, UPDATE_GROUP, codenames, names, pluck, text,
};
use crate::support::{TestApp, assert_code, assert_ok, error_fields, uuid};

async fn groups_grant_permissions_to_their_members(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let user = Actor::register(&app, "user@example.com").await;
    let membership = |group: &str| json!({ "user": user.id(), "group": group });

    // createGroup with permissions; names are unique regardless of case.
    let input = json!({
        "name": "Support",
        "description": "First line",
        "permissionIds": admin.ids(&["users.view", "groups.view"]),
    });
    let data = admin.ok(CREATE_GROUP, json!({ "input": input })).await;
    let created = &data["createGroup"];
    let support = text(&created["id"]);
    assert_eq!(created["name"], "Support");
    assert_eq!(created["description"], "First line");
    assert_eq!(
        codenames(&created["permissions"]),
        ["groups.view", "users.view"]
    );
    assert_eq!(created["memberCount"], 0);
    let body = admin
        .call(CREATE_GROUP, json!({ "input": { "name": "sUPPORT" } }))
        .await;
    assert_code(&body, "CONFLICT");
    let editors = admin
        .create_group("Editors", &["users.view", "users.update"])
        .await;

    // updateGroup: without permissionIds the permissions stay; with them they are replaced.
    let update = |input: Value| admin.call(UPDATE_GROUP, json!({ "id": support, "input": input }));
    let body = update(json!({ "name": "Helpdesk", "description": "Second line" })).await;
    assert_ok(&body);
    let updated = &body["data"]["updateGroup"];
    assert_eq!(updated["name"], "Helpdesk");
    assert_eq!(updated["description"], "Second line");
    assert_eq!(
        codenames(&updated["permissions"]),
        ["groups.view", "users.view"]
    );
    assert_code(&update(json!({ "name": "EDITORS" })).await, "CONFLICT");
    assert_eq!(admin.group(&support).await["name"], "Helpdesk");
    let body = update(json!({
        "name": "Helpdesk",
        "permissionIds": admin.ids(&["groups.view", "users.update"]),
    }))
    .await;
    assert_ok(&body);
    assert_eq!(
        codenames(&body["data"]["updateGroup"]["permissions"]),
        ["groups.view", "users.update"]
    );
    // setGroupPermissions replaces them as well.
    let variables =
        json!({ "group": support, "permissions": admin.ids(&["groups.view", "users.view"]) });
    let data = admin.ok(SET_GROUP_PERMISSIONS, variables).await;
    assert_eq!(
        codenames(&data["setGroupPermissions"]["permissions"]),
        ["groups.view", "users.view"]
    );

    // Membership shows in the user's groups and effective permissions (deduplicated), and in
    // the group's memberCount and members. Adding twice is harmless.
    for _ in 0..2 {
        let data = admin.ok(ADD_TO_GROUP, membership(&support)).await;
        assert_eq!(names(&data["addUserToGroup"]["groups"]), ["Helpdesk"]);
    }
    let data = admin.ok(ADD_TO_GROUP, membership(&editors)).await;
    let added = &data["addUserToGroup"];
    assert_eq!(names(&added["groups"]), ["Editors", "Helpdesk"]);
    assert_eq!(
        codenames(&added["permissions"]),
        ["groups.view", "users.update", "users.view"]
    );
    let group = admin.group(&support).await;
    assert_eq!(group["memberCount"], 1);
    assert_eq!(pluck(&group["members"]["nodes"], "id"), [user.id()]);

    // Direct permissions add to the effective ones.
    let variables =
        json!({ "user": user.id(), "permissions": admin.ids(&["users.view", "permissions.view"]) });
    let data = admin.ok(SET_USER_PERMISSIONS, variables).await;
    assert_eq!(
        codenames(&data["setUserPermissions"]["permissions"]),
        [
            "groups.view",
            "permissions.view",
            "users.update",
            "users.view"
        ]
    );
    assert_eq!(
        codenames(&admin.user(user.id()).await["directPermissions"]),
        ["permissions.view", "users.view"]
    );

    // removeUserFromGroup and setUserGroups.
    let data = admin.ok(REMOVE_FROM_GROUP, membership(&support)).await;
    let removed = &data["removeUserFromGroup"];
    assert_eq!(names(&removed["groups"]), ["Editors"]);
    assert_eq!(
        codenames(&removed["permissions"]),
        ["permissions.view", "users.update", "users.view"]
    );
    let group = admin.group(&support).await;
    assert_eq!(group["memberCount"], 0);
    assert_eq!(group["members"]["nodes"], json!([]));

    let data = admin
        .ok(
            SET_GROUPS,
            json!({ "user": user.id(), "groups": [support] }),
        )
        .await;
    assert_eq!(names(&data["setUserGroups"]["groups"]), ["Helpdesk"]);
    assert_eq!(admin.group(&editors).await["memberCount"], 0);
    assert_eq!(admin.group(&support).await["memberCount"], 1);

    admin
        .ok(
            SET_USER_PERMISSIONS,
            json!({ "user": user.id(), "permissions": [] }),
        )
        .await;
    assert_eq!(admin.user(user.id()).await["directPermissions"], json!([]));
    let data = admin
        .ok(SET_GROUPS, json!({ "user": user.id(), "groups": [] }))
        .await;
    assert_eq!(data["setUserGroups"]["groups"], json!([]));
    assert_eq!(data["setUserGroups"]["permissions"], json!([]));

    // An ADMIN holds every permission, in no group.
    let mut all: Vec<String> = admin.permissions.keys().cloned().collect();
    all.sort();
    assert_eq!(codenames(&admin.user(admin.id()).await["permissions"]), all);
}

async fn permissions_are_created_and_deleted(app: TestApp) {
    let mut admin = Admin::new(&app, "admin@example.com").await;
    let user = Actor::register(&app, "user@example.com").await;
    let create = |codename: &str| {
        let input = json!({ "codename": codename, "name": "Export reports", "description": "CSV" });
        admin.call(CREATE_PERMISSION, json!({ "input": input }))
    };

    let body = create("reports.export_2").await;
    assert_ok(&body);
    let created = &body["data"]["createPermission"];
    assert_eq!(created["codename"], "reports.export_2");
    assert_eq!(created["name"], "Export reports");
    assert_eq!(created["description"], "CSV");
    let id = text(&created["id"]);

    for bad in [
        "Bad Code",
        "ab",
        "reports-export",
        "Reports.export",
        &"a".repeat(101),
    ] {
        let body = create(bad).await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(error_fields(&body)["codename"].is_array(), "{bad}: {body}");
    }
    assert_code(&create("reports.export_2").await, "CONFLICT");

    // An ADMIN holds the new permission at once, and it can be granted.
    admin.reload_permissions().await;
    assert_eq!(admin.permissions.len(), BUILT_IN.len() + 1);
    let held = codenames(&admin.user(admin.id()).await["permissions"]);
    assert!(held.contains(&"reports.export_2".to_owned()), "{held:?}");
    let group = admin
        .create_group("Reporters", &["reports.export_2", "users.view"])
        .await;
    admin
        .ok(
            SET_USER_PERMISSIONS,
            json!({ "user": user.id(), "permissions": [id] }),
        )
        .await;
    admin
        .ok(ADD_TO_GROUP, json!({ "user": user.id(), "group": group }))
        .await;
    assert_eq!(
        codenames(&admin.user(user.id()).await["permissions"]),
        ["reports.export_2", "users.view"]
    );

    let data = admin.ok(DELETE_PERMISSION, json!({ "id": id })).await;
    assert_eq!(data["deletePermission"], true);

    let after = admin.user(user.id()).await;
    assert_eq!(after["directPermissions"], json!([]));
    assert_eq!(codenames(&after["permissions"]), ["users.view"]);
    assert_eq!(
        codenames(&admin.group(&group).await["permissions"]),
        ["users.view"]
    );
    let listed = admin.ok(LIST_PERMISSIONS, json!({})).await;
    assert!(!codenames(&listed["permissions"]).contains(&"reports.export_2".to_owned()));
    let permission = uuid(&id);
    let granted = group_permissions::Entity::find()
        .filter(group_permissions::Column::PermissionId.eq(permission))
        .count(app.db())
        .await
        .unwrap();
    let held = user_permissions::Entity::find()
        .filter(user_permissions::Column::PermissionId.eq(permission))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!((granted, held), (0, 0));
    let body = admin.call(DELETE_PERMISSION, json!({ "id": id })).await;
    assert_code(&body, "NOT_FOUND");
}

async fn deleting_a_group_removes_its_memberships(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let member = admin
        .user_holding("member@example.com", &["users.view"])
        .await;
    let before = admin.user(member.id()).await;
    let group = text(&before["groups"][0]["id"]);
    assert_eq!(codenames(&before["permissions"]), ["users.view"]);

    let data = admin.ok(DELETE_GROUP, json!({ "id": group })).await;
    assert_eq!(data["deleteGroup"], true);

    assert!(admin.group(&group).await.is_null());
    let after = admin.user(member.id()).await;
    assert_eq!(after["groups"], json!([]));
    assert_eq!(after["permissions"], json!([]));
    let id = uuid(&group);
    assert!(
        groups::Entity::find_by_id(id)
            .one(app.db())
            .await
            .unwrap()
            .is_none()
    );
    let memberships = user_groups::Entity::find()
        .filter(user_groups::Column::GroupId.eq(id))
        .count(app.db())
        .await
        .unwrap();
    let grants = group_permissions::Entity::find()
        .filter(group_permissions::Column::GroupId.eq(id))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!((memberships, grants), (0, 0));
    // The former member lost what the group granted.
    let body = member
        .call("query { users { totalCount } }", json!({}))
        .await;
    assert_code(&body, "FORBIDDEN");
    let body = admin.call(DELETE_GROUP, json!({ "id": group })).await;
    assert_code(&body, "NOT_FOUND");
}

per_backend!(
    groups_grant_permissions_to_their_members,
    permissions_are_created_and_deleted,
    deleting_a_group_removes_its_memberships,
);
