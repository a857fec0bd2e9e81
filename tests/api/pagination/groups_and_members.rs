//! `groups` and `Group.members` page like `users`.

use chrono::Duration;
use roster::db::entities::{groups, users};
use serde_json::json;

use crate::support::pagination::{
    Field, GROUPS, List, base, connection, expected, fetch, group, insert, join, merged,
    not_deleted, request, user, walk_backward, walk_forward,
};
use crate::support::{TestApp, assert_code, assert_ok};

const MEMBERS: List = List {
    query: concat!(
        "query($id: ID!, $first: Int, $after: String, $last: Int, $before: String, \
         $offset: Int) { group(id: $id) { memberCount members(first: $first, after: $after, \
         last: $last, before: $before, offset: $offset) {",
        connection!(),
        "} } }"
    ),
    path: &["group", "members"],
};

/// `groups` pages by name (case-insensitively, ties impossible), with search (literal `_`)
/// and totalCount; `Group.members` pages oldest first without soft-deleted users, and its
/// totalCount matches `memberCount`.
async fn groups_and_members_page(app: TestApp) {
    let token = app.admin("admin@example.com").await.access;
    let names = [
        "theta", "Alpha", "Iota", "beta", "nu_x", "Gamma", "zeta", "delta", "Lambda", "Epsilon",
        "Eta", "kappa", "mu", "nuxx",
    ];
    let all: Vec<groups::Model> = names
        .iter()
        .enumerate()
        .map(|(i, name)| group(name, base() + Duration::seconds(i as i64)))
        .collect();
    insert(&app, all.clone()).await;
    let by_name = |keep: &dyn Fn(&groups::Model) -> bool| -> Vec<String> {
        let mut groups: Vec<&groups::Model> = all.iter().filter(|g| keep(g)).collect();
        groups.sort_by(|a, b| a.name_key.cmp(&b.name_key).then(a.id.cmp(&b.id)));
        groups.iter().map(|g| g.id.to_string()).collect()
    };

    let everything = by_name(&|_| true);
    let none = json!({});
    for size in [1, 4, 5, 14] {
        assert_eq!(
            walk_forward(&app, &token, GROUPS, &none, size).await,
            everything
        );
        assert_eq!(
            walk_backward(&app, &token, GROUPS, &none, size).await,
            everything
        );
    }
    let page = fetch(&app, &token, GROUPS, json!({ "first": 4, "offset": 4 })).await;
    assert_eq!(page.ids, everything[4..8]);
    assert_eq!(page.total, 14);

    let cases = [
        ("TA", by_name(&|g| g.name_key.contains("ta"))),
        ("_", by_name(&|g| g.name == "nu_x")),
        ("u_x", by_name(&|g| g.name == "nu_x")),
        ("%", vec![]),
    ];
    assert_eq!(cases[0].1.len(), 6, "beta delta eta iota theta zeta");
    for (search, want) in cases {
        let vars = json!({ "search": search });
        assert_eq!(
            walk_forward(&app, &token, GROUPS, &vars, 2).await,
            want,
            "search {search}"
        );
        assert_eq!(
            walk_backward(&app, &token, GROUPS, &vars, 2).await,
            want,
            "search {search}"
        );
    }
    let body = request(&app, &token, GROUPS, json!({ "first": 101 })).await;
    assert_code(&body, "BAD_USER_INPUT");
    let body = request(&app, &token, GROUPS, json!({ "first": 1, "last": 1 })).await;
    assert_code(&body, "BAD_USER_INPUT");

    // Members: 12 of them, 2 soft-deleted, plus a non-member.
    let team = &all[0];
    let members: Vec<users::Model> = (0..12i64)
        .map(|i| {
            let mut u = user(
                &format!("member{i:02}@example.com"),
                base() + Duration::milliseconds((11 - i) / 2 * 500),
            );
            if i == 3 || i == 8 {
                u.deleted_at = Some(base() + Duration::days(1));
            }
            u
        })
        .collect();
    insert(&app, members.clone()).await;
    insert(&app, [user("outsider@example.com", base())]).await;
    join(&app, members.iter().map(|u| (u.id, team.id))).await;
    let want = expected(&members, Field::CreatedAt, false, not_deleted);
    assert_eq!(want.len(), 10);

    let vars = json!({ "id": team.id.to_string() });
    for size in [1, 3, 5, 10] {
        assert_eq!(walk_forward(&app, &token, MEMBERS, &vars, size).await, want);
        assert_eq!(
            walk_backward(&app, &token, MEMBERS, &vars, size).await,
            want
        );
    }
    let body = request(&app, &token, MEMBERS, merged(&vars, json!({ "first": 3 }))).await;
    assert_ok(&body);
    assert_eq!(body["data"]["group"]["memberCount"], 10);
    assert_eq!(body["data"]["group"]["members"]["totalCount"], 10);
    let page = fetch(
        &app,
        &token,
        MEMBERS,
        merged(&vars, json!({ "first": 3, "offset": 6 })),
    )
    .await;
    assert_eq!(page.ids, want[6..9]);
    let body = request(
        &app,
        &token,
        MEMBERS,
        merged(&vars, json!({ "first": 101 })),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");

    // A group without members.
    let vars = json!({ "id": all[1].id.to_string(), "first": 5 });
    let body = request(&app, &token, MEMBERS, vars.clone()).await;
    assert_eq!(body["data"]["group"]["memberCount"], 0, "{body}");
    let page = fetch(&app, &token, MEMBERS, vars).await;
    assert!(page.ids.is_empty() && page.total == 0 && !page.has_next && page.end.is_none());
}

per_backend!(groups_and_members_page,);
