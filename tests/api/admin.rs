//! Administration over HTTP: who may call each guarded operation (one table), the operations on
//! users, groups and permissions end to end, privilege escalation, and the rule that the system
//! always keeps one active ADMIN, also under concurrent demotions.

use std::collections::{BTreeSet, HashMap};

use roster::db::entities::{
    group_permissions, groups, sessions, user_groups, user_permissions, users,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp, Tokens, assert_code, assert_ok, error_code, error_fields};

/// The permissions the migrations create.
const BUILT_IN: [&str; 7] = [
    "users.view",
    "users.create",
    "users.update",
    "users.delete",
    "groups.view",
    "groups.manage",
    "permissions.view",
];

/// What anyone who may see a user may read of it: not the admin-only fields, so that a
/// non-admin's successful call answers without errors.
const USER_FIELDS: &str = "fragment UserFields on User { id email username firstName lastName \
     fullName role isAdmin isActive isDeleted groups { id name } permissions { codename } }";

const ME: &str = "query { me { id role } }";
const GET_USER: &str =
    "query($id: ID!) { user(id: $id) { ...UserFields deletedAt directPermissions { codename } } }";
const GET_GROUP: &str = "query($id: ID!) { group(id: $id) { id name description \
     permissions { codename } memberCount members { nodes { id } } } }";
const LIST_PERMISSIONS: &str = "query { permissions { id codename } }";
const CREATE_USER: &str =
    "mutation($input: CreateUserInput!) { createUser(input: $input) { ...UserFields } }";
const UPDATE_USER: &str = "mutation($id: ID!, $input: UpdateUserInput!) { \
     updateUser(id: $id, input: $input) { ...UserFields } }";
const SET_ROLE: &str =
    "mutation($id: ID!, $role: Role!) { setUserRole(id: $id, role: $role) { id role } }";
const SET_ACTIVE: &str = "mutation($id: ID!, $active: Boolean!) { \
     setUserActive(id: $id, active: $active) { id isActive } }";
const DELETE_USER: &str = "mutation($id: ID!) { deleteUser(id: $id) }";
const DELETE_USER_FOREVER: &str = "mutation($id: ID!) { deleteUser(id: $id, permanent: true) }";
const RESTORE_USER: &str = "mutation($id: ID!) { restoreUser(id: $id) { ...UserFields } }";
const DELETE_ACCOUNT: &str = "mutation($password: String!) { deleteAccount(password: $password) }";
const ADD_TO_GROUP: &str = "mutation($user: ID!, $group: ID!) { \
     addUserToGroup(userId: $user, groupId: $group) { ...UserFields } }";
const REMOVE_FROM_GROUP: &str = "mutation($user: ID!, $group: ID!) { \
     removeUserFromGroup(userId: $user, groupId: $group) { ...UserFields } }";
const SET_GROUPS: &str = "mutation($user: ID!, $groups: [ID!]!) { \
     setUserGroups(userId: $user, groupIds: $groups) { ...UserFields } }";
const SET_USER_PERMISSIONS: &str = "mutation($user: ID!, $permissions: [ID!]!) { \
     setUserPermissions(userId: $user, permissionIds: $permissions) { ...UserFields } }";
const CREATE_GROUP: &str = "mutation($input: GroupInput!) { createGroup(input: $input) { \
     id name description permissions { codename } memberCount } }";
const UPDATE_GROUP: &str = "mutation($id: ID!, $input: GroupInput!) { \
     updateGroup(id: $id, input: $input) { id name description permissions { codename } } }";
const DELETE_GROUP: &str = "mutation($id: ID!) { deleteGroup(id: $id) }";
const SET_GROUP_PERMISSIONS: &str = "mutation($group: ID!, $permissions: [ID!]!) { \
     setGroupPermissions(groupId: $group, permissionIds: $permissions) { id permissions { codename } } }";
const CREATE_PERMISSION: &str = "mutation($input: PermissionInput!) { \
     createPermission(input: $input) { id codename name description } }";
const DELETE_PERMISSION: &str = "mutation($id: ID!) { deletePermission(id: $id) }";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A logged-in user talking to the app.
struct Actor<'a> {
    app: &'a TestApp,
    tokens: Tokens,
}

impl<'a> Actor<'a> {
    async fn register(app: &'a TestApp, email: &str) -> Self {
        let tokens = app.register(email).await;
        Self { app, tokens }
    }

