//! Admin operations on users: create, update, deactivate, soft and permanent delete, restore,
//! and the answers for unknown and malformed ids.

use roster::db::entities::{sessions, user_groups, user_permissions, users};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::admin::{
    Actor, Admin, BUILT_IN, CREATE_USER, DELETE_USER_FOREVER, GET_GROUP, RESTORE_USER, SET_ACTIVE,
    SET_USER_PERMISSIONS, UPDATE_USER, codenames, names, text,
};
use crate::support::auth::refresh;
use crate::support::documents::REGISTER;
use crate::support::{
    PASSWORD, TestApp, assert_code, assert_ok, db_user, error_code, error_fields, uuid,
};

/// The first error's code when logging in as `login` with the standard password.
async fn login_error(app: &TestApp, login: &str) -> Option<String> {
    let body = app.try_login(login, PASSWORD).await;
    error_code(&body).map(str::to_owned)
}

async fn create_user_with_role_activity_and_groups(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let viewers = admin.create_group("Viewers", &["users.view"]).await;
    let editors = admin
        .create_group("Editors", &["users.view", "users.update"])
        .await;

    let data = admin
        .ok(
            CREATE_USER,
            json!({ "input": {
                "email": "  New.Admin@Example.com ",
                "password": PASSWORD,
                "username": "new.admin",
                "firstName": "Ada",
                "lastName": "Lovelace",
                "role": "ADMIN",
                "isActive": false,
                "groupIds": [viewers, editors],
            } }),
        )
        .await;
    let created = &data["createUser"];
    assert_eq!(created["email"], "new.admin@example.com");
    assert_eq!(created["username"], "new.admin");
    assert_eq!(created["fullName"], "Ada Lovelace");
    assert_eq!(created["role"], "ADMIN");
    assert_eq!(created["isAdmin"], true);
    assert_eq!(created["isActive"], false);
    assert_eq!(created["isDeleted"], false);
    assert_eq!(names(&created["groups"]), ["Editors", "Viewers"]);
    let mut all = BUILT_IN.map(str::to_owned).to_vec();
    all.sort();
    assert_eq!(
        codenames(&created["permissions"]),
        all,
        "an ADMIN holds all"
    );
    let stored = admin.user(&text(&created["id"])).await;
    assert!(stored["deletedAt"].is_null());
    assert_eq!(stored["directPermissions"], json!([]));
    // Inactive from the start: cannot log in.
    assert_eq!(
        login_error(&app, "new.admin@example.com").await.as_deref(),
        Some("UNAUTHENTICATED")
    );

    // The defaults: an active USER in no group, who can log in.
    let data = admin
        .ok(
            CREATE_USER,
            json!({ "input": { "email": "plain@example.com", "password": PASSWORD } }),
        )
        .await;
    let plain = &data["createUser"];
    assert_eq!(plain["role"], "USER");
    assert_eq!(plain["isAdmin"], false);
    assert_eq!(plain["isActive"], true);
    assert_eq!(plain["groups"], json!([]));
    assert_eq!(plain["permissions"], json!([]));
    let tokens = app.login("plain@example.com", PASSWORD).await;
    assert_eq!(tokens.user_id, text(&plain["id"]));
}

async fn create_user_rejects_duplicates_bad_input_and_unknown_groups(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    app.register("taken@example.com").await;
    let users_before = users::Entity::find().count(app.db()).await.unwrap();
    let create = |input: Value| admin.call(CREATE_USER, json!({ "input": input }));

    let body = create(json!({ "email": " TAKEN@example.com", "password": PASSWORD })).await;
    assert_code(&body, "CONFLICT");
    assert!(error_fields(&body)["email"].is_array(), "{body}");

    let body =
        create(json!({ "email": "not an email", "password": "short", "username": "a@b" })).await;
    assert_code(&body, "BAD_USER_INPUT");
    for field in ["email", "password", "username"] {
        assert!(
            error_fields(&body)[field].is_array(),
            "expected a message on {field}: {body}"
        );
    }

    let unknown_group = Uuid::now_v7().to_string();
    let body = create(json!({
        "email": "grouped@example.com",
        "password": PASSWORD,
        "groupIds": [unknown_group],
    }))
    .await;
    assert_code(&body, "NOT_FOUND");

    let body = create(json!({
        "email": "grouped@example.com",
        "password": PASSWORD,
        "groupIds": ["not-an-id"],
    }))
    .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["groupIds"].is_array(), "{body}");

    assert_eq!(
        users::Entity::find().count(app.db()).await.unwrap(),
        users_before,
        "a refused createUser stores nothing"
    );
}

