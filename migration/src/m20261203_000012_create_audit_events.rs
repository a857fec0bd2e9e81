//! The audit log: `audit_events`, one row per recorded action, newest first by `(occurred_at,
//! id)`, and the built-in permission `audit.view` that lets a non-ADMIN read it (its row is
//! `permissions::SEEDED_WITH_AUDIT_LOG`).
//!
//! Events outlive the accounts, groups and permissions they name, so their ids carry no
//! foreign keys. Each filter `auditEvents` offers has an index that ends in the listing order,
//! so a filtered page deep in millions of rows is an index walk from its cursor.

use sea_orm_migration::sea_orm::prelude::{ChronoUtc, Uuid};
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000004_create_groups_and_permissions::Permissions;
use crate::permissions::SEEDED_WITH_AUDIT_LOG;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    Action,
    ActorId,
    UserId,
    GroupId,
    PermissionId,
    SessionId,
    IpAddress,
    UserAgent,
    Details,
}

/// Fixed, like the other built-ins' ids (the next after the seven of the first seed).
const AUDIT_VIEW_ID: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_7065_726d_0008);

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(uuid(AuditEvents::Id).primary_key())
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .col(string_len(AuditEvents::Action, 40))
                    .col(uuid_null(AuditEvents::ActorId))
                    .col(uuid_null(AuditEvents::UserId))
                    .col(uuid_null(AuditEvents::GroupId))
                    .col(uuid_null(AuditEvents::PermissionId))
                    .col(uuid_null(AuditEvents::SessionId))
                    .col(string_len_null(AuditEvents::IpAddress, 45))
                    .col(string_len_null(AuditEvents::UserAgent, 512))
                    .col(text_null(AuditEvents::Details))
                    .to_owned(),
            )
            .await?;
        // The listing order, and each filter followed by it.
        for (name, columns) in [
            ("audit_events_occurred_at_idx", vec![]),
            ("audit_events_user_id_idx", vec![AuditEvents::UserId]),
            ("audit_events_actor_id_idx", vec![AuditEvents::ActorId]),
            ("audit_events_action_idx", vec![AuditEvents::Action]),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEvents::Table);
            for column in columns {
                index.col(column);
            }
            index.col(AuditEvents::OccurredAt).col(AuditEvents::Id);
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(Permissions::Table)
                    .columns([
                        Permissions::Id,
                        Permissions::Codename,
                        Permissions::Name,
                        Permissions::Description,
                        Permissions::CreatedAt,
                    ])
                    .values_panic([
                        AUDIT_VIEW_ID.into(),
                        SEEDED_WITH_AUDIT_LOG.codename.into(),
                        SEEDED_WITH_AUDIT_LOG.name.into(),
                        SEEDED_WITH_AUDIT_LOG.description.into(),
                        ChronoUtc::now().into(),
                    ])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(Permissions::Table)
                    .and_where(Expr::col(Permissions::Codename).eq(SEEDED_WITH_AUDIT_LOG.codename))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await
    }
}