    fn id(&self) -> &str {
        &self.tokens.user_id
    }

    /// Runs `query` (with `UserFields` appended when it uses it); returns the whole body.
    async fn call(&self, query: &str, variables: Value) -> Value {
        let query = if query.contains("...UserFields") {
            format!("{query} {USER_FIELDS}")
        } else {
            query.to_owned()
        };
        self.app
            .gql(&query, variables, Some(&self.tokens.access))
            .await
    }

    /// Runs `query`, asserts it answered without errors, and returns `data`.
    async fn ok(&self, query: &str, variables: Value) -> Value {
        let body = self.call(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "unexpected errors for {query}: {body}"
        );
        body["data"].clone()
    }

    /// The first error's code for `me`: None while the token works.
    async fn me_error(&self) -> Option<String> {
        error_code(&self.call(ME, json!({})).await).map(str::to_owned)
    }
}

/// An ADMIN (created like `roster create-superuser`) and the ids of the permissions.
struct Admin<'a> {
    actor: Actor<'a>,
    permissions: HashMap<String, String>,
}

impl<'a> std::ops::Deref for Admin<'a> {
    type Target = Actor<'a>;
    fn deref(&self) -> &Actor<'a> {
        &self.actor
    }
}

impl<'a> Admin<'a> {
    async fn new(app: &'a TestApp, email: &str) -> Self {
        let actor = Actor {
            app,
            tokens: app.admin(email).await,
        };
        let mut admin = Self {
            actor,
            permissions: HashMap::new(),
        };
        admin.reload_permissions().await;
        admin
    }

    async fn reload_permissions(&mut self) {
        let data = self.ok(LIST_PERMISSIONS, json!({})).await;
        self.permissions = data["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (text(&p["codename"]), text(&p["id"])))
            .collect();
    }

    /// Ids of the permissions `codenames`.
    fn ids(&self, codenames: &[&str]) -> Vec<String> {
        codenames
            .iter()
            .map(|c| self.permissions[*c].clone())
            .collect()
    }

    /// Creates a group granting `codenames`; returns its id.
    async fn create_group(&self, name: &str, codenames: &[&str]) -> String {
        let input = json!({ "name": name, "permissionIds": self.ids(codenames) });
        let data = self.ok(CREATE_GROUP, json!({ "input": input })).await;
        text(&data["createGroup"]["id"])
    }

    /// Registers `email` and grants it `codenames` through a new group of its own.
    async fn user_holding(&self, email: &str, codenames: &[&str]) -> Actor<'a> {
        let user = Actor::register(self.app, email).await;
        let group = self
            .create_group(&format!("Group of {email}"), codenames)
            .await;
        self.ok(ADD_TO_GROUP, json!({ "user": user.id(), "group": group }))
            .await;
        user
    }

    /// Registers `email` and grants it `codenames` directly.
    async fn user_holding_directly(&self, email: &str, codenames: &[&str]) -> Actor<'a> {
        let user = Actor::register(self.app, email).await;
        let variables = json!({ "user": user.id(), "permissions": self.ids(codenames) });
        self.ok(SET_USER_PERMISSIONS, variables).await;
        user
    }

    /// The user `id` with every field (null when none).
    async fn user(&self, id: &str) -> Value {
        self.ok(GET_USER, json!({ "id": id })).await["user"].clone()
    }

    /// The group `id` with its members (null when none).
    async fn group(&self, id: &str) -> Value {
        self.ok(GET_GROUP, json!({ "id": id })).await["group"].clone()
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
        .to_owned()
}

/// The values of `key` in a list of objects, in order.
fn pluck(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {list}"))
        .iter()
        .map(|item| text(&item[key]))
        .collect()
}

/// The codenames in a list of `Permission { codename }`, in order.
fn codenames(list: &Value) -> Vec<String> {
    pluck(list, "codename")
}

/// The names in a list of `Group { name }`, in order.
fn names(list: &Value) -> Vec<String> {
    pluck(list, "name")
}

fn uuid(id: &str) -> Uuid {
    id.parse().expect("Roster's ids are UUIDs")
}

async fn db_user(app: &TestApp, id: &str) -> Option<users::Model> {
    users::Entity::find_by_id(uuid(id))
        .one(app.db())
        .await
        .unwrap()
}

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

