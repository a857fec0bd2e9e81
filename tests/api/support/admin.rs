//! Shared by the admin tests: `Actor` and `Admin`, the GraphQL documents they and the tests
//! send, and small readers of the JSON they answer.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::support::documents::ME;
use crate::support::{TestApp, Tokens, error_code};

/// The permissions the migrations create.
pub const BUILT_IN: [&str; 8] = [
    "users.view",
    "users.create",
    "users.update",
    "users.delete",
    "groups.view",
    "groups.manage",
    "permissions.view",
    "audit.view",
];

/// What anyone who may see a user may read of it: not the admin-only fields, so that a
/// non-admin's successful call answers without errors.
pub const USER_FIELDS: &str = "fragment UserFields on User { id email username firstName lastName \
     fullName role isAdmin isActive isDeleted groups { id name } permissions { codename } }";

pub const GET_USER: &str =
    "query($id: ID!) { user(id: $id) { ...UserFields deletedAt directPermissions { codename } } }";

pub const GET_GROUP: &str = "query($id: ID!) { group(id: $id) { id name description \
     permissions { codename } memberCount members { nodes { id } } } }";

pub const LIST_PERMISSIONS: &str = "query { permissions { id codename } }";

pub const CREATE_USER: &str =
    "mutation($input: CreateUserInput!) { createUser(input: $input) { ...UserFields } }";

pub const UPDATE_USER: &str = "mutation($id: ID!, $input: UpdateUserInput!) { \
     updateUser(id: $id, input: $input) { ...UserFields } }";

pub const SET_ROLE: &str =
    "mutation($id: ID!, $role: Role!) { setUserRole(id: $id, role: $role) { id role } }";

pub const RESTORE_USER: &str = "mutation($id: ID!) { restoreUser(id: $id) { ...UserFields } }";

pub const SET_ACTIVE: &str = "mutation($id: ID!, $active: Boolean!) { \
     setUserActive(id: $id, active: $active) { id isActive } }";

pub const DELETE_USER: &str = "mutation($id: ID!) { deleteUser(id: $id) }";

pub const DELETE_USER_FOREVER: &str = "mutation($id: ID!) { deleteUser(id: $id, permanent: true) }";

pub const ADD_TO_GROUP: &str = "mutation($user: ID!, $group: ID!) { \
     addUserToGroup(userId: $user, groupId: $group) { ...UserFields } }";

pub const REMOVE_FROM_GROUP: &str = "mutation($user: ID!, $group: ID!) { \
     removeUserFromGroup(userId: $user, groupId: $group) { ...UserFields } }";

pub const SET_GROUPS: &str = "mutation($user: ID!, $groups: [ID!]!) { \
     setUserGroups(userId: $user, groupIds: $groups) { ...UserFields } }";

pub const SET_USER_PERMISSIONS: &str = "mutation($user: ID!, $permissions: [ID!]!) { \
     setUserPermissions(userId: $user, permissionIds: $permissions) { ...UserFields } }";

pub const CREATE_GROUP: &str = "mutation($input: GroupInput!) { createGroup(input: $input) { \
     id name description permissions { codename } memberCount } }";

pub const UPDATE_GROUP: &str = "mutation($id: ID!, $input: GroupInput!) { \
     updateGroup(id: $id, input: $input) { id name description permissions { codename } } }";

pub const DELETE_GROUP: &str = "mutation($id: ID!) { deleteGroup(id: $id) }";

pub const SET_GROUP_PERMISSIONS: &str = "mutation($group: ID!, $permissions: [ID!]!) { \
     setGroupPermissions(groupId: $group, permissionIds: $permissions) { id permissions { codename } } }";

pub const CREATE_PERMISSION: &str = "mutation($input: PermissionInput!) { \
     createPermission(input: $input) { id codename name description } }";

pub const DELETE_PERMISSION: &str = "mutation($id: ID!) { deletePermission(id: $id) }";

/// A logged-in user talking to the app.
pub struct Actor<'a> {
    pub app: &'a TestApp,
    pub tokens: Tokens,
}

impl<'a> Actor<'a> {
    pub async fn register(app: &'a TestApp, email: &str) -> Self {
        let tokens = app.register(email).await;
        Self { app, tokens }
    }

    pub fn id(&self) -> &str {
        &self.tokens.user_id
    }

    /// Runs `query` (with `UserFields` appended when it uses it); returns the whole body.
    pub async fn call(&self, query: &str, variables: Value) -> Value {
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
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let body = self.call(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "unexpected errors for {query}: {body}"
        );
        body["data"].clone()
    }

    /// The first error's code for `me`: None while the token works.
    pub async fn me_error(&self) -> Option<String> {
        error_code(&self.call(ME, json!({})).await).map(str::to_owned)
    }
}

/// An ADMIN (created like `roster create-superuser`) and the ids of the permissions.
pub struct Admin<'a> {
    pub actor: Actor<'a>,
    pub permissions: HashMap<String, String>,
}

impl<'a> std::ops::Deref for Admin<'a> {
    type Target = Actor<'a>;
    fn deref(&self) -> &Actor<'a> {
        &self.actor
    }
}

impl<'a> Admin<'a> {
    pub async fn new(app: &'a TestApp, email: &str) -> Self {
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

    pub async fn reload_permissions(&mut self) {
        let data = self.ok(LIST_PERMISSIONS, json!({})).await;
        self.permissions = data["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (text(&p["codename"]), text(&p["id"])))
            .collect();
    }

    /// Ids of the permissions `codenames`.
    pub fn ids(&self, codenames: &[&str]) -> Vec<String> {
        codenames
            .iter()
            .map(|c| self.permissions[*c].clone())
            .collect()
    }

    /// Creates a group granting `codenames`; returns its id.
    pub async fn create_group(&self, name: &str, codenames: &[&str]) -> String {
        let input = json!({ "name": name, "permissionIds": self.ids(codenames) });
        let data = self.ok(CREATE_GROUP, json!({ "input": input })).await;
        text(&data["createGroup"]["id"])
    }

    /// Registers `email` and grants it `codenames` through a new group of its own.
    pub async fn user_holding(&self, email: &str, codenames: &[&str]) -> Actor<'a> {
        let user = Actor::register(self.app, email).await;
        let group = self
            .create_group(&format!("Group of {email}"), codenames)
            .await;
        self.ok(ADD_TO_GROUP, json!({ "user": user.id(), "group": group }))
            .await;
        user
    }

    /// Registers `email` and grants it `codenames` directly.
    pub async fn user_holding_directly(&self, email: &str, codenames: &[&str]) -> Actor<'a> {
        let user = Actor::register(self.app, email).await;
        let variables = json!({ "user": user.id(), "permissions": self.ids(codenames) });
        self.ok(SET_USER_PERMISSIONS, variables).await;
        user
    }

    /// The user `id` with every field (null when none).
    pub async fn user(&self, id: &str) -> Value {
        self.ok(GET_USER, json!({ "id": id })).await["user"].clone()
    }

    /// The group `id` with its members (null when none).
    pub async fn group(&self, id: &str) -> Value {
        self.ok(GET_GROUP, json!({ "id": id })).await["group"].clone()
    }
}

pub fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
        .to_owned()
}

/// The values of `key` in a list of objects, in order.
pub fn pluck(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {list}"))
        .iter()
        .map(|item| text(&item[key]))
        .collect()
}

/// The codenames in a list of `Permission { codename }`, in order.
pub fn codenames(list: &Value) -> Vec<String> {
    pluck(list, "codename")
}

/// The names in a list of `Group { name }`, in order.
pub fn names(list: &Value) -> Vec<String> {
    pluck(list, "name")
}
