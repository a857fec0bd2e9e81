//! The users listing filters: search, role, isActive, groupId and deleted, with filtered counts,
//! and case-insensitive search beyond ASCII.

use chrono::Duration;
use roster::db::entities::users;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::pagination::{
    USERS, all_users, base, fetch, group, insert, join, merged, named, request, user,
    walk_backward, walk_forward,
};
use crate::support::{TestApp, assert_code};

/// `users(filter:)`: search (case-insensitive over email, username, first and last name, with
/// `%` and `_` literal), role, isActive, groupId, deleted, and their combinations; totalCount
/// is the filtered count and paging stays inside the filtered set.
async fn filters_select_and_count_the_right_users(app: TestApp) {
    let token = app.admin("admin@example.com").await.access;
    let at = |i: i64| base() + Duration::seconds(i);
    let mut ada = named(user("ada@example.com", at(1)), "countess");
    ada.first_name = Some("Ada".into());
    ada.last_name = Some("Lovelace".into());
    let mut grace = named(user("grace.hopper@navy.example", at(2)), "Amazing_Grace");
    grace.first_name = Some("Grace".into());
    grace.last_name = Some("Hopper".into());
    let mut percent = user("p1@example.com", at(3));
    percent.last_name = Some("100%Sure".into());
    let underscore = user("u_1@example.com", at(4));
    // These two would match `u_1` and `0%s` if `_` and `%` were wildcards.
    let lookalike = user("ux1@example.com", at(5));
    let mut sure = user("p2@example.com", at(6));
    sure.last_name = Some("100 Percent Sure".into());
    let mut gone = user("deleted.ada@example.com", at(7));
    gone.deleted_at = Some(at(100));
    let mut sleepy = user("sleepy@example.com", at(8));
    sleepy.first_name = Some("ADA".into());
    sleepy.is_active = false;
    let mut boss = named(user("boss@example.com", at(9)), "TheAdaBoss");
    boss.role = users::Role::Admin;
    let mut adams = user("lh@example.com", at(10));
    adams.last_name = Some("Adams".into());
    let fixtures = [
        ("ada", ada),
        ("grace", grace),
        ("percent", percent),
        ("underscore", underscore),
        ("lookalike", lookalike),
        ("sure", sure),
        ("gone", gone),
        ("sleepy", sleepy),
        ("boss", boss),
        ("adams", adams),
    ];
    insert(&app, fixtures.iter().map(|(_, u)| u.clone())).await;
    let engineers = group("Engineers", base());
    let empty = group("Empty", base());
    insert(&app, [engineers.clone(), empty.clone()]).await;
    let in_engineers = ["ada", "grace", "gone", "sleepy"];
    join(
        &app,
        fixtures
            .iter()
            .filter(|(name, _)| in_engineers.contains(name))
            .map(|(_, u)| (u.id, engineers.id)),
    )
    .await;
    let admin = all_users(&app)
        .await
        .into_iter()
        .find(|u| u.email == "admin@example.com")
        .unwrap();
    // "ada sleepy" -> their ids; the ADMIN logged in is "admin". The list is oldest first,
    // which is the order of `fixtures`, then the admin.
    let ids = |names: &str| -> Vec<String> {
        names
            .split_whitespace()
            .map(|name| match name {
                "admin" => admin.id.to_string(),
                name => fixtures
                    .iter()
                    .find(|(n, _)| *n == name)
                    .unwrap_or_else(|| panic!("no fixture {name}"))
                    .1
                    .id
                    .to_string(),
            })
            .collect()
    };
    let live = "ada grace percent underscore lookalike sure sleepy boss adams admin";
    let engineers = engineers.id.to_string();
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), live),
        (json!({ "deleted": "EXCLUDE" }), live),
        (json!({ "deleted": "ONLY" }), "gone"),
        // email, first name (any case), username, last name
        (json!({ "search": "ADA" }), "ada sleepy boss adams"),
        (json!({ "search": "  ada  " }), "ada sleepy boss adams"),
        (
            json!({ "search": "ada", "deleted": "INCLUDE" }),
            "ada gone sleepy boss adams",
        ),
        (json!({ "search": "ada", "deleted": "ONLY" }), "gone"),
        (json!({ "search": "lovelace" }), "ada"),
        (json!({ "search": "HOPPER" }), "grace"),
        (json!({ "search": "amazing_grace" }), "grace"),
        (json!({ "search": "NAVY.EXAMPLE" }), "grace"),
        (json!({ "search": "nobody-matches-this" }), ""),
        // `%` and `_` are literal
        (json!({ "search": "_" }), "grace underscore"),
        (json!({ "search": "u_1" }), "underscore"),
        (json!({ "search": "%" }), "percent"),
        (json!({ "search": "0%s" }), "percent"),
        (json!({ "role": "ADMIN" }), "boss admin"),
        (
            json!({ "role": "USER" }),
            "ada grace percent underscore lookalike sure sleepy adams",
        ),
        (json!({ "isActive": false }), "sleepy"),
        (json!({ "isActive": false, "deleted": "INCLUDE" }), "sleepy"),
        (json!({ "groupId": engineers }), "ada grace sleepy"),
        (
            json!({ "groupId": engineers, "deleted": "INCLUDE" }),
            "ada grace gone sleepy",
        ),
        (json!({ "groupId": engineers, "deleted": "ONLY" }), "gone"),
        (json!({ "groupId": empty.id.to_string() }), ""),
        (json!({ "groupId": Uuid::new_v4().to_string() }), ""),
        // combinations
        (
            json!({ "isActive": true, "role": "USER", "search": "ada" }),
            "ada adams",
        ),
        (json!({ "role": "ADMIN", "search": "ada" }), "boss"),
        (
            json!({ "groupId": engineers, "search": "ada" }),
            "ada sleepy",
        ),
        (
            json!({ "groupId": engineers, "isActive": true }),
            "ada grace",
        ),
        (
            json!({ "deleted": "INCLUDE", "role": "USER", "isActive": true }),
            "ada grace percent underscore lookalike sure gone adams",
        ),
    ];
    for (filter, names) in cases {
        let want = ids(names);
        let vars = json!({ "filter": filter });
        let page = fetch(&app, &token, USERS, merged(&vars, json!({ "first": 100 }))).await;
        assert_eq!(page.ids, want, "filter {filter}: want {names}");
        assert_eq!(page.total, want.len(), "totalCount for filter {filter}");
        if want.is_empty() {
            assert!(!page.has_next && !page.has_previous && page.start.is_none());
        }
        // Paging by 3 stays inside the filtered set, forwards and backwards.
        assert_eq!(
            walk_forward(&app, &token, USERS, &vars, 3).await,
            want,
            "filter {filter}"
        );
        assert_eq!(
            walk_backward(&app, &token, USERS, &vars, 3).await,
            want,
            "filter {filter}"
        );
    }

    let body = request(
        &app,
        &token,
        USERS,
        json!({ "filter": { "groupId": "not-an-id" } }),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");
}

