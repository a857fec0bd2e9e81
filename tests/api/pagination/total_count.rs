//! The unfiltered `users { totalCount }` reads a count the database keeps (triggers on `users`):
//! it follows every way a user comes, goes, or comes back, concurrent ones included, and an
//! upgrade starts it from the users already there.

use roster::db::entities::users;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement,
    TransactionTrait,
};
use serde_json::json;

use crate::support::admin::{Admin, CREATE_USER, DELETE_USER, DELETE_USER_FOREVER, RESTORE_USER};
use crate::support::database::redo_migrations_from;
use crate::support::pagination::{base, insert, user};
use crate::support::{Backend, PASSWORD, TestApp};

const TOTALS: &str = "query { all: users { totalCount } \
     including: users(filter: { deleted: INCLUDE }) { totalCount } \
     deleted: users(filter: { deleted: ONLY }) { totalCount } }";

/// The users that are not deleted, counted by the database.
async fn live_users(app: &TestApp) -> i64 {
    let count = users::Entity::find()
        .filter(users::Column::DeletedAt.is_null())
        .count(app.db())
        .await
        .unwrap();
    i64::try_from(count).unwrap()
}

/// `totalCount` unfiltered, with deleted users included, and of the deleted ones only.
async fn totals(admin: &Admin<'_>) -> (i64, i64, i64) {
    let data = admin.ok(TOTALS, json!({})).await;
    let count = |name: &str| data[name]["totalCount"].as_i64().unwrap();
    (count("all"), count("including"), count("deleted"))
}

/// The count the triggers keep.
async fn kept_count(app: &TestApp) -> i64 {
    let rows = app
        .db()
        .query_all_raw(Statement::from_string(
            app.db().get_database_backend(),
            "SELECT name, count FROM row_counts",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "one count");
    assert_eq!(rows[0].try_get::<String>("", "name").unwrap(), "live_users");
    rows[0].try_get::<i64>("", "count").unwrap()
}

/// Asserts the unfiltered total is the live users' count, and the other two agree with it.
async fn assert_counts(app: &TestApp, admin: &Admin<'_>, live: i64, step: &str) {
    assert_eq!(
        live_users(app).await,
        live,
        "{step}: the database's own count"
    );
    assert_eq!(kept_count(app).await, live, "{step}: the kept count");
    let (all, including, deleted) = totals(admin).await;
    assert_eq!(all, live, "{step}: totalCount");
    assert_eq!(including - deleted, live, "{step}: the filtered counts");
}

async fn create_user(admin: &Admin<'_>, email: &str) -> String {
    let data = admin
        .ok(
            CREATE_USER,
            json!({ "input": { "email": email, "password": PASSWORD } }),
        )
        .await;
    data["createUser"]["id"].as_str().unwrap().to_owned()
}

/// Every way in and out: registration, an operator's account, soft deletion and restoring,
/// permanent deletion, and rows written by SQL outside the application.
async fn the_total_follows_every_change(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    assert_counts(&app, &admin, 1, "the admin alone").await;

    app.register("registered@example.com").await;
    let created = create_user(&admin, "created@example.com").await;
    assert_counts(&app, &admin, 3, "registered and created").await;

    admin.ok(DELETE_USER, json!({ "id": created })).await;
    assert_counts(&app, &admin, 2, "soft-deleted").await;
    // Deleting a deleted user again changes nothing.
    admin.call(DELETE_USER, json!({ "id": created })).await;
    assert_counts(&app, &admin, 2, "deleted twice").await;

    admin.ok(RESTORE_USER, json!({ "id": created })).await;
    assert_counts(&app, &admin, 3, "restored").await;

    admin
        .ok(DELETE_USER_FOREVER, json!({ "id": created }))
        .await;
    assert_counts(&app, &admin, 2, "deleted for ever").await;

    // Rows written behind the application's back: a live and a deleted one inserted, a
    // deletion date set, changed and cleared, another column changed, rows removed.
    let mut gone = user("gone@example.com", base());
    gone.deleted_at = Some(base());
    let here = user("here@example.com", base());
    insert(&app, [gone.clone(), here.clone()]).await;
    assert_counts(&app, &admin, 3, "inserted by SQL").await;
    let set_deleted = |id, deleted: Option<chrono::DateTime<chrono::Utc>>| {
        users::Entity::update_many()
            .col_expr(users::Column::DeletedAt, Expr::value(deleted))
            .filter(users::Column::Id.eq(id))
            .exec(app.db())
    };
    set_deleted(here.id, Some(base())).await.unwrap();
    assert_counts(&app, &admin, 2, "deleted by SQL").await;
    set_deleted(here.id, Some(base() + chrono::Duration::days(1)))
        .await
        .unwrap();
    assert_counts(&app, &admin, 2, "deleted again, at another time").await;
    set_deleted(gone.id, None).await.unwrap();
    assert_counts(&app, &admin, 3, "restored by SQL").await;
    users::Entity::update_many()
        .col_expr(users::Column::FirstName, Expr::value("Renamed"))
        .exec(app.db())
        .await
        .unwrap();
    assert_counts(&app, &admin, 3, "renamed by SQL").await;
    users::Entity::delete_by_id(here.id)
        .exec(app.db())
        .await
        .unwrap();
    assert_counts(&app, &admin, 3, "a deleted row removed by SQL").await;

    // One statement removing two live rows and a deleted one.
    let live = user("live@example.com", base());
    let mut dead = user("dead@example.com", base());
    dead.deleted_at = Some(base());
    insert(&app, [live.clone(), dead.clone()]).await;
    assert_counts(&app, &admin, 4, "two more by SQL").await;
    users::Entity::delete_many()
        .filter(users::Column::Id.is_in([gone.id, live.id, dead.id]))
        .exec(app.db())
        .await
        .unwrap();
    assert_counts(&app, &admin, 2, "three removed at once").await;

    // A transaction that adds a user and removes it again, and one rolled back.
    let txn = app.db().begin().await.unwrap();
    let brief = user("brief@example.com", base());
    users::Entity::insert(users::ActiveModel::from(brief.clone()))
        .exec(&txn)
        .await
        .unwrap();
    users::Entity::delete_by_id(brief.id)
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_counts(&app, &admin, 2, "added and removed in one transaction").await;
    let txn = app.db().begin().await.unwrap();
    users::Entity::insert(users::ActiveModel::from(brief))
        .exec(&txn)
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    assert_counts(&app, &admin, 2, "a rolled-back insert").await;

    if app.backend == Backend::Postgres {
        // A session on another schema path, naming the table in full.
        let txn = app.db().begin().await.unwrap();
        for sql in [
            "SET LOCAL search_path TO pg_catalog",
            "UPDATE public.users SET deleted_at = now() WHERE email = 'registered@example.com'",
        ] {
            txn.execute_unprepared(sql).await.unwrap();
        }
        txn.commit().await.unwrap();
        assert_counts(&app, &admin, 1, "deleted on another schema path").await;

        // A change and then TRUNCATE in one transaction, the change's count applied first.
        let txn = app.db().begin().await.unwrap();
        for sql in [
            "UPDATE users SET deleted_at = NULL WHERE email = 'registered@example.com'",
            "SET CONSTRAINTS users_count IMMEDIATE",
            "TRUNCATE users CASCADE",
        ] {
            txn.execute_unprepared(sql).await.unwrap();
        }
        txn.commit().await.unwrap();
        assert_eq!(live_users(&app).await, 0);
        assert_eq!(kept_count(&app).await, 0, "after TRUNCATE");
    }
}

/// Accounts created, deleted and restored at once, by many requests: the count is exact
/// after, as counting the rows says.
async fn concurrent_changes_keep_the_count_exact(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(create_user(&admin, &format!("early{i}@example.com")).await);
    }
    let creations = (0..8).map(|i| {
        let admin = &admin;
        async move {
            create_user(admin, &format!("late{i}@example.com")).await;
        }
    });
    let deletions = ids[..6].iter().map(|id| {
        let admin = &admin;
        async move {
            // Twice at once: one of them deletes, and the count falls once.
            let (a, b) = tokio::join!(
                admin.call(DELETE_USER, json!({ "id": id })),
                admin.call(DELETE_USER, json!({ "id": id })),
            );
            (a, b)
        }
    });
    let (_, _) = tokio::join!(
        futures_util::future::join_all(creations),
        futures_util::future::join_all(deletions)
    );
    assert_counts(&app, &admin, 1 + 8 + 8 - 6, "after the burst").await;

    let restorations = ids[..3].iter().map(|id| {
        let admin = &admin;
        async move {
            tokio::join!(
                admin.call(RESTORE_USER, json!({ "id": id })),
                admin.call(RESTORE_USER, json!({ "id": id })),
            )
        }
    });
    futures_util::future::join_all(restorations).await;
    assert_counts(&app, &admin, 1 + 8 + 8 - 3, "after the restorations").await;
}