async fn update_user_edits_and_clears_fields(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let target = Actor::register(&app, "target@example.com").await;
    app.register("other@example.com").await;
    let update =
        |input: Value| admin.call(UPDATE_USER, json!({ "id": target.id(), "input": input }));

    let body = update(json!({
        "email": "Grace@Example.com",
        "username": "grace",
        "firstName": "Grace",
        "lastName": "Hopper",
        "company": "Navy",
    }))
    .await;
    assert_ok(&body);
    let user = &body["data"]["updateUser"];
    assert_eq!(user["email"], "grace@example.com");
    assert_eq!(user["username"], "grace");
    assert_eq!(user["fullName"], "Grace Hopper");

    // null clears a field; an omitted field stays.
    let body = update(json!({ "firstName": null, "lastName": null })).await;
    assert_ok(&body);
    let user = &body["data"]["updateUser"];
    assert!(
        user["firstName"].is_null() && user["lastName"].is_null(),
        "{user}"
    );
    assert_eq!(user["username"], "grace");
    assert_eq!(user["fullName"], "grace");
    let stored = db_user(&app, target.id()).await.unwrap();
    assert_eq!(stored.company.as_deref(), Some("Navy"));

    let body = update(json!({ "email": "OTHER@example.com" })).await;
    assert_code(&body, "CONFLICT");
    let body = update(json!({ "email": "nope" })).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["email"].is_array(), "{body}");
    let stored = db_user(&app, target.id()).await.unwrap();
    assert_eq!(stored.email, "grace@example.com");

    // An ADMIN may change the role through updateUser too.
    let body = update(json!({ "role": "ADMIN" })).await;
    assert_ok(&body);
    assert_eq!(body["data"]["updateUser"]["isAdmin"], true);
    // The new email logs in.
    app.login("grace@example.com", PASSWORD).await;
}

async fn deactivation_ends_sessions_at_once(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let target = Actor::register(&app, "target@example.com").await;
    let set_active =
        |active: bool| admin.ok(SET_ACTIVE, json!({ "id": target.id(), "active": active }));
    assert_eq!(target.me_error().await, None);

    let data = set_active(false).await;
    assert_eq!(data["setUserActive"]["isActive"], false);
    assert_eq!(target.me_error().await.as_deref(), Some("UNAUTHENTICATED"));
    let body = refresh(&app, &target.tokens.refresh).await;
    assert_code(&body, "UNAUTHENTICATED");
    assert_eq!(
        login_error(&app, "target@example.com").await.as_deref(),
        Some("UNAUTHENTICATED")
    );

    let data = set_active(true).await;
    assert_eq!(data["setUserActive"]["isActive"], true);
    let again = Actor {
        app: &app,
        tokens: app.login("target@example.com", PASSWORD).await,
    };
    assert_eq!(again.me_error().await, None);
    // The sessions that ended stay ended.
    assert_eq!(target.me_error().await.as_deref(), Some("UNAUTHENTICATED"));
}

