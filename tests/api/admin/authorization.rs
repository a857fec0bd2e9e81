//! The authorization matrix: who may call each guarded operation (one table), and the
//! services' own checks.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::admin::{Actor, Admin, BUILT_IN, CREATE_PERMISSION, SET_ACTIVE, text};
use crate::support::{PASSWORD, TestApp, db_user, error_code};

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

/// The services refuse a non-admin's change to an ADMIN on the row they lock, so a promotion
/// that lands between the resolver's quick check and the write cannot be overtaken.
async fn services_recheck_admin_targets_inside_the_transaction(app: TestApp) {
    use crate::support::services::{UserChanges, users as service};
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

per_backend!(
    authorization_matrix,
    services_recheck_admin_targets_inside_the_transaction,
);
