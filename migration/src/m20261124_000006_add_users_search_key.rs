//! `users.search_key`: email, username and "first last", lower-cased by the application, so the
//! `users` search is case-insensitive beyond ASCII on SQLite too (its `lower()` folds ASCII
//! only). Existing rows are filled with the database's own `lower()`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchKey {
    SearchKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(text(SearchKey::SearchKey).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                // '\n' is a newline inside the SQL string literal, standard SQL on both databases.
                "UPDATE users SET search_key = lower(email || '\n' || coalesce(username, '') \
                 || '\n' || trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')))",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(SearchKey::SearchKey)
                    .to_owned(),
            )
            .await
    }
}
