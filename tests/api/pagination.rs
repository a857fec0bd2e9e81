//! Relay connections: `users`, `groups` and `Group.members` page by page, forwards and
//! backwards, in every ordering and with filters; cursors that keep their place when rows are
//! inserted; the argument rules; and nested list queries whose statement count does not grow
//! with the page size (no N+1).
//!
//! Fixtures are inserted straight into the database (registering 35 users through argon2 would
//! be slow); the expected orders are computed here, in Rust, from the rows read back.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use roster::db::entities::{
    group_permissions, groups, permissions, user_groups, user_permissions, users,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_code, assert_ok, error_fields};

// ---------------------------------------------------------------------------------------------
// Queries

/// What every connection query selects.
macro_rules! connection {
    () => {
        "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } \
         edges { cursor node { id } } nodes { id }"
    };
}

/// A list the tests page through: its query and where the connection sits in `data`.
#[derive(Clone, Copy)]
struct List {
    query: &'static str,
    path: &'static [&'static str],
}

const USERS: List = List {
    query: concat!(
        "query($first: Int, $after: String, $last: Int, $before: String, $offset: Int, \
         $filter: UserFilter, $orderBy: UserOrder) { users(first: $first, after: $after, \
         last: $last, before: $before, offset: $offset, filter: $filter, orderBy: $orderBy) {",
        connection!(),
        "} }"
    ),
    path: &["users"],
};

const GROUPS: List = List {
    query: concat!(
        "query($first: Int, $after: String, $last: Int, $before: String, $offset: Int, \
         $search: String) { groups(first: $first, after: $after, last: $last, \
         before: $before, offset: $offset, search: $search) {",
        connection!(),
        "} }"
    ),
    path: &["groups"],
};

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

/// One page as the server answered it.
#[derive(Debug)]
struct Page {
    ids: Vec<String>,
    has_next: bool,
    has_previous: bool,
    start: Option<String>,
    end: Option<String>,
    total: usize,
}

/// `base` with the keys of `extra` added (both JSON objects).
fn merged(base: &Value, extra: Value) -> Value {
    let mut out = base.clone();
    if out.is_null() {
        out = json!({});
    }
    for (key, value) in extra.as_object().expect("an object") {
        out[key] = value.clone();
    }
    out
}

/// Reads a connection, checking what holds on every page: `nodes` equals `edges.node`, the
/// cursors are distinct, and `startCursor`/`endCursor` are the first and last edge's.
#[track_caller]
fn page_of(connection: &Value) -> Page {
    let edges = connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no edges: {connection}"));
    let ids: Vec<String> = edges
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("node id").to_owned())
        .collect();
    let cursors: Vec<String> = edges
        .iter()
        .map(|e| e["cursor"].as_str().expect("cursor").to_owned())
        .collect();
    let nodes: Vec<String> = connection["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().expect("node id").to_owned())
        .collect();
    assert_eq!(nodes, ids, "nodes must be edges.node, in order");
    assert_eq!(
        cursors.iter().collect::<HashSet<_>>().len(),
        cursors.len(),
        "cursors are distinct"
    );
    let info = &connection["pageInfo"];
    let start = info["startCursor"].as_str().map(str::to_owned);
    let end = info["endCursor"].as_str().map(str::to_owned);
    assert_eq!(
        start.as_ref(),
        cursors.first(),
        "startCursor is the first edge's"
    );
    assert_eq!(end.as_ref(), cursors.last(), "endCursor is the last edge's");
    Page {
        ids,
        has_next: info["hasNextPage"].as_bool().expect("hasNextPage"),
        has_previous: info["hasPreviousPage"].as_bool().expect("hasPreviousPage"),
        start,
        end,
        total: connection["totalCount"].as_u64().expect("totalCount") as usize,
    }
}

/// Sends `list`'s query and returns the raw body.
async fn request(app: &TestApp, token: &str, list: List, vars: Value) -> Value {
    app.gql(list.query, vars, Some(token)).await
}

