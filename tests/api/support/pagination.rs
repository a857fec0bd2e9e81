//! Shared by the pagination tests: the connection queries, fixtures and expected orders.
//!
//! Fixtures are inserted straight into the database (registering 35 users through argon2 would
//! be slow); the expected orders are computed here, in Rust, from the rows read back.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use roster::db::entities::{groups, user_groups, users};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{TestApp, assert_ok};

/// What every connection query selects.
macro_rules! connection {
    () => {
        "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } \
         edges { cursor node { id } } nodes { id }"
    };
}
pub(crate) use connection;

/// A list the tests page through: its query and where the connection sits in `data`.
#[derive(Clone, Copy)]
pub struct List {
    pub query: &'static str,
    pub path: &'static [&'static str],
}

pub const USERS: List = List {
    query: concat!(
        "query($first: Int, $after: String, $last: Int, $before: String, $offset: Int, \
         $filter: UserFilter, $orderBy: UserOrder) { users(first: $first, after: $after, \
         last: $last, before: $before, offset: $offset, filter: $filter, orderBy: $orderBy) {",
        connection!(),
        "} }"
    ),
    path: &["users"],
};

pub const GROUPS: List = List {
    query: concat!(
        "query($first: Int, $after: String, $last: Int, $before: String, $offset: Int, \
         $search: String) { groups(first: $first, after: $after, last: $last, \
         before: $before, offset: $offset, search: $search) {",
        connection!(),
        "} }"
    ),
    path: &["groups"],
};

/// One page as the server answered it.
#[derive(Debug)]
pub struct Page {
    pub ids: Vec<String>,
    pub has_next: bool,
    pub has_previous: bool,
    pub start: Option<String>,
    pub end: Option<String>,
    pub total: usize,
}

