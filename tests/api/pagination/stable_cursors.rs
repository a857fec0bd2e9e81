//! Stable cursors: rows inserted before a cursor, or the row it names deleted, do not shift the
//! pages after it.

use chrono::Duration;
use roster::db::entities::users;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::support::TestApp;
use crate::support::pagination::{
    Field, USERS, admin_and_crowd, all_users, base, expected, fetch, insert, merged, named,
    not_deleted, order_by, user,
};

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

per_backend!(cursors_keep_their_place_when_rows_are_inserted_before_them,);