/// Fetches one page, which must succeed.
async fn fetch(app: &TestApp, token: &str, list: List, vars: Value) -> Page {
    let body = request(app, token, list, vars).await;
    assert_ok(&body);
    let mut connection = &body["data"];
    for key in list.path {
        connection = &connection[key];
    }
    page_of(connection)
}

/// Walks `list` forwards with `first: size` from the start and returns the ids in order,
/// checking the page invariants: pages are full except the last, `hasNextPage` is false only
/// on the last page, `hasPreviousPage` is true on every page after the first, `totalCount` is
/// the same on every page and equals the number of rows seen, and no row is seen twice.
async fn walk_forward(
    app: &TestApp,
    token: &str,
    list: List,
    vars: &Value,
    size: usize,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut total = None;
    for n in 0.. {
        assert!(n <= 200, "paging forwards does not end");
        let page = fetch(
            app,
            token,
            list,
            merged(vars, json!({ "first": size, "after": after })),
        )
        .await;
        assert_eq!(
            *total.get_or_insert(page.total),
            page.total,
            "totalCount changed on page {n}"
        );
        assert_eq!(
            page.has_previous,
            n > 0,
            "hasPreviousPage on page {n}: {page:?}"
        );
        if page.has_next {
            assert_eq!(
                page.ids.len(),
                size,
                "a page before the last is full: {page:?}"
            );
        } else {
            assert!(page.ids.len() <= size);
            assert!(n == 0 || !page.ids.is_empty(), "the last page is not empty");
        }
        seen.extend(page.ids.iter().cloned());
        if !page.has_next {
            break;
        }
        after = page.end;
    }
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        seen.len(),
        "pages overlap: {seen:?}"
    );
    assert_eq!(
        seen.len(),
        total.unwrap(),
        "the pages cover totalCount rows"
    );
    seen
}

/// Walks `list` backwards with `last: size` from the end; returns the ids in list order, with
/// the mirror-image checks of `walk_forward`.
async fn walk_backward(
    app: &TestApp,
    token: &str,
    list: List,
    vars: &Value,
    size: usize,
) -> Vec<String> {
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut before: Option<String> = None;
    let mut total = None;
    for n in 0.. {
        assert!(n <= 200, "paging backwards does not end");
        let page = fetch(
            app,
            token,
            list,
            merged(vars, json!({ "last": size, "before": before })),
        )
        .await;
        assert_eq!(
            *total.get_or_insert(page.total),
            page.total,
            "totalCount changed on page {n}"
        );
        assert_eq!(
            page.has_next,
            n > 0,
            "hasNextPage on backward page {n}: {page:?}"
        );
        if page.has_previous {
            assert_eq!(
                page.ids.len(),
                size,
                "a page after the first is full: {page:?}"
            );
        } else {
            assert!(page.ids.len() <= size);
            assert!(
                n == 0 || !page.ids.is_empty(),
                "the first page is not empty"
            );
        }
        let more = page.has_previous;
        before = page.start.clone();
        pages.push(page.ids);
        if !more {
            break;
        }
    }
    let seen: Vec<String> = pages.into_iter().rev().flatten().collect();
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        seen.len(),
        "pages overlap: {seen:?}"
    );
    assert_eq!(
        seen.len(),
        total.unwrap(),
        "the pages cover totalCount rows"
    );
    seen
}

// ---------------------------------------------------------------------------------------------
// Fixtures

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()
}

/// A user row with the optional fields empty; tests set what they need.
fn user(email: &str, created_at: DateTime<Utc>) -> users::Model {
    users::Model {
        id: Uuid::new_v4(),
        email: email.to_owned(),
        username: None,
        username_key: None,
        password_hash: "x".into(),
        first_name: None,
        last_name: None,
        phone_number: None,
        address: None,
        company: None,
        designation: None,
        role: users::Role::User,
        is_active: true,
        deleted_at: None,
        last_login_at: None,
        created_at,
        updated_at: created_at,
        search_key: String::new(),
    }
}