/// Search is case-insensitive for names outside ASCII too (names are stored exactly as given):
/// "Émile" is found as "Émile", "émile" and "ÉMILE"; an ASCII-only fold would miss them.
async fn search_is_case_insensitive_beyond_ascii(app: TestApp) {
    let token = app.admin("admin@example.com").await.access;
    let mut emile = user("emile@example.com", base());
    emile.first_name = Some("Émile".into());
    emile.last_name = Some("Łukasiewicz".into());
    let mut other = user("other@example.com", base() + Duration::seconds(1));
    other.first_name = Some("Emile".into());
    insert(&app, [emile.clone(), other]).await;
    let want = vec![emile.id.to_string()];
    for search in [
        "Émile",
        "émile",
        "ÉMILE",
        "Łukasiewicz",
        "łukasiewicz",
        "ŁUKASIEWICZ",
    ] {
        let page = fetch(
            &app,
            &token,
            USERS,
            json!({ "filter": { "search": search } }),
        )
        .await;
        assert_eq!(page.ids, want, "search {search:?}");
        assert_eq!(page.total, 1, "search {search:?}");
    }

    // A row whose key was filled by a database `lower()` that folds ASCII only (step 6 on
    // SQLite) is found again once step 8 has refilled the keys.
    users::Entity::update_many()
        .col_expr(
            users::Column::SearchKey,
            Expr::value("emile@example.com\n\nÉmile Łukasiewicz"),
        )
        .filter(users::Column::Id.eq(emile.id))
        .exec(app.db())
        .await
        .unwrap();
    let stale = fetch(
        &app,
        &token,
        USERS,
        json!({ "filter": { "search": "émile" } }),
    )
    .await;
    assert!(stale.ids.is_empty());
    use migration::MigratorTrait;
    // Back to before the refill (the steps after it too), then forward again.
    let after_refill = migration::Migrator::get_applied_migrations(app.db())
        .await
        .unwrap()
        .iter()
        .rev()
        .take_while(|m| m.name() != "m20261201_000008_refill_users_search_key")
        .count();
    migration::Migrator::down(app.db(), Some(after_refill as u32 + 1))
        .await
        .unwrap();
    migration::Migrator::up(app.db(), None).await.unwrap();
    for search in ["émile", "łukasiewicz"] {
        let page = fetch(
            &app,
            &token,
            USERS,
            json!({ "filter": { "search": search } }),
        )
        .await;
        assert_eq!(page.ids, want, "search {search:?} after the refill");
    }
}

per_backend!(
    filters_select_and_count_the_right_users,
    search_is_case_insensitive_beyond_ascii,
);