/// The first error's code when logging in as `login` with the standard password.
async fn login_error(app: &TestApp, login: &str) -> Option<String> {
    let body = app
        .gql(
            "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            json!({ "input": { "login": login, "password": PASSWORD } }),
            None,
        )
        .await;
    error_code(&body).map(str::to_owned)
}

// ---------------------------------------------------------------------------------------------
// 1. Authorization matrix
// ---------------------------------------------------------------------------------------------

/// Who may call an operation (API.md's "ADMIN / permission" notes).
#[derive(Clone, Copy, Debug)]
enum Access {
    /// ADMIN, or this permission held directly or through a group.
    AdminOr(&'static str),
    AdminOnly,
}

/// Fresh things for one cell of the matrix to act on, so that a call that succeeds cannot
/// spoil the next one.
struct Target {
    user: String,
    group: String,
    permission: String,
    /// Unique per cell, for the names and emails a call creates.
    tag: String,
}

struct Row {
    name: &'static str,
    access: Access,
    /// Permissions a caller needs to reach the guarded field, besides the one tested.
    reach: &'static [&'static str],
    query: &'static str,
    variables: fn(&Target) -> Value,
}

fn row(
    name: &'static str,
    access: Access,
    query: &'static str,
    variables: fn(&Target) -> Value,
) -> Row {
    Row {
        name,
        access,
        reach: &[],
        query,
        variables,
    }
}

fn rows() -> Vec<Row> {
    use Access::{AdminOnly, AdminOr};
    let user = |t: &Target| json!({ "user": t.user });
    let group = |t: &Target| json!({ "group": t.group });
    let user_and_group = |t: &Target| json!({ "user": t.user, "group": t.group });
    vec![
        row(
            "users",
            AdminOr("users.view"),
            "query { users { totalCount } }",
            |_| json!({}),
        ),
        row(
            "user (another's)",
            AdminOr("users.view"),
            "query($user: ID!) { user(id: $user) { id } }",
            user,
        ),
        row(
            "group",
            AdminOr("groups.view"),
            "query($group: ID!) { group(id: $group) { id } }",
            group,
        ),
        row(
            "groups",
            AdminOr("groups.view"),
            "query { groups { totalCount } }",
            |_| json!({}),
        ),
        row(
            "permissions",
            AdminOr("permissions.view"),
            "query { permissions { id } }",
            |_| json!({}),
        ),
        row(
            "createUser",
            AdminOr("users.create"),
            "mutation($email: String!, $password: String!) { \
             createUser(input: { email: $email, password: $password }) { id } }",
            |t| json!({ "email": format!("new-{}@example.com", t.tag), "password": PASSWORD }),
        ),
        row(
            "updateUser",
            AdminOr("users.update"),
            "mutation($user: ID!) { updateUser(id: $user, input: { firstName: \"New\" }) { id } }",
            user,
        ),
        row(
            "setUserRole",
            AdminOnly,
            "mutation($user: ID!) { setUserRole(id: $user, role: USER) { id } }",
            user,
        ),
        row(
            "setUserActive",
            AdminOr("users.update"),
            "mutation($user: ID!) { setUserActive(id: $user, active: false) { id } }",
            user,
        ),
        row(
            "deleteUser",
            AdminOr("users.delete"),
            "mutation($user: ID!) { deleteUser(id: $user) }",
            user,
        ),
        row(
            "restoreUser",
            AdminOr("users.delete"),
            "mutation($user: ID!) { restoreUser(id: $user) { id } }",
            user,
        ),
        row(
            "setUserGroups",
            AdminOr("groups.manage"),
            "mutation($user: ID!, $group: ID!) { \
             setUserGroups(userId: $user, groupIds: [$group]) { id } }",
            user_and_group,
        ),
        row(
            "addUserToGroup",
            AdminOr("groups.manage"),
            "mutation($user: ID!, $group: ID!) { \
             addUserToGroup(userId: $user, groupId: $group) { id } }",
            user_and_group,
        ),
        row(
            "removeUserFromGroup",
            AdminOr("groups.manage"),
            "mutation($user: ID!, $group: ID!) { \
             removeUserFromGroup(userId: $user, groupId: $group) { id } }",
            user_and_group,
        ),
        row(
            "setUserPermissions",
            AdminOnly,
            "mutation($user: ID!, $permission: ID!) { \
             setUserPermissions(userId: $user, permissionIds: [$permission]) { id } }",
            |t| json!({ "user": t.user, "permission": t.permission }),
        ),
        row(
            "createGroup",
            AdminOr("groups.manage"),
            "mutation($name: String!) { createGroup(input: { name: $name }) { id } }",
            |t| json!({ "name": format!("Created {}", t.tag) }),
        ),
        row(
            "updateGroup",
            AdminOr("groups.manage"),
            "mutation($group: ID!, $name: String!) { \
             updateGroup(id: $group, input: { name: $name }) { id } }",
            |t| json!({ "group": t.group, "name": format!("Renamed {}", t.tag) }),
        ),
        row(
            "deleteGroup",
            AdminOr("groups.manage"),
            "mutation($group: ID!) { deleteGroup(id: $group) }",
            group,
        ),
        row(
            "setGroupPermissions",
            AdminOnly,
            "mutation($group: ID!, $permission: ID!) { \
             setGroupPermissions(groupId: $group, permissionIds: [$permission]) { id } }",
            |t| json!({ "group": t.group, "permission": t.permission }),
        ),
        row(
            "createPermission",
            AdminOnly,
            "mutation($codename: String!) { \
             createPermission(input: { codename: $codename, name: \"Created\" }) { id } }",
            |t| json!({ "codename": format!("created.{}", t.tag) }),
        ),
        row(
            "deletePermission",
            AdminOnly,
            "mutation($permission: ID!) { deletePermission(id: $permission) }",
            |t| json!({ "permission": t.permission }),
        ),
        row(
            "User.deletedAt",
            AdminOnly,
            "query($user: ID!) { user(id: $user) { id deletedAt } }",
            user,
        ),
        row(
            "User.directPermissions",
            AdminOnly,
            "query($user: ID!) { user(id: $user) { id directPermissions { id } } }",
            user,
        ),
        Row {
            name: "Group.members",
            access: AdminOr("users.view"),
            reach: &["groups.view"],
            query: "query($group: ID!) { group(id: $group) { id members { totalCount } } }",
            variables: group,
        },
    ]
}