/// `base` with the keys of `extra` added (both JSON objects).
pub fn merged(base: &Value, extra: Value) -> Value {
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
pub fn page_of(connection: &Value) -> Page {
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
pub async fn request(app: &TestApp, token: &str, list: List, vars: Value) -> Value {
    app.gql(list.query, vars, Some(token)).await
}

/// Fetches one page, which must succeed.
pub async fn fetch(app: &TestApp, token: &str, list: List, vars: Value) -> Page {
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
pub async fn walk_forward(
    app: &TestApp,
    token: &str,
    list: List,
    vars: &Value,
    size: usize,
) -> Vec<String> {
    walk(app, token, list, vars, size, Way::Forward).await
}

/// Walks `list` backwards with `last: size` from the end; returns the ids in list order, with
/// the mirror-image checks of `walk_forward`.
pub async fn walk_backward(
    app: &TestApp,
    token: &str,
    list: List,
    vars: &Value,
    size: usize,
) -> Vec<String> {
    walk(app, token, list, vars, size, Way::Backward).await
}

/// Which way a walk pages.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Way {
    Forward,
    Backward,
}

impl Way {
    fn arguments(self, size: usize, cursor: Option<String>) -> Value {
        match self {
            Way::Forward => json!({ "first": size, "after": cursor }),
            Way::Backward => json!({ "last": size, "before": cursor }),
        }
    }

    /// Whether there is more to walk after `page`: `hasNextPage` forwards.
    fn more_ahead(self, page: &Page) -> bool {
        match self {
            Way::Forward => page.has_next,
            Way::Backward => page.has_previous,
        }
    }

    /// The page-info flag that says there is something behind `page`, and its name.
    fn behind(self, page: &Page) -> (bool, &'static str) {
        match self {
            Way::Forward => (page.has_previous, "hasPreviousPage"),
            Way::Backward => (page.has_next, "hasNextPage"),
        }
    }

    /// Where the next page starts.
    fn cursor(self, page: &Page) -> Option<String> {
        match self {
            Way::Forward => page.end.clone(),
            Way::Backward => page.start.clone(),
        }
    }
}

async fn walk(
    app: &TestApp,
    token: &str,
    list: List,
    vars: &Value,
    size: usize,
    way: Way,
) -> Vec<String> {
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut total = None;
    for n in 0.. {
        assert!(n <= 200, "paging {way:?} does not end");
        let page = fetch(app, token, list, merged(vars, way.arguments(size, cursor))).await;
        assert_eq!(
            *total.get_or_insert(page.total),
            page.total,
            "totalCount changed on page {n}"
        );
        let (behind, flag) = way.behind(&page);
        assert_eq!(behind, n > 0, "{flag} on {way:?} page {n}: {page:?}");
        let more = way.more_ahead(&page);
        if more {
            assert_eq!(
                page.ids.len(),
                size,
                "a page before the walk's last is full: {page:?}"
            );
        } else {
            assert!(page.ids.len() <= size);
            assert!(
                n == 0 || !page.ids.is_empty(),
                "the walk's last page is not empty"
            );
        }
        cursor = way.cursor(&page);
        pages.push(page.ids);
        if !more {
            break;
        }
    }
    if way == Way::Backward {
        pages.reverse();
    }
    let seen: Vec<String> = pages.into_iter().flatten().collect();
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

pub fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()
}

/// A user row with the optional fields empty; tests set what they need.
pub fn user(email: &str, created_at: DateTime<Utc>) -> users::Model {
    users::Model {
        id: Uuid::new_v4(),
        email: email.to_owned(),
        username: None,
        username_key: None,
        password_hash: Some("x".into()),
        first_name: None,
        last_name: None,
        phone_number: None,
        address: None,
        company: None,
        designation: None,
        role: users::Role::User,
        is_active: true,
        email_verified: false,
        deleted_at: None,
        last_login_at: None,
        created_at,
        updated_at: created_at,
        search_key: String::new(),
        credentials_version: 0,
        email_from_change: false,
        mfa_enabled: false,
    }
}

pub fn named(mut user: users::Model, username: &str) -> users::Model {
    user.username = Some(username.to_owned());
    user.username_key = Some(username.to_lowercase());
    user
}

pub fn group(name: &str, created_at: DateTime<Utc>) -> groups::Model {
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
pub trait Fixture {
    fn derived(self) -> Self;
}

impl Fixture for users::Model {
    fn derived(mut self) -> Self {
        self.search_key = crate::support::services::search_key(
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
pub async fn insert<M, A>(app: &TestApp, rows: impl IntoIterator<Item = M>)
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

pub async fn join(app: &TestApp, links: impl IntoIterator<Item = (Uuid, Uuid)>) {
    insert(
        app,
        links
            .into_iter()
            .map(|(user_id, group_id)| user_groups::Model { user_id, group_id }),
    )
    .await;
}

pub async fn all_users(app: &TestApp) -> Vec<users::Model> {
    users::Entity::find()
        .all(app.db())
        .await
        .expect("read users")
}

/// Two lower-case letters, a different pair for each `k` in 0..36.
pub fn letters(k: i64) -> String {
    let k = k.rem_euclid(36) as u8;
    format!("{}{}", (b'a' + k / 6) as char, (b'a' + k % 6) as char)
}

/// 35 users whose orders disagree: emails and usernames scrambled (all letters and digits, so
/// any collation orders them alike), created in tied triples at whole and half seconds, last
/// logins with ties and some never, some usernames missing, some admins, inactive and
/// deleted (i % 7 == 3: 5 of them). With the ADMIN the tests log in as, 31 are not deleted.
pub fn crowd() -> Vec<users::Model> {
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
pub async fn admin_and_crowd(app: &TestApp) -> String {
    let token = app.admin("admin@example.com").await.access;
    insert(app, crowd()).await;
    token
}

#[derive(Clone, Copy, Debug)]
pub enum Field {
    CreatedAt,
    Email,
    Username,
    LastLoginAt,
}

impl Field {
    pub const ALL: [Field; 4] = [
        Field::CreatedAt,
        Field::Email,
        Field::Username,
        Field::LastLoginAt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::CreatedAt => "CREATED_AT",
            Field::Email => "EMAIL",
            Field::Username => "USERNAME",
            Field::LastLoginAt => "LAST_LOGIN_AT",
        }
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Time(DateTime<Utc>),
    Text(String),
}

/// The sort key the service documents: a missing username sorts as "", a missing last login
/// as the Unix epoch.
pub fn key(user: &users::Model, field: Field) -> Key {
    match field {
        Field::CreatedAt => Key::Time(user.created_at),
        Field::Email => Key::Text(user.email.clone()),
        Field::Username => Key::Text(user.username_key.clone().unwrap_or_default()),
        Field::LastLoginAt => Key::Time(user.last_login_at.unwrap_or(DateTime::UNIX_EPOCH)),
    }
}

/// Ids of the `rows` that `keep` keeps, by `field` then id, both in the same direction.
pub fn expected(
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

pub fn not_deleted(user: &users::Model) -> bool {
    user.deleted_at.is_none()
}

pub fn order_by(field: Field, descending: bool) -> Value {
    json!({ "orderBy": { "field": field.name(), "direction": if descending { "DESC" } else { "ASC" } } })
}
