//! Django's model of access: `groups` and `permissions`, and the links `user_groups`,
//! `group_permissions` and `user_permissions`. Every link cascades when either side is
//! permanently deleted. Group names are unique case-insensitively through `name_key`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Groups::Table)
                    .col(pk_uuid(Groups::Id))
                    .col(string_len(Groups::Name, 150))
                    .col(string_len(Groups::NameKey, 150))
                    .col(text_null(Groups::Description))
                    .col(timestamp_with_time_zone(Groups::CreatedAt))
                    .col(timestamp_with_time_zone(Groups::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("groups_name_key")
                    .table(Groups::Table)
                    .col(Groups::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Permissions::Table)
                    .col(pk_uuid(Permissions::Id))
                    .col(string_len(Permissions::Codename, 100))
                    .col(string_len(Permissions::Name, 255))
                    .col(text_null(Permissions::Description))
                    .col(timestamp_with_time_zone(Permissions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("permissions_codename_key")
                    .table(Permissions::Table)
                    .col(Permissions::Codename)
                    .unique()
                    .to_owned(),
            )
            .await?;

        link_table(
            manager,
            "user_groups",
            ("user_id", Users::Table.into_iden(), Users::Id.into_iden()),
            (
                "group_id",
                Groups::Table.into_iden(),
                Groups::Id.into_iden(),
            ),
        )
        .await?;
        link_table(
            manager,
            "group_permissions",
            (
                "group_id",
                Groups::Table.into_iden(),
                Groups::Id.into_iden(),
            ),
            (
                "permission_id",
                Permissions::Table.into_iden(),
                Permissions::Id.into_iden(),
            ),
        )
        .await?;
        link_table(
            manager,
            "user_permissions",
            ("user_id", Users::Table.into_iden(), Users::Id.into_iden()),
            (
                "permission_id",
                Permissions::Table.into_iden(),
                Permissions::Id.into_iden(),
            ),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["user_permissions", "group_permissions", "user_groups"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Permissions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Groups::Table).to_owned())
            .await
    }
}

/// A many-to-many link: a composite primary key of two foreign keys that both cascade, plus an
/// index on the second column for lookups from that side.
async fn link_table(
    manager: &SchemaManager<'_>,
    table: &str,
    (left, left_table, left_id): (&str, DynIden, DynIden),
    (right, right_table, right_id): (&str, DynIden, DynIden),
) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Alias::new(table))
                .col(uuid(Alias::new(left)))
                .col(uuid(Alias::new(right)))
                .primary_key(Index::create().col(Alias::new(left)).col(Alias::new(right)))
                .foreign_key(
                    ForeignKey::create()
                        .name(format!("{table}_{left}_fkey"))
                        .from(Alias::new(table), Alias::new(left))
                        .to(left_table, left_id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name(format!("{table}_{right}_fkey"))
                        .from(Alias::new(table), Alias::new(right))
                        .to(right_table, right_id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name(format!("{table}_{right}_idx"))
                .table(Alias::new(table))
                .col(Alias::new(right))
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    Name,
    NameKey,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Permissions {
    Table,
    Id,
    Codename,
    Name,
    Description,
    CreatedAt,
}