#[derive(Clone, Copy, Debug)]
enum Caller {
    Anonymous,
    PlainUser,
    /// Holds the row's permission (and what it needs to reach the field) through a group; for
    /// an ADMIN-only row, every built-in permission.
    Holder,
    /// Holds every built-in permission except the row's own (rows with a permission only).
    HolderOfTheOthers,
    /// Logged in while active, deactivated since.
    Deactivated,
    Admin,
}

const CALLERS: [Caller; 6] = [
    Caller::Anonymous,
    Caller::PlainUser,
    Caller::Holder,
    Caller::HolderOfTheOthers,
    Caller::Deactivated,
    Caller::Admin,
];

#[derive(Debug, PartialEq)]
enum Outcome {
    Allowed,
    Denied(&'static str),
}

/// What `caller` gets for an operation guarded by `access`; None where the cell would repeat
/// another.
fn expected(caller: Caller, access: Access) -> Option<Outcome> {
    use Outcome::{Allowed, Denied};
    Some(match (caller, access) {
        (Caller::Anonymous | Caller::Deactivated, _) => Denied("UNAUTHENTICATED"),
        (Caller::PlainUser, _) => Denied("FORBIDDEN"),
        (Caller::Holder, Access::AdminOr(_)) => Allowed,
        (Caller::Holder, Access::AdminOnly) => Denied("FORBIDDEN"),
        (Caller::HolderOfTheOthers, Access::AdminOr(_)) => Denied("FORBIDDEN"),
        (Caller::HolderOfTheOthers, Access::AdminOnly) => return None,
        (Caller::Admin, _) => Allowed,
    })
}

/// The permissions `caller` holds for a row, when it is one of the holders.
fn held_by(caller: Caller, row: &Row) -> Option<BTreeSet<&'static str>> {
    match (caller, row.access) {
        (Caller::Holder, Access::AdminOr(permission)) => {
            Some(row.reach.iter().copied().chain([permission]).collect())
        }
        (Caller::Holder, Access::AdminOnly) => Some(BUILT_IN.into_iter().collect()),
        (Caller::HolderOfTheOthers, Access::AdminOr(permission)) => {
            Some(BUILT_IN.into_iter().filter(|&p| p != permission).collect())
        }
        _ => None,
    }
}

