//! The checked-in `schema.graphql` is exactly what the code generates, and the server serves it.

use crate::support::database::available;
use crate::support::{Backend, PostgresDatabase, TestApp};

#[test]
fn schema_graphql_is_up_to_date() {
    let generated = roster::graphql::sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        generated == checked_in,
        "schema.graphql is stale: run `cargo run -- print-schema > schema.graphql` and commit it"
    );
}

async fn serves_the_schema_and_health(app: TestApp) {
    let sdl = app
        .client
        .get(format!("{}/schema.graphql", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(sdl.status(), 200);
    assert_eq!(sdl.text().await.unwrap(), roster::graphql::sdl());

    let health = app
        .client
        .get(format!("{}/health", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(
        health.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({ "status": "ok" })
    );
}

per_backend!(serves_the_schema_and_health);

/// Replicas starting at once on one PostgreSQL database take turns migrating: all succeed and
/// every step is applied once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_migrations_on_postgres_take_turns() {
    use migration::MigratorTrait;

    if !available(
        Backend::Postgres,
        "schema::concurrent_migrations_on_postgres_take_turns",
    ) {
        return;
    }
    let database = PostgresDatabase::create().await;
    let mut replicas = Vec::new();
    for _ in 0..4 {
        replicas.push(
            roster::db::connect(&database.url(), 2)
                .await
                .expect("connect"),
        );
    }
    let results = futures_util::future::join_all(replicas.iter().map(roster::app::migrate)).await;
    for result in &results {
        assert!(result.is_ok(), "a replica failed to migrate: {result:?}");
    }
    let applied = migration::Migrator::get_applied_migrations(&replicas[0])
        .await
        .unwrap();
    assert_eq!(applied.len(), migration::Migrator::migrations().len());
    for replica in replicas {
        replica.close().await.ok();
    }
}