fn named(mut user: users::Model, username: &str) -> users::Model {
    user.username = Some(username.to_owned());
    user.username_key = Some(username.to_lowercase());
    user
}

fn group(name: &str, created_at: DateTime<Utc>) -> groups::Model {
    groups::Model {
        id: Uuid::new_v4(),
        name: name.to_owned(),
        name_key: name.to_lowercase(),
        description: None,
        created_at,
        updated_at: created_at,
    }
}

/// What the service derives when it writes a row, derived the same way for fixtures.
trait Fixture {
    fn derived(self) -> Self;
}

impl Fixture for users::Model {
    fn derived(mut self) -> Self {
        self.search_key = roster::services::profile::search_key(
            &self.email,
            self.username.as_deref(),
            self.first_name.as_deref(),
            self.last_name.as_deref(),
        );
        self
    }
}

/// Rows with nothing derived.
macro_rules! stored_as_given {
    ($($model:ty),*) => {$(
        impl Fixture for $model {
            fn derived(self) -> Self {
                self
            }
        }
    )*};
}

stored_as_given!(
    groups::Model,
    user_groups::Model,
    roster::db::entities::user_permissions::Model,
    roster::db::entities::group_permissions::Model
);

/// Inserts rows of any entity in one statement.
async fn insert<M, A>(app: &TestApp, rows: impl IntoIterator<Item = M>)
where
    M: IntoActiveModel<A> + Fixture,
    A: ActiveModelTrait,
{
    let rows: Vec<A> = rows
        .into_iter()
        .map(|m| m.derived().into_active_model().reset_all())
        .collect();
    if rows.is_empty() {
        return;
    }
    <A::Entity as EntityTrait>::insert_many(rows)
        .exec_without_returning(app.db())
        .await
        .expect("insert fixtures");
}

async fn join(app: &TestApp, links: impl IntoIterator<Item = (Uuid, Uuid)>) {
    insert(
        app,
        links
            .into_iter()
            .map(|(user_id, group_id)| user_groups::Model { user_id, group_id }),
    )
    .await;
}

async fn all_users(app: &TestApp) -> Vec<users::Model> {
    users::Entity::find()
        .all(app.db())
        .await
        .expect("read users")
}

async fn soft_delete(app: &TestApp, id: &str) {
    users::Entity::update_many()
        .col_expr(
            users::Column::DeletedAt,
            Expr::value(base() + Duration::days(2)),
        )
        .filter(users::Column::Id.eq(Uuid::parse_str(id).unwrap()))
        .exec(app.db())
        .await
        .expect("soft delete");
}

/// Two lower-case letters, a different pair for each `k` in 0..36.
fn letters(k: i64) -> String {
    let k = k.rem_euclid(36) as u8;
    format!("{}{}", (b'a' + k / 6) as char, (b'a' + k % 6) as char)
}

/// 35 users whose orders disagree: emails and usernames scrambled (all letters and digits, so
/// any collation orders them alike), created in tied triples at whole and half seconds, last
/// logins with ties and some never, some usernames missing, some admins, inactive and
/// deleted (i % 7 == 3: 5 of them). With the ADMIN the tests log in as, 31 are not deleted.
fn crowd() -> Vec<users::Model> {
    (0..35i64)
        .map(|i| {
            let created = base() + Duration::milliseconds(i / 3 * 500);
            let mut u = user(&format!("{}x{i:02}@example.com", letters(i * 13)), created);
            if i % 5 != 0 {
                let name = letters(i * 11 + 1);
                let name = if i % 2 == 1 {
                    name.to_uppercase()
                } else {
                    name
                };
                u = named(u, &format!("{name}name{i}"));
            }
            if i % 4 != 0 {
                u.last_login_at = Some(base() + Duration::milliseconds((i * 17 % 11) * 250));
            }
            u.first_name = Some(format!("First{i}"));
            u.last_name = Some("Crowd".into());
            if i % 9 == 4 {
                u.role = users::Role::Admin;
            }
            u.is_active = i % 6 != 5;
            if i % 7 == 3 {
                u.deleted_at = Some(base() + Duration::days(1));
            }
            u
        })
        .collect()
}