async fn authorization_matrix(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let plain = Actor::register(&app, "plain@example.com").await;
    let deactivated = Actor::register(&app, "deactivated@example.com").await;
    admin
        .ok(
            SET_ACTIVE,
            json!({ "id": deactivated.id(), "active": false }),
        )
        .await;
    // One holder per distinct set of permissions, created on first use.
    let mut holders: HashMap<BTreeSet<&str>, Actor> = HashMap::new();
    let mut failures = Vec::new();
    let mut cell = 0;

    for row in rows() {
        for caller in CALLERS {
            let Some(outcome) = expected(caller, row.access) else {
                continue;
            };
            let held = held_by(caller, &row);
            if let Some(held) = held.as_ref().filter(|held| !holders.contains_key(*held)) {
                let codenames: Vec<&str> = held.iter().copied().collect();
                let email = format!("holder{}@example.com", holders.len());
                let holder = admin.user_holding(&email, &codenames).await;
                holders.insert(held.clone(), holder);
            }
            let token = match (caller, &held) {
                (_, Some(held)) => Some(&holders[held].tokens.access),
                (Caller::Anonymous, _) => None,
                (Caller::PlainUser, _) => Some(&plain.tokens.access),
                (Caller::Deactivated, _) => Some(&deactivated.tokens.access),
                (Caller::Admin, _) => Some(&admin.tokens.access),
                (Caller::Holder | Caller::HolderOfTheOthers, None) => unreachable!(),
            };

            cell += 1;
            let tag = format!("c{cell}");
            let permission = json!({ "codename": format!("target.{tag}"), "name": "Target" });
            let target = Target {
                user: app
                    .register(&format!("target-{tag}@example.com"))
                    .await
                    .user_id,
                group: admin.create_group(&format!("Target {tag}"), &[]).await,
                permission: text(
                    &admin
                        .ok(CREATE_PERMISSION, json!({ "input": permission }))
                        .await["createPermission"]["id"],
                ),
                tag,
            };

            let body = app
                .gql(
                    row.query,
                    (row.variables)(&target),
                    token.map(String::as_str),
                )
                .await;
            let actual = match error_code(&body) {
                None => Outcome::Allowed,
                Some("UNAUTHENTICATED") => Outcome::Denied("UNAUTHENTICATED"),
                Some("FORBIDDEN") => Outcome::Denied("FORBIDDEN"),
                // Anything else is a badly designed row, not an authorization answer.
                Some(_) => Outcome::Denied("(another error)"),
            };
            if actual != outcome {
                failures.push(format!(
                    "{} as {caller:?}: expected {outcome:?}, got {body}",
                    row.name
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells of the authorization matrix are wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The admin-only fields of a user the caller may see answer null plus FORBIDDEN, and the rest
/// of the user still answers.
async fn admin_only_fields_are_null_for_others(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let viewer = admin.user_holding("viewer@example.com", &BUILT_IN).await;
    let target = Actor::register(&app, "target@example.com").await;

    for (field, selection) in [
        ("deletedAt", "deletedAt"),
        ("directPermissions", "directPermissions { id }"),
    ] {
        let query = format!("query($id: ID!) {{ user(id: $id) {{ id email {selection} }} }}");
        // Another user's account, and its own.
        for user in [&target, &viewer] {
            let body = viewer.call(&query, json!({ "id": user.id() })).await;
            assert_code(&body, "FORBIDDEN");
            assert_eq!(body["errors"][0]["path"], json!(["user", field]), "{body}");
            assert_eq!(body["data"]["user"]["id"], user.id(), "{body}");
            assert!(body["data"]["user"]["email"].is_string(), "{body}");
            // Null, not left out: generated clients expect every key they selected.
            assert_eq!(
                body["data"]["user"].get(field),
                Some(&Value::Null),
                "{body}"
            );
        }
        // Selected alone, the field is still null inside an object that is there (async-graphql
        // would answer null for an object whose every field failed).
        let query = format!("query($id: ID!) {{ user(id: $id) {{ {selection} }} }}");
        let body = viewer.call(&query, json!({ "id": target.id() })).await;
        assert_eq!(body["data"], json!({ "user": { field: null } }), "{body}");
        let body = viewer
            .call(&format!("{{ me {{ {selection} }} }}"), json!({}))
            .await;
        assert_eq!(body["data"], json!({ "me": { field: null } }), "{body}");
        let body = viewer
            .call(
                &format!("{{ users(first: 3) {{ nodes {{ {selection} }} }} }}"),
                json!({}),
            )
            .await;
        let nodes = body["data"]["users"]["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), 3, "{body}");
        assert!(
            nodes.iter().all(|node| *node == json!({ field: null })),
            "{body}"
        );
        assert_eq!(body["errors"].as_array().unwrap().len(), 3, "{body}");

        // The null is in its place, in the order the document selects (as raw text: serde_json
        // here sorts keys).
        let query = format!("query($id: ID!) {{ user(id: $id) {{ id {selection} email }} }}");
        let text = app
            .post(
                json!({ "query": query, "variables": { "id": target.id() } }),
                Some(&viewer.tokens.access),
            )
            .await
            .text()
            .await
            .unwrap();
        let at = |key: &str| text.find(&format!("\"{key}\"")).expect(key);
        assert!(at("id") < at(field) && at(field) < at("email"), "{text}");
    }
}

/// The services refuse a non-admin's change to an ADMIN on the row they lock, so a promotion
/// that lands between the resolver's quick check and the write cannot be overtaken.
async fn services_recheck_admin_targets_inside_the_transaction(app: TestApp) {
    use roster::services::users::{self as service, UserChanges};
    let admin = Admin::new(&app, "admin@example.com").await;
    let plain = Actor::register(&app, "plain@example.com").await;
    let actor = roster::auth::viewer::Viewer::new(
        db_user(&app, plain.id()).await.unwrap(),
        Uuid::new_v4(),
        app.db().clone(),
    );
    let id = Uuid::parse_str(admin.id()).unwrap();
    let forbidden = |result: Result<(), roster::error::AppError>| match result {
        Err(error) => assert_eq!(error.code(), "FORBIDDEN"),
        Ok(()) => panic!("a non-admin changed an ADMIN"),
    };
    forbidden(service::delete(&app.state, &actor, id, false).await);
    forbidden(service::delete(&app.state, &actor, id, true).await);
    forbidden(service::restore(&app.state, &actor, id).await.map(|_| ()));
    let deactivate = UserChanges {
        is_active: Some(false),
        ..Default::default()
    };
    forbidden(
        service::update(&app.state, &actor, id, deactivate)
            .await
            .map(|_| ()),
    );
    let row = db_user(&app, admin.id()).await.unwrap();
    assert!(row.is_active && row.deleted_at.is_none());
}

/// A failed non-null field makes its nearest nullable parent null (or all of `data`), as the
/// GraphQL spec says, instead of leaving a key out.
async fn failed_non_null_fields_null_their_nearest_nullable_parent(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    // In a group that grants nothing: it may not list the group's members.
    let plain = admin.user_holding("plain@example.com", &[]).await;

    let body = plain
        .call(
            "{ me { id groups { name members { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
    assert_eq!(
        body["errors"][0]["path"],
        json!(["me", "groups", 0, "members"]),
        "{body}"
    );
    assert_eq!(body["data"], json!({ "me": null }), "{body}");

    // The same through an alias, a fragment and an inline fragment.
    let body = plain
        .call(
            "query { mine: me { ...F } } \
             fragment F on User { id groups { ... on Group { members { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_code(&body, "FORBIDDEN");
    assert_eq!(body["data"], json!({ "mine": null }), "{body}");

    // A non-null root field: `data` itself is null, whatever else succeeded.
    let body = plain
        .call("{ me { id } users { totalCount } }", json!({}))
        .await;
    assert_code(&body, "FORBIDDEN");
    assert_eq!(body["data"], Value::Null, "{body}");
    let body = app
        .gql("{ me { id } mySessions { id } }", json!({}), None)
        .await;
    assert_code(&body, "UNAUTHENTICATED");
    assert_eq!(body["data"], Value::Null, "{body}");

    // Allowed, the same query answers in full.
    let body = admin
        .call(
            "{ me { id groups { name members { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_ok(&body);
}

/// The user in a login payload is judged for who just logged in, not for the (absent or stale)
/// token of the request: an ADMIN sees its admin-only fields, anyone else gets `FORBIDDEN`
/// on them, never `UNAUTHENTICATED` (which tells a client to log out).
async fn login_payloads_are_judged_for_the_new_session(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let plain = Actor::register(&app, "plain@example.com").await;
    let query = "mutation($input: LoginInput!) { first: login(input: $input) { accessToken \
         user { id deletedAt directPermissions { codename } groups { members { totalCount } } } } }";
    for token in [
        None,
        Some("not-a-token"),
        Some(plain.tokens.access.as_str()),
    ] {
        let body = app
            .gql(
                query,
                json!({ "input": { "login": "admin@example.com", "password": PASSWORD } }),
                token,
            )
            .await;
        assert_ok(&body);
        assert_eq!(body["data"]["first"]["user"]["id"], admin.id(), "{body}");
        assert!(
            body["data"]["first"]["user"]["directPermissions"].is_array(),
            "{body}"
        );

        let body = app
            .gql(
                query,
                json!({ "input": { "login": "plain@example.com", "password": PASSWORD } }),
                token,
            )
            .await;
        assert!(body["data"]["first"]["accessToken"].is_string(), "{body}");
        let errors = body["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 2, "{body}");
        for error in errors {
            assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{body}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Admin operations on users
// ---------------------------------------------------------------------------------------------

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
    let body = app
        .gql(
            "mutation($token: String!) { refreshToken(refreshToken: $token) { accessToken } }",
            json!({ "token": target.tokens.refresh }),
            None,
        )
        .await;
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
            "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
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

// ---------------------------------------------------------------------------------------------
// 3. Groups and permissions
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 4. Permissions come from the database on every request
// ---------------------------------------------------------------------------------------------

async fn permissions_are_read_on_every_request(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let user = Actor::register(&app, "user@example.com").await;
    let viewers = admin.create_group("Viewers", &["users.view"]).await;
    let membership = json!({ "user": user.id(), "group": viewers });
    let list_users = || user.call("query { users { totalCount } }", json!({}));

    assert_code(&list_users().await, "FORBIDDEN");
    admin.ok(ADD_TO_GROUP, membership.clone()).await;
    assert_ok(&list_users().await);
    admin.ok(REMOVE_FROM_GROUP, membership.clone()).await;
    assert_code(&list_users().await, "FORBIDDEN");

    // The group's permissions too.
    admin.ok(ADD_TO_GROUP, membership.clone()).await;
    assert_ok(&list_users().await);
    admin
        .ok(
            SET_GROUP_PERMISSIONS,
            json!({ "group": viewers, "permissions": [] }),
        )
        .await;
    assert_code(&list_users().await, "FORBIDDEN");

    // And the direct ones.
    let direct =
        |codenames: &[&str]| json!({ "user": user.id(), "permissions": admin.ids(codenames) });
    admin
        .ok(SET_USER_PERMISSIONS, direct(&["users.view"]))
        .await;
    assert_ok(&list_users().await);
    admin.ok(SET_USER_PERMISSIONS, direct(&[])).await;
    assert_code(&list_users().await, "FORBIDDEN");
}

// ---------------------------------------------------------------------------------------------
// 5. No privilege escalation
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// 6. The last admin
// ---------------------------------------------------------------------------------------------

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

both!(
    authorization_matrix,
    admin_only_fields_are_null_for_others,
    login_payloads_are_judged_for_the_new_session,
    services_recheck_admin_targets_inside_the_transaction,
    failed_non_null_fields_null_their_nearest_nullable_parent,
    create_user_with_role_activity_and_groups,
    create_user_rejects_duplicates_bad_input_and_unknown_groups,
    update_user_edits_and_clears_fields,
    deactivation_ends_sessions_at_once,
    soft_delete_reserves_the_email_until_restored,
    permanent_delete_removes_the_row_and_its_links,
    unknown_ids_are_not_found_and_malformed_ids_bad_input,
    groups_grant_permissions_to_their_members,
    permissions_are_created_and_deleted,
    deleting_a_group_removes_its_memberships,
    permissions_are_read_on_every_request,
    group_managers_cannot_grant_what_they_lack,
    user_managers_cannot_create_or_touch_admins,
    the_last_admin_cannot_be_removed,
    a_demoted_admin_loses_admin_rights_at_once,
    concurrent_demotions_keep_one_admin,
    concurrent_link_changes_do_not_collide,
);
