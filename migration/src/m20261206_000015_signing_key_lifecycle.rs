//! The signing-key lifecycle: when a key stopped signing (`deactivated_at`, the start of a
//! `PREVIOUS` key's grace), whether its private part lives in `--jwt-signing-key-file` rather
//! than sealed in this row (`from_file`, the row's `private_key` then empty), and one `NEXT`
//! key per algorithm, so replicas rotating on a schedule at once publish one key, not two.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Algorithm,
    State,
    DeactivatedAt,
    FromFile,
}

const ONE_NEXT: &str = "signing_keys_one_next_per_algorithm_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(SigningKeys::Table)
                    .add_column(timestamp_with_time_zone_null(SigningKeys::DeactivatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SigningKeys::Table)
                    .add_column(boolean(SigningKeys::FromFile).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ONE_NEXT)
                    .table(SigningKeys::Table)
                    .col(SigningKeys::Algorithm)
                    .unique()
                    .and_where(Expr::col(SigningKeys::State).eq("NEXT"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(ONE_NEXT)
                    .table(SigningKeys::Table)
                    .to_owned(),
            )
            .await?;
        for column in [SigningKeys::DeactivatedAt, SigningKeys::FromFile] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SigningKeys::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
