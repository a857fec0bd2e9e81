//! The built-in permissions that API.md's guards name: the rows of
//! `permissions::SEEDED_FIRST`, fixed like this step. Ids are fixed so that every database (and
//! every replica) agrees on them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::{ChronoUtc, Uuid};

use crate::m20261124_000004_create_groups_and_permissions::Permissions;
use crate::permissions::SEEDED_FIRST;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn builtin_id(index: usize) -> Uuid {
    Uuid::from_u128(0x0000_0000_0000_4000_8000_7065_726d_0000 + index as u128 + 1)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut insert = Query::insert();
        insert.into_table(Permissions::Table).columns([
            Permissions::Id,
            Permissions::Codename,
            Permissions::Name,
            Permissions::Description,
            Permissions::CreatedAt,
        ]);
        let now = ChronoUtc::now();
        for (index, permission) in SEEDED_FIRST.iter().enumerate() {
            insert.values_panic([
                builtin_id(index).into(),
                permission.codename.into(),
                permission.name.into(),
                permission.description.into(),
                now.into(),
            ]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let codenames = SEEDED_FIRST.iter().map(|permission| permission.codename);
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(Permissions::Table)
                    .and_where(Expr::col(Permissions::Codename).is_in(codenames))
                    .to_owned(),
            )
            .await
    }
}
