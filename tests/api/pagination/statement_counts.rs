//! Statement counts: nested list queries cost a constant number of statements (DataLoaders, no
//! N+1).

use chrono::Duration;
use roster::db::entities::{group_permissions, groups, permissions, user_permissions, users};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::admin::Admin;
use crate::support::pagination::{base, group, insert, join, user};
use crate::support::{TestApp, assert_ok};

const NESTED_USERS: &str = "query { users(first: 100) { nodes { groups { permissions { codename } } permissions { codename } } } }";

const NESTED_GROUPS: &str =
    "query { groups(first: 50) { nodes { memberCount permissions { codename } } } }";

const NESTED_GROUPS_WITH_MEMBERS: &str = "query { groups(first: 50) { nodes { memberCount \
     permissions { codename } members(first: 2) { totalCount pageInfo { hasNextPage } \
     nodes { email groups { name } } } } } }";

/// Statements the server executes for one request, and its body.
async fn measure(app: &TestApp, token: &str, query: &str) -> (usize, Value) {
    // The pruning pass at start runs beside the first requests; after it, the next is a
    // minute away.
    app.wait_for_first_pruning().await;
    let before = app.statement_count();
    let body = app.gql(query, json!({}), Some(token)).await;
    let after = app.statement_count();
    assert_ok(&body);
    (after - before, body)
}

async fn permission_ids(app: &TestApp) -> Vec<(String, Uuid)> {
    let mut all: Vec<(String, Uuid)> = permissions::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.codename, p.id))
        .collect();
    all.sort();
    all
}

/// Users `from..to`, each in one or two of `groups`, every third with a direct permission.
/// Returns each new user's id and expected effective codenames.
async fn rbac_users(
    app: &TestApp,
    from: usize,
    to: usize,
    groups: &[(Uuid, Vec<String>)],
    direct: &(String, Uuid),
) -> Vec<(String, Vec<String>)> {
    let mut rows = Vec::new();
    let mut links = Vec::new();
    let mut grants = Vec::new();
    let mut want = Vec::new();
    for i in from..to {
        let u = user(
            &format!("rbac{i:03}@example.com"),
            base() + Duration::seconds(i as i64),
        );
        let mut codenames = Vec::new();
        let mut in_groups = vec![i % groups.len()];
        if i % 2 == 0 {
            in_groups.push((i + 1) % groups.len());
        }
        for g in in_groups {
            links.push((u.id, groups[g].0));
            codenames.extend(groups[g].1.iter().cloned());
        }
        if i % 3 == 0 {
            grants.push(user_permissions::Model {
                user_id: u.id,
                permission_id: direct.1,
            });
            codenames.push(direct.0.clone());
        }
        codenames.sort();
        codenames.dedup();
        want.push((u.id.to_string(), codenames));
        rows.push(u);
    }
    insert(app, rows).await;
    join(app, links).await;
    insert(app, grants).await;
    want
}

