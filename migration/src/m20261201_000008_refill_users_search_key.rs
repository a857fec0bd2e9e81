//! Refills `users.search_key` with Rust's lower-casing. Step 6 filled existing rows with the
//! database's `lower()`, which folds ASCII only on SQLite (and under PostgreSQL's C locale), so
//! a user stored before it with a name such as "Ölander" was not found by searching "ölander".
//! The key is the application's: `lower("email\nusername\nfirst last")`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::Uuid;

use crate::m20261124_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchKey {
    SearchKey,
}

/// The same text `roster::services::rules::profile_fields::search_key` builds.
fn search_key(
    email: &str,
    username: Option<&str>,
    first_name: Option<&str>,
    last_name: Option<&str>,
) -> String {
    let name = [first_name, last_name]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    format!("{email}\n{}\n{name}", username.unwrap_or_default()).to_lowercase()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let rows = db
            .query_all(
                Query::select()
                    .columns([
                        Users::Id,
                        Users::Email,
                        Users::Username,
                        Users::FirstName,
                        Users::LastName,
                    ])
                    .column(SearchKey::SearchKey)
                    .from(Users::Table),
            )
            .await?;
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let email: String = row.try_get("", "email")?;
            let username: Option<String> = row.try_get("", "username")?;
            let first_name: Option<String> = row.try_get("", "first_name")?;
            let last_name: Option<String> = row.try_get("", "last_name")?;
            let stored: String = row.try_get("", "search_key")?;
            let key = search_key(
                &email,
                username.as_deref(),
                first_name.as_deref(),
                last_name.as_deref(),
            );
            if key != stored {
                db.execute(
                    Query::update()
                        .table(Users::Table)
                        .value(SearchKey::SearchKey, key)
                        .and_where(Expr::col(Users::Id).eq(id)),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Nothing to undo: the keys are what the application writes anyway.
        Ok(())
    }
}
