//! `users`: one row per account. Emails are stored lower-cased, so a plain unique index makes
//! them case-insensitively unique; usernames keep their spelling and get a lower-cased twin
//! (`username_key`) that carries the uniqueness, identical on SQLite and PostgreSQL (SQLite's
//! `lower()` folds ASCII only).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_len(Users::Email, 254))
                    .col(string_len_null(Users::Username, 150))
                    .col(string_len_null(Users::UsernameKey, 150))
                    .col(string_len(Users::PasswordHash, 255))
                    .col(string_len_null(Users::FirstName, 150))
                    .col(string_len_null(Users::LastName, 150))
                    .col(string_len_null(Users::PhoneNumber, 32))
                    .col(text_null(Users::Address))
                    .col(string_len_null(Users::Company, 150))
                    .col(string_len_null(Users::Designation, 150))
                    .col(string_len(Users::Role, 16).default("USER"))
                    .col(boolean(Users::IsActive).default(true))
                    .col(timestamp_with_time_zone_null(Users::DeletedAt))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("users_email_key", Users::Email),
            ("users_username_key", Users::UsernameKey),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Users::Table)
                        .col(column)
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        // Keyset pagination orders by (created_at, id); the admin-count check filters by role.
        manager
            .create_index(
                Index::create()
                    .name("users_created_at_idx")
                    .table(Users::Table)
                    .col(Users::CreatedAt)
                    .col(Users::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_role_idx")
                    .table(Users::Table)
                    .col(Users::Role)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Email,
    Username,
    UsernameKey,
    PasswordHash,
    FirstName,
    LastName,
    PhoneNumber,
    Address,
    Company,
    Designation,
    Role,
    IsActive,
    DeletedAt,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}