async fn soft_delete_reserves_the_email_until_restored(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let target = Actor::register(&app, "target@example.com").await;
    let find = |deleted: &str| {
        admin.ok(
            "query($filter: UserFilter) { users(filter: $filter) { totalCount \
             nodes { id isDeleted deletedAt } } }",
            json!({ "filter": { "search": "target@", "deleted": deleted } }),
        )
    };

    // `permanent` declared as a variable and left out means its default: a soft delete.
    let data = admin
        .ok(
            "mutation($id: ID!, $permanent: Boolean) { deleteUser(id: $id, permanent: $permanent) }",
            json!({ "id": target.id() }),
        )
        .await;
    assert_eq!(data["deleteUser"], true);
    assert!(db_user(&app, target.id()).await.is_some(), "the row stays");

    assert_eq!(target.me_error().await.as_deref(), Some("UNAUTHENTICATED"));
    assert_eq!(
        login_error(&app, "target@example.com").await.as_deref(),
        Some("UNAUTHENTICATED")
    );
    let body = app
        .gql(
            REGISTER,
            json!({ "input": { "email": "Target@Example.com", "password": PASSWORD } }),
            None,
        )
        .await;
    assert_code(&body, "CONFLICT");

    assert_eq!(find("EXCLUDE").await["users"]["totalCount"], 0);
    assert_eq!(find("INCLUDE").await["users"]["totalCount"], 1);
    let only = find("ONLY").await;
    assert_eq!(only["users"]["totalCount"], 1);
    let node = &only["users"]["nodes"][0];
    assert_eq!(node["id"], target.id());
    assert_eq!(node["isDeleted"], true);
    assert!(node["deletedAt"].is_string(), "{node}");
    assert_eq!(admin.user(target.id()).await["isDeleted"], true);

    let data = admin.ok(RESTORE_USER, json!({ "id": target.id() })).await;
    assert_eq!(data["restoreUser"]["isDeleted"], false);
    assert!(admin.user(target.id()).await["deletedAt"].is_null());
    assert_eq!(find("EXCLUDE").await["users"]["totalCount"], 1);
    let again = Actor {
        app: &app,
        tokens: app.login("target@example.com", PASSWORD).await,
    };
    assert_eq!(again.me_error().await, None);
    assert_eq!(
        target.me_error().await.as_deref(),
        Some("UNAUTHENTICATED"),
        "sessions ended by the deletion stay ended"
    );
}

async fn permanent_delete_removes_the_row_and_its_links(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let target = admin
        .user_holding("target@example.com", &["users.view"])
        .await;
    let variables = json!({ "user": target.id(), "permissions": admin.ids(&["groups.view"]) });
    admin.ok(SET_USER_PERMISSIONS, variables).await;
    let group = text(&admin.user(target.id()).await["groups"][0]["id"]);
    let id = uuid(target.id());
    // (memberships, direct permissions, sessions)
    let links = || async {
        let db = app.db();
        (
            user_groups::Entity::find()
                .filter(user_groups::Column::UserId.eq(id))
                .count(db)
                .await
                .unwrap(),
            user_permissions::Entity::find()
                .filter(user_permissions::Column::UserId.eq(id))
                .count(db)
                .await
                .unwrap(),
            sessions::Entity::find()
                .filter(sessions::Column::UserId.eq(id))
                .count(db)
                .await
                .unwrap(),
        )
    };
    assert_eq!(links().await, (1, 1, 1));

    let data = admin
        .ok(DELETE_USER_FOREVER, json!({ "id": target.id() }))
        .await;
    assert_eq!(data["deleteUser"], true);

    assert!(db_user(&app, target.id()).await.is_none());
    assert_eq!(links().await, (0, 0, 0));
    assert!(admin.user(target.id()).await.is_null());
    assert_eq!(admin.group(&group).await["memberCount"], 0);
    assert_eq!(target.me_error().await.as_deref(), Some("UNAUTHENTICATED"));
    let body = admin
        .call(DELETE_USER_FOREVER, json!({ "id": target.id() }))
        .await;
    assert_code(&body, "NOT_FOUND");
    // The email is free again.
    app.register("target@example.com").await;
}

