//! The login throttle's counters, in the database so that replicas share them and restarts
//! keep them. `login_address_failures`: consecutive failures per account and client address,
//! and until when that pair is refused. `login_failures`: one row per failed attempt on an
//! account, counted over the last hour for the per-account ceiling.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginAddressFailures {
    Table,
    AccountKey,
    AddressKey,
    Failures,
    BlockedUntil,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    AccountKey,
    FailedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginAddressFailures::Table)
                    .col(string_len(LoginAddressFailures::AccountKey, 64))
                    .col(string_len(LoginAddressFailures::AddressKey, 64))
                    .col(integer(LoginAddressFailures::Failures))
                    .col(timestamp_with_time_zone_null(
                        LoginAddressFailures::BlockedUntil,
                    ))
                    .col(timestamp_with_time_zone(LoginAddressFailures::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(LoginAddressFailures::AccountKey)
                            .col(LoginAddressFailures::AddressKey),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("login_address_failures_updated_at_idx")
                    .table(LoginAddressFailures::Table)
                    .col(LoginAddressFailures::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(uuid(LoginFailures::Id).primary_key())
                    .col(string_len(LoginFailures::AccountKey, 64))
                    .col(timestamp_with_time_zone(LoginFailures::FailedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("login_failures_account_key_failed_at_idx")
                    .table(LoginFailures::Table)
                    .col(LoginFailures::AccountKey)
                    .col(LoginFailures::FailedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("login_failures_failed_at_idx")
                    .table(LoginFailures::Table)
                    .col(LoginFailures::FailedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginFailures::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LoginAddressFailures::Table).to_owned())
            .await
    }
}