/// An admin's access token, and the crowd inserted.
async fn admin_and_crowd(app: &TestApp) -> String {
    let token = app.admin("admin@example.com").await.access;
    insert(app, crowd()).await;
    token
}

// ---------------------------------------------------------------------------------------------
// Expected orders, computed here

#[derive(Clone, Copy, Debug)]
enum Field {
    CreatedAt,
    Email,
    Username,
    LastLoginAt,
}

impl Field {
    const ALL: [Field; 4] = [
        Field::CreatedAt,
        Field::Email,
        Field::Username,
        Field::LastLoginAt,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::CreatedAt => "CREATED_AT",
            Field::Email => "EMAIL",
            Field::Username => "USERNAME",
            Field::LastLoginAt => "LAST_LOGIN_AT",
        }
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Time(DateTime<Utc>),
    Text(String),
}

/// The sort key the service documents: a missing username sorts as "", a missing last login
/// as the Unix epoch.
fn key(user: &users::Model, field: Field) -> Key {
    match field {
        Field::CreatedAt => Key::Time(user.created_at),
        Field::Email => Key::Text(user.email.clone()),
        Field::Username => Key::Text(user.username_key.clone().unwrap_or_default()),
        Field::LastLoginAt => Key::Time(user.last_login_at.unwrap_or(DateTime::UNIX_EPOCH)),
    }
}

/// Ids of the `rows` that `keep` keeps, by `field` then id, both in the same direction.
fn expected(
    rows: &[users::Model],
    field: Field,
    descending: bool,
    keep: impl Fn(&users::Model) -> bool,
) -> Vec<String> {
    let mut rows: Vec<&users::Model> = rows.iter().filter(|u| keep(u)).collect();
    rows.sort_by(|a, b| {
        let order = key(a, field).cmp(&key(b, field)).then(a.id.cmp(&b.id));
        if descending { order.reverse() } else { order }
    });
    rows.iter().map(|u| u.id.to_string()).collect()
}

fn not_deleted(user: &users::Model) -> bool {
    user.deleted_at.is_none()
}

fn order_by(field: Field, descending: bool) -> Value {
    json!({ "orderBy": { "field": field.name(), "direction": if descending { "DESC" } else { "ASC" } } })
}

// ---------------------------------------------------------------------------------------------
// 1. Forward and backward paging

/// `first`/`after` and `last`/`before` walk the default order (oldest first) in disjoint pages
/// that cover the filtered set exactly once, with consistent pageInfo and totalCount.
async fn pages_cover_the_set_once_forwards_and_backwards(app: TestApp) {
    let token = admin_and_crowd(&app).await;
    let rows = all_users(&app).await;
    let live = expected(&rows, Field::CreatedAt, false, not_deleted);
    assert_eq!(live.len(), 31);
    let everyone = expected(&rows, Field::CreatedAt, false, |_| true);
    assert_eq!(everyone.len(), 36);

    let none = json!({});
    for size in [1, 7, 10, 31, 100] {
        assert_eq!(
            walk_forward(&app, &token, USERS, &none, size).await,
            live,
            "forward, pages of {size}"
        );
        assert_eq!(
            walk_backward(&app, &token, USERS, &none, size).await,
            live,
            "backward, pages of {size}"
        );
    }
    // 36 rows in pages of 9 and 12: the last page is full and still says there is no next.
    let include = json!({ "filter": { "deleted": "INCLUDE" } });
    for size in [9, 12] {
        assert_eq!(
            walk_forward(&app, &token, USERS, &include, size).await,
            everyone
        );
        assert_eq!(
            walk_backward(&app, &token, USERS, &include, size).await,
            everyone
        );
    }

    // Backward from the middle: the page just before a cursor.
    let page = fetch(&app, &token, USERS, json!({ "last": 4, "before": null })).await;
    assert_eq!(page.ids, live[27..]);
    assert!(!page.has_next && page.has_previous);
    let page = fetch(
        &app,
        &token,
        USERS,
        json!({ "last": 4, "before": page.start }),
    )
    .await;
    assert_eq!(page.ids, live[23..27]);
    assert!(page.has_next && page.has_previous);
}