/// Every mutation that names an id: a well-formed id that names nothing is NOT_FOUND, a
/// malformed one BAD_USER_INPUT; the queries answer null for the former.
async fn unknown_ids_are_not_found_and_malformed_ids_bad_input(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let user = Actor::register(&app, "user@example.com").await;
    let group = admin.create_group("Group", &[]).await;

    // Each names the id under test `$id`; `$user`, `$group` and `$permission` exist.
    let mutations = [
        "mutation($id: ID!) { updateUser(id: $id, input: { firstName: \"X\" }) { id } }",
        "mutation($id: ID!) { setUserRole(id: $id, role: USER) { id } }",
        "mutation($id: ID!) { setUserRole(id: $id, role: ADMIN) { id } }",
        "mutation($id: ID!) { setUserActive(id: $id, active: false) { id } }",
        "mutation($id: ID!) { deleteUser(id: $id) }",
        "mutation($id: ID!) { deleteUser(id: $id, permanent: true) }",
        "mutation($id: ID!) { restoreUser(id: $id) { id } }",
        "mutation($id: ID!) { setUserGroups(userId: $id, groupIds: []) { id } }",
        "mutation($id: ID!, $group: ID!) { addUserToGroup(userId: $id, groupId: $group) { id } }",
        "mutation($id: ID!, $group: ID!) { removeUserFromGroup(userId: $id, groupId: $group) { id } }",
        "mutation($id: ID!) { setUserPermissions(userId: $id, permissionIds: []) { id } }",
        "mutation($id: ID!, $user: ID!) { addUserToGroup(userId: $user, groupId: $id) { id } }",
        "mutation($id: ID!, $user: ID!) { removeUserFromGroup(userId: $user, groupId: $id) { id } }",
        "mutation($id: ID!, $user: ID!) { setUserGroups(userId: $user, groupIds: [$id]) { id } }",
        "mutation($id: ID!) { updateGroup(id: $id, input: { name: \"X\" }) { id } }",
        "mutation($id: ID!) { deleteGroup(id: $id) }",
        "mutation($id: ID!, $permission: ID!) { \
         setGroupPermissions(groupId: $id, permissionIds: [$permission]) { id } }",
        "mutation($id: ID!, $group: ID!) { \
         setGroupPermissions(groupId: $group, permissionIds: [$id]) { id } }",
        "mutation($id: ID!, $user: ID!) { \
         setUserPermissions(userId: $user, permissionIds: [$id]) { id } }",
        "mutation($id: ID!) { createGroup(input: { name: \"New\", permissionIds: [$id] }) { id } }",
        "mutation($id: ID!) { createUser(input: { email: \"new@example.com\", \
         password: \"correct horse battery staple\", groupIds: [$id] }) { id } }",
        "mutation($id: ID!) { deletePermission(id: $id) }",
    ];
    let unknown = Uuid::now_v7().to_string();
    let mut failures = Vec::new();
    for query in mutations {
        for (id, code) in [
            (unknown.as_str(), "NOT_FOUND"),
            ("not-an-id", "BAD_USER_INPUT"),
        ] {
            let variables = json!({
                "id": id,
                "user": user.id(),
                "group": group,
                "permission": admin.permissions["users.view"],
            });
            let body = admin.call(query, variables).await;
            if error_code(&body) != Some(code) {
                failures.push(format!("{query} with {id}: expected {code}, got {body}"));
            } else if code == "BAD_USER_INPUT" && !error_fields(&body).is_object() {
                failures.push(format!("{query}: BAD_USER_INPUT without fields: {body}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Nothing changed along the way.
    let stored = admin.user(user.id()).await;
    assert_eq!(stored["groups"], json!([]));
    assert_eq!(stored["directPermissions"], json!([]));
    assert!(stored["firstName"].is_null());
    assert_eq!(admin.group(&group).await["permissions"], json!([]));
    assert_eq!(
        users::Entity::find()
            .filter(users::Column::Email.eq("new@example.com"))
            .count(app.db())
            .await
            .unwrap(),
        0
    );

    assert!(admin.user(&unknown).await.is_null());
    assert!(admin.group(&unknown).await.is_null());
    let body = admin.call(GET_GROUP, json!({ "id": "not-an-id" })).await;
    assert_code(&body, "BAD_USER_INPUT");
}

per_backend!(
    create_user_with_role_activity_and_groups,
    create_user_rejects_duplicates_bad_input_and_unknown_groups,
    update_user_edits_and_clears_fields,
    deactivation_ends_sessions_at_once,
    soft_delete_reserves_the_email_until_restored,
    permanent_delete_removes_the_row_and_its_links,
    unknown_ids_are_not_found_and_malformed_ids_bad_input,
);