/// Checks every listed user's groups and effective permissions (the measured query is not
/// answering emptily).
async fn check_permissions(app: &TestApp, token: &str, want: &[(String, Vec<String>)]) {
    let body = app
        .gql(
            "query { users(first: 100) { nodes { id groups { id } permissions { codename } } } }",
            json!({}),
            Some(token),
        )
        .await;
    assert_ok(&body);
    let nodes = body["data"]["users"]["nodes"].as_array().unwrap();
    for (id, codenames) in want {
        let node = nodes
            .iter()
            .find(|n| n["id"] == id.as_str())
            .unwrap_or_else(|| panic!("user {id} listed"));
        let got: Vec<&str> = node["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["codename"].as_str().unwrap())
            .collect();
        assert_eq!(got, *codenames, "permissions of {id}");
        assert!(!node["groups"].as_array().unwrap().is_empty());
    }
}

/// The nested users query costs the same number of statements for 5 users as for 100 (each
/// relationship is batched by a DataLoader), and only a few.
async fn nested_user_lists_cost_a_constant_number_of_statements(app: TestApp) {
    let token = app.admin("admin@example.com").await.access;
    let perms = permission_ids(&app).await;
    let id_of = |codename: &str| perms.iter().find(|(c, _)| c == codename).unwrap().1;
    let grants = [
        vec!["groups.view", "users.view"],
        vec!["permissions.view"],
        vec!["users.create", "users.update"],
    ];
    let mut groups_with = Vec::new();
    for (i, codenames) in grants.iter().enumerate() {
        let g = group(&format!("Team {i}"), base());
        insert(&app, [g.clone()]).await;
        insert(
            &app,
            codenames.iter().map(|c| group_permissions::Model {
                group_id: g.id,
                permission_id: id_of(c),
            }),
        )
        .await;
        groups_with.push((g.id, codenames.iter().map(|c| c.to_string()).collect()));
    }
    let direct = ("users.delete".to_string(), id_of("users.delete"));

    // 5 users and the admin.
    let mut want = rbac_users(&app, 0, 5, &groups_with, &direct).await;
    let (small, body) = measure(&app, &token, NESTED_USERS).await;
    assert_eq!(body["data"]["users"]["nodes"].as_array().unwrap().len(), 6);
    check_permissions(&app, &token, &want).await;

    // 99 users and the admin: a full page of 100.
    want.extend(rbac_users(&app, 5, 99, &groups_with, &direct).await);
    let (large, body) = measure(&app, &token, NESTED_USERS).await;
    assert_eq!(
        body["data"]["users"]["nodes"].as_array().unwrap().len(),
        100
    );
    check_permissions(&app, &token, &want).await;

    println!(
        "[{:?}] statements for users(first: 100) {{ groups {{ permissions }} permissions }}: \
         {small} with 6 users, {large} with 100 users",
        app.backend
    );
    assert_eq!(small, large, "statements must not grow with the page (N+1)");
    assert!(large <= 10, "{large} statements for one nested list query");
}

/// The nested groups query (memberCount, permissions, and a first page of members with their
/// groups) costs the same for 5 groups as for 50.
async fn nested_group_lists_cost_a_constant_number_of_statements(app: TestApp) {
    let token = app.admin("admin@example.com").await.access;
    let perms = permission_ids(&app).await;
    let people: Vec<users::Model> = (0..10i64)
        .map(|i| {
            let mut u = user(
                &format!("person{i}@example.com"),
                base() + Duration::seconds(i),
            );
            if i == 9 {
                u.deleted_at = Some(base());
            }
            u
        })
        .collect();
    insert(&app, people.clone()).await;

    let add_groups = |from: usize, to: usize| {
        let perms = perms.clone();
        let people = people.clone();
        let app = &app;
        async move {
            let groups: Vec<groups::Model> = (from..to)
                .map(|i| group(&format!("Group {i:02}"), base()))
                .collect();
            insert(app, groups.clone()).await;
            let mut grants = Vec::new();
            let mut links = Vec::new();
            for (i, g) in (from..to).zip(&groups) {
                for k in 0..=(i % 2) {
                    grants.push(group_permissions::Model {
                        group_id: g.id,
                        permission_id: perms[(i + k) % perms.len()].1,
                    });
                }
                for k in 0..(i % 4) {
                    links.push((people[(i + k * 3) % people.len()].id, g.id));
                }
            }
            insert(app, grants).await;
            join(app, links).await;
        }
    };

    add_groups(0, 5).await;
    let (small, body) = measure(&app, &token, NESTED_GROUPS).await;
    assert_eq!(body["data"]["groups"]["nodes"].as_array().unwrap().len(), 5);
    let (small_members, _) = measure(&app, &token, NESTED_GROUPS_WITH_MEMBERS).await;

    add_groups(5, 50).await;
    let (large, body) = measure(&app, &token, NESTED_GROUPS).await;
    let nodes = body["data"]["groups"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 50);
    assert!(nodes.iter().any(|n| n["memberCount"].as_i64().unwrap() > 0));
    let (large_members, body) = measure(&app, &token, NESTED_GROUPS_WITH_MEMBERS).await;
    // memberCount agrees with members.totalCount (both without the deleted person), and the
    // first page holds the first two members.
    for node in body["data"]["groups"]["nodes"].as_array().unwrap() {
        assert_eq!(node["memberCount"], node["members"]["totalCount"], "{node}");
        let count = node["memberCount"].as_u64().unwrap();
        let members = node["members"]["nodes"].as_array().unwrap();
        assert_eq!(members.len() as u64, count.min(2), "{node}");
        assert_eq!(
            node["members"]["pageInfo"]["hasNextPage"],
            count > 2,
            "{node}"
        );
        assert!(
            members
                .iter()
                .all(|m| !m["groups"].as_array().unwrap().is_empty()),
            "{node}"
        );
    }

    println!(
        "[{:?}] statements for groups(first: 50) {{ memberCount permissions }}: {small} with 5 \
         groups, {large} with 50; adding members(first: 2) {{ totalCount nodes {{ groups }} }}: \
         {small_members} with 5, {large_members} with 50",
        app.backend
    );
    assert_eq!(small, large, "statements must not grow with the page (N+1)");
    assert_eq!(
        small_members, large_members,
        "members must not grow with the page (N+1)"
    );
    assert!(large <= 10, "{large} statements for one nested list query");
}

per_backend!(
    nested_user_lists_cost_a_constant_number_of_statements,
    nested_group_lists_cost_a_constant_number_of_statements,
);

/// A group shown in many members' lists is resolved once and shown the same everywhere, each
/// selection of it in its own shape; where part of it fails, every occurrence reports its own
/// error at its own path.
async fn a_group_in_many_lists_is_shown_alike_and_fails_where_it_fails(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let (shared, own) = (group("Shared", base()), group("Own", base()));
    insert(&app, [shared.clone(), own.clone()]).await;
    let members: Vec<users::Model> = (0..4)
        .map(|i| {
            user(
                &format!("member{i}@example.com"),
                base() + Duration::seconds(i),
            )
        })
        .collect();
    insert(&app, members.clone()).await;
    let mut links: Vec<(Uuid, Uuid)> = members.iter().map(|u| (u.id, shared.id)).collect();
    links.push((members[0].id, own.id));
    join(&app, links).await;
    let query = "query { users(first: 10, filter: {search: \"member\"}) { nodes { email \
                 groups { id name memberCount members(first: 10) { totalCount nodes { email } } } \
                 names: groups { name } } } }";
    let body = app.gql(query, json!({}), Some(&admin.tokens.access)).await;
    assert_ok(&body);
    let nodes = body["data"]["users"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 4);
    let shown: Vec<&Value> = nodes
        .iter()
        .flat_map(|node| node["groups"].as_array().unwrap())
        .filter(|g| g["name"] == "Shared")
        .collect();
    assert_eq!(shown.len(), 4, "{body}");
    for group in &shown {
        assert_eq!(**group, *shown[0]);
    }
    assert_eq!(shown[0]["memberCount"], 4);
    assert_eq!(shown[0]["members"]["totalCount"], 4);
    let own_shown = nodes[0]["groups"].as_array().unwrap();
    assert_eq!(own_shown.len(), 2, "{body}");
    assert_eq!(own_shown[0]["name"], "Own");
    assert_eq!(own_shown[0]["memberCount"], 1);
    // The same groups under another alias, selected otherwise: their own shape.
    for node in nodes {
        let names: Vec<Value> = node["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| json!({ "name": g["name"] }))
            .collect();
        assert_eq!(node["names"], json!(names), "{body}");
    }

    // A holder of `users.view` sees the members, but not their admin-only `deletedAt`: null
    // and FORBIDDEN for each member of each group of each user, at its own path.
    let viewer = admin
        .user_holding("viewer@example.com", &["users.view"])
        .await;
    let query = "query { users(first: 10, filter: {search: \"member\"}) { nodes { groups { \
                 name members(first: 10) { nodes { email deletedAt } } } } } }";
    let body = app.gql(query, json!({}), Some(&viewer.tokens.access)).await;
    let errors = body["errors"].as_array().expect("errors");
    let mut expected = Vec::new();
    for (i, node) in body["data"]["users"]["nodes"]
        .as_array()
        .expect("the users")
        .iter()
        .enumerate()
    {
        for (j, group) in node["groups"].as_array().unwrap().iter().enumerate() {
            for (k, member) in group["members"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
            {
                assert!(member["email"].is_string(), "{body}");
                assert!(member["deletedAt"].is_null(), "{body}");
                expected.push(json!([
                    "users",
                    "nodes",
                    i,
                    "groups",
                    j,
                    "members",
                    "nodes",
                    k,
                    "deletedAt"
                ]));
            }
        }
    }
    // 4 users in Shared (4 members each), and member0 in Own too (1 member).
    assert_eq!(expected.len(), 4 * 4 + 1, "{body}");
    let mut paths: Vec<Value> = errors.iter().map(|e| e["path"].clone()).collect();
    paths.sort_by_key(|p| p.to_string());
    expected.sort_by_key(|p| p.to_string());
    assert_eq!(paths, expected, "{body}");
    for error in errors {
        assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{body}");
    }
}

per_backend!(a_group_in_many_lists_is_shown_alike_and_fails_where_it_fails,);