// ---------------------------------------------------------------------------------------------
// 2. Every ordering

/// Each order field, ascending and descending, paged by 7 in both directions, is exactly the
/// order computed from the rows (NULL username as "", NULL lastLoginAt as the epoch, ties by id
/// in the same direction).
async fn every_ordering_pages_in_the_documented_order(app: TestApp) {
    let token = admin_and_crowd(&app).await;
    let rows = all_users(&app).await;

    // The fixtures make the test meaningful: ties and NULLs exist, and the orders differ.
    let created: HashSet<_> = rows.iter().map(|u| u.created_at).collect();
    assert!(created.len() < rows.len(), "created_at has ties");
    assert!(rows.iter().any(|u| u.username.is_none()));
    assert!(rows.iter().any(|u| u.last_login_at.is_none()));
    let logins: Vec<_> = rows.iter().filter_map(|u| u.last_login_at).collect();
    assert!(
        logins.len() > logins.iter().collect::<HashSet<_>>().len(),
        "logins tie"
    );
    let orders: Vec<Vec<String>> = Field::ALL
        .iter()
        .map(|&f| expected(&rows, f, false, not_deleted))
        .collect();
    for (i, a) in orders.iter().enumerate() {
        for b in &orders[i + 1..] {
            assert_ne!(
                a, b,
                "two order fields give the same order; the test would prove little"
            );
        }
    }

    for field in Field::ALL {
        for descending in [false, true] {
            let want = expected(&rows, field, descending, not_deleted);
            let vars = order_by(field, descending);
            assert_eq!(
                walk_forward(&app, &token, USERS, &vars, 7).await,
                want,
                "{field:?} descending={descending}, forwards"
            );
            assert_eq!(
                walk_backward(&app, &token, USERS, &vars, 7).await,
                want,
                "{field:?} descending={descending}, backwards"
            );
            // Deleted rows included: the same rule over more rows.
            let want = expected(&rows, field, descending, |_| true);
            let vars = merged(&vars, json!({ "filter": { "deleted": "INCLUDE" } }));
            assert_eq!(
                walk_forward(&app, &token, USERS, &vars, 7).await,
                want,
                "{field:?} descending={descending}, deleted included"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Stable cursors

/// Builds the k-th new user of a case.
type MakeUser = Box<dyn Fn(usize) -> users::Model>;

/// Rows inserted before the cursor position do not shift the pages after it, in every
/// ordering and direction; nor does deleting the row the cursor names.
async fn cursors_keep_their_place_when_rows_are_inserted_before_them(app: TestApp) {
    let token = admin_and_crowd(&app).await;
    let later = roster::db::now() + Duration::days(1);
    // For each ordering, three new rows that sort before everything already there.
    let cases: Vec<(Field, bool, MakeUser)> = vec![
        (
            Field::CreatedAt,
            false,
            Box::new(|k| user(&format!("early{k}@example.com"), base() - Duration::days(1))),
        ),
        (
            Field::CreatedAt,
            true,
            Box::new(move |k| user(&format!("late{k}@example.com"), later)),
        ),
        (
            Field::Email,
            false,
            Box::new(|k| user(&format!("0first{k}@example.com"), base())),
        ),
        (
            Field::Email,
            true,
            Box::new(|k| user(&format!("zzlast{k}@example.com"), base())),
        ),
        (
            // No username sorts as "", before every name; page 1 holds only such rows, so
            // these tie with the cursor's key and come first by their (smallest) ids.
            Field::Username,
            false,
            Box::new(|k| {
                let mut u = user(&format!("anon{k}@example.com"), base());
                u.id = Uuid::from_u128(k as u128 + 1);
                u
            }),
        ),
        (
            Field::Username,
            true,
            Box::new(|k| {
                named(
                    user(&format!("zed{k}@example.com"), base()),
                    &format!("ZZZ{k}"),
                )
            }),
        ),
        (
            // Never logged in sorts as the epoch, before every login; ties by smallest ids.
            Field::LastLoginAt,
            false,
            Box::new(|k| {
                let mut u = user(&format!("never{k}@example.com"), base());
                u.id = Uuid::from_u128(k as u128 + 1);
                u
            }),
        ),
        (
            Field::LastLoginAt,
            true,
            Box::new(move |k| {
                let mut u = user(&format!("recent{k}@example.com"), base());
                u.last_login_at = Some(later);
                u
            }),
        ),
    ];

    for (n, (field, descending, new_row)) in cases.iter().enumerate() {
        let context = format!("{field:?} descending={descending}");
        let vars = order_by(*field, *descending);
        let before = expected(&all_users(&app).await, *field, *descending, not_deleted);

        let first = fetch(&app, &token, USERS, merged(&vars, json!({ "first": 5 }))).await;
        assert_eq!(first.ids, before[..5], "{context}: page 1");

        let new: Vec<users::Model> = (0..3).map(|k| new_row(n * 10 + k)).collect();
        let new_ids: Vec<String> = new.iter().map(|u| u.id.to_string()).collect();
        insert(&app, new).await;
        let after = expected(&all_users(&app).await, *field, *descending, not_deleted);
        // The new rows really sort before the cursor (else the test proves nothing).
        let cursor_at = after.iter().position(|id| *id == first.ids[4]).unwrap();
        for id in &new_ids {
            assert!(
                after.iter().position(|x| x == id).unwrap() < cursor_at,
                "{context}: fixture row does not sort before the cursor"
            );
        }

        let second = fetch(
            &app,
            &token,
            USERS,
            merged(&vars, json!({ "first": 5, "after": first.end })),
        )
        .await;
        assert_eq!(second.ids, before[5..10], "{context}: page 2 moved");
        assert!(second.has_previous && second.has_next);
        assert_eq!(second.total, before.len() + 3, "{context}: totalCount");

        // The row a cursor names may disappear meanwhile; its position still holds.
        soft_delete(&app, &first.ids[4]).await;
        let again = fetch(
            &app,
            &token,
            USERS,
            merged(&vars, json!({ "first": 5, "after": first.end })),
        )
        .await;
        assert_eq!(again.ids, before[5..10], "{context}: cursor row deleted");
    }

    // Backwards: rows appended after the end do not shift the page before a cursor.
    let rows = all_users(&app).await;
    let before = expected(&rows, Field::CreatedAt, false, not_deleted);
    let n = before.len();
    let last = fetch(&app, &token, USERS, json!({ "last": 5 })).await;
    assert_eq!(last.ids, before[n - 5..]);
    let future = roster::db::now() + Duration::days(30);
    insert(
        &app,
        (0..3).map(|k| user(&format!("future{k}@example.com"), future)),
    )
    .await;
    let previous = fetch(
        &app,
        &token,
        USERS,
        json!({ "last": 5, "before": last.start }),
    )
    .await;
    assert_eq!(previous.ids, before[n - 10..n - 5]);
    assert!(previous.has_next && previous.has_previous);
    assert_eq!(previous.total, n + 3);
}

// ---------------------------------------------------------------------------------------------
// 4. Arguments: offset, limits, combinations, cursors

/// `offset` pages like page numbers; the documented limits and forbidden combinations answer
/// BAD_USER_INPUT on the right field; the default page is 10; foreign or garbage cursors are
/// refused.
async fn offset_limits_and_bad_arguments(app: TestApp) {
    let token = admin_and_crowd(&app).await;
    let rows = all_users(&app).await;
    let live = expected(&rows, Field::CreatedAt, false, not_deleted);
    let email_order = expected(&rows, Field::Email, false, not_deleted);

    // offset 10 with first 5 is the third page of 5.
    let mut after = None;
    let mut third = None;
    for _ in 0..3 {
        let page = fetch(&app, &token, USERS, json!({ "first": 5, "after": after })).await;
        after = page.end.clone();
        third = Some(page);
    }
    let third = third.unwrap();
    let page = fetch(&app, &token, USERS, json!({ "first": 5, "offset": 10 })).await;
    assert_eq!(page.ids, third.ids);
    assert_eq!(page.ids, live[10..15]);
    assert!(page.has_previous && page.has_next);
    assert_eq!(page.total, 31);
    // Its cursors work like any other.
    let next = fetch(
        &app,
        &token,
        USERS,
        json!({ "first": 5, "after": page.end }),
    )
    .await;
    assert_eq!(next.ids, live[15..20]);
    // offset 0 is the first page; offset with another order; offset alone pages by 10.
    let page = fetch(&app, &token, USERS, json!({ "first": 5, "offset": 0 })).await;
    assert_eq!(page.ids, live[..5]);
    assert!(!page.has_previous);
    let page = fetch(
        &app,
        &token,
        USERS,
        merged(
            &order_by(Field::Email, false),
            json!({ "first": 3, "offset": 7 }),
        ),
    )
    .await;
    assert_eq!(page.ids, email_order[7..10]);
    let page = fetch(&app, &token, USERS, json!({ "offset": 5 })).await;
    assert_eq!(page.ids, live[5..15]);
    // Past the end: empty, no next page, the total still counted.
    let page = fetch(&app, &token, USERS, json!({ "first": 5, "offset": 1000 })).await;
    assert!(page.ids.is_empty() && !page.has_next && page.has_previous);
    assert_eq!((page.start, page.end, page.total), (None, None, 31));

    // Default page size 10; `last` alone is the last N.
    let page = fetch(&app, &token, USERS, json!({})).await;
    assert_eq!(page.ids, live[..10]);
    assert!(page.has_next && !page.has_previous);
    let page = fetch(&app, &token, USERS, json!({ "last": 4 })).await;
    assert_eq!(page.ids, live[27..]);

    // Forbidden combinations and limits, each on its field.
    let first = fetch(&app, &token, USERS, json!({ "first": 2 })).await;
    let bad: Vec<(Value, &[&str])> = vec![
        (
            json!({ "first": 5, "offset": 5, "after": first.end }),
            &["offset"],
        ),
        (
            json!({ "last": 5, "offset": 5, "before": first.end }),
            &["offset"],
        ),
        (json!({ "first": 5, "last": 5 }), &["first", "last"]),
        (json!({ "first": 101 }), &["first"]),
        (json!({ "last": 101 }), &["last"]),
        (json!({ "first": -1 }), &["first"]),
        (json!({ "last": -1 }), &["last"]),
        (json!({ "first": 5, "offset": -1 }), &["offset"]),
        (json!({ "first": 5, "after": "garbage" }), &["after"]),
        (
            json!({ "last": 5, "before": "!!not base64!!" }),
            &["before"],
        ),
        // Valid base64 of JSON that is not a cursor.
        (json!({ "first": 5, "after": "e30" }), &["after"]),
        // Forged: this ordering's tag with a sort value of the wrong kind, or with a NUL.
        (
            json!({ "first": 5, "after": forged_cursor("users:created_at", json!({ "Text": "x" })) }),
            &["after"],
        ),
        (
            json!({ "last": 5, "before": forged_cursor("users:email", json!({ "Time": "2026-01-01T00:00:00Z" })) }),
            &["before"],
        ),
        (
            json!({ "first": 5, "after": forged_cursor("users:email", json!({ "Text": "a\u{0}" })) }),
            &["after"],
        ),
        // Search text PostgreSQL could not compare, or absurdly long.
        (
            json!({ "filter": { "search": "ada\u{0}" } }),
            &["filter.search"],
        ),
        (
            json!({ "filter": { "search": "a".repeat(300) } }),
            &["filter.search"],
        ),
    ];
    for (vars, fields) in bad {
        let body = request(&app, &token, USERS, vars.clone()).await;
        assert_code(&body, "BAD_USER_INPUT");
        assert!(
            fields.iter().any(|f| error_fields(&body)[f].is_array()),
            "{vars}: expected fields.{fields:?}; body: {body}"
        );
        assert!(
            body["data"].is_null() || body["data"]["users"].is_null(),
            "{body}"
        );
    }

    let body = request(&app, &token, GROUPS, json!({ "search": "x\u{0}" })).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["search"].is_array(), "{body}");

    // A cursor of another ordering or another list is refused, not misread.
    let by_email = fetch(
        &app,
        &token,
        USERS,
        merged(&order_by(Field::Email, false), json!({ "first": 2 })),
    )
    .await;
    let body = request(
        &app,
        &token,
        USERS,
        json!({ "first": 2, "after": by_email.end }),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["after"].is_array(), "{body}");
    let body = request(
        &app,
        &token,
        USERS,
        merged(
            &order_by(Field::CreatedAt, true),
            json!({ "first": 2, "before": by_email.end }),
        ),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");
    let body = request(
        &app,
        &token,
        GROUPS,
        json!({ "first": 2, "after": first.end }),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");
    insert(&app, [group("Ops", base())]).await;
    let groups_page = fetch(&app, &token, GROUPS, json!({ "first": 1 })).await;
    let body = request(
        &app,
        &token,
        USERS,
        json!({ "first": 2, "after": groups_page.end }),
    )
    .await;
    assert_code(&body, "BAD_USER_INPUT");

    // first: 100 is allowed, and returns 100 of 106.
    let page = fetch(&app, &token, USERS, json!({ "first": 100 })).await;
    assert_eq!(page.ids, live);
    assert!(!page.has_next);
    insert(
        &app,
        (0..75).map(|k| {
            user(
                &format!("extra{k:02}@example.com"),
                base() + Duration::days(3),
            )
        }),
    )
    .await;
    let page = fetch(&app, &token, USERS, json!({ "first": 100 })).await;
    assert_eq!(page.ids.len(), 100);
    assert!(page.has_next);
    assert_eq!(page.total, 106);
    let page = fetch(&app, &token, USERS, json!({ "last": 100 })).await;
    assert_eq!(page.ids.len(), 100);
    assert!(page.has_previous && !page.has_next);
}

// ---------------------------------------------------------------------------------------------
// 5. Filters

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
    migration::Migrator::down(app.db(), Some(1)).await.unwrap();
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

// ---------------------------------------------------------------------------------------------
// 6. Groups and members

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

// ---------------------------------------------------------------------------------------------
// 7. Statement counts (no N+1)

const NESTED_USERS: &str = "query { users(first: 100) { nodes { groups { permissions { codename } } permissions { codename } } } }";
const NESTED_GROUPS: &str =
    "query { groups(first: 50) { nodes { memberCount permissions { codename } } } }";
const NESTED_GROUPS_WITH_MEMBERS: &str = "query { groups(first: 50) { nodes { memberCount \
     permissions { codename } members(first: 2) { totalCount pageInfo { hasNextPage } \
     nodes { email groups { name } } } } } }";

/// Statements the server executes for one request, and its body.
async fn measure(app: &TestApp, token: &str, query: &str) -> (usize, Value) {
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

both!(
    pages_cover_the_set_once_forwards_and_backwards,
    every_ordering_pages_in_the_documented_order,
    cursors_keep_their_place_when_rows_are_inserted_before_them,
    offset_limits_and_bad_arguments,
    filters_select_and_count_the_right_users,
    search_is_case_insensitive_beyond_ascii,
    groups_and_members_page,
    nested_user_lists_cost_a_constant_number_of_statements,
    nested_group_lists_cost_a_constant_number_of_statements,
);

/// A cursor as a client could forge one: the right shape, any tag and sort value.
fn forged_cursor(tag: &str, key: Value) -> String {
    let json = json!({ "o": tag, "k": key, "id": Uuid::nil() });
    roster::auth::tokens::encode_base64(json.to_string().as_bytes())
}
