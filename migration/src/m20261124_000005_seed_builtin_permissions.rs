//! The built-in permissions that API.md's guards name. Ids are fixed so that every database
//! (and every replica) agrees on them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::{ChronoUtc, Uuid};

use crate::m20261124_000004_create_groups_and_permissions::Permissions;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (codename, name, description)
const BUILTIN: [(&str, &str, &str); 7] = [
    (
        "users.view",
        "View users",
        "List, search and read every user account.",
    ),
    ("users.create", "Create users", "Create user accounts."),
    (
        "users.update",
        "Update users",
        "Edit user accounts and activate or deactivate them.",
    ),
    (
        "users.delete",
        "Delete users",
        "Delete and restore user accounts.",
    ),
    ("groups.view", "View groups", "List and read groups."),
    (
        "groups.manage",
        "Manage groups",
        "Create, edit and delete groups and their members.",
    ),
    (
        "permissions.view",
        "View permissions",
        "List the permissions that exist.",
    ),
];

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
        for (index, (codename, name, description)) in BUILTIN.iter().enumerate() {
            insert.values_panic([
                builtin_id(index).into(),
                (*codename).into(),
                (*name).into(),
                (*description).into(),
                now.into(),
            ]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let codenames = BUILTIN.iter().map(|(codename, _, _)| *codename);
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