/// The unfiltered total is the kept count, read rather than counted again; a count that went
/// below zero (writes that skipped the triggers) is not shown: the users are counted instead.
async fn the_unfiltered_total_is_the_kept_count(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let deleted = create_user(&admin, "deleted@example.com").await;
    admin.ok(DELETE_USER, json!({ "id": deleted })).await;
    let db = app.db();
    let set_kept = |count: i64| async move {
        let sql = format!("UPDATE row_counts SET count = {count} WHERE name = 'live_users'");
        db.execute_unprepared(&sql).await
    };
    set_kept(999).await.unwrap();
    assert_eq!(totals(&admin).await, (999, 2, 1));
    set_kept(-3).await.unwrap();
    assert_eq!(totals(&admin).await, (1, 2, 1));
}

/// A database from before the count: the upgrade counts the users already there, deleted ones
/// left out, and the count follows from then on.
async fn an_upgrade_counts_the_users_already_there(app: TestApp) {
    let admin = Admin::new(&app, "admin@example.com").await;
    let mut rows: Vec<users::Model> = (0..5)
        .map(|i| user(&format!("old{i}@example.com"), base()))
        .collect();
    rows[0].deleted_at = Some(base());
    rows[1].deleted_at = Some(base());
    insert(&app, rows).await;
    // Back to before the count, with the rows in place, and forward again.
    redo_migrations_from(app.db(), "m20261209_000020").await;
    assert_counts(&app, &admin, 4, "after the upgrade").await;
    app.register("new@example.com").await;
    assert_counts(&app, &admin, 5, "a registration after the upgrade").await;
}

per_backend!(
    the_total_follows_every_change,
    the_unfiltered_total_is_the_kept_count,
    concurrent_changes_keep_the_count_exact,
    an_upgrade_counts_the_users_already_there,
);
