//! Credentials stay with their owner.
//!
//! `users.credentials_version`: bumped by every change that must void a login whose password
//! check overlapped it (a password change, deactivation, deletion), so a login opens its
//! session only if it is still the account it checked, whatever else on the row changed.
//! `users.email_from_change`: the address was set by an email change and is unproven until
//! verified; it receives no password-reset link meanwhile. `mail_outbox.requested_from`: the
//! client address that asked for a reset mail, so the hourly cap is counted per address and
//! client. `login_known_addresses`: where each account last signed in successfully, so the
//! per-account ceiling of the login throttle does not lock its owner out. Indexes on when
//! sessions expire and were revoked let old sessions be pruned without a full scan.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    CredentialsVersion,
    EmailFromChange,
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    RequestedFrom,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum LoginKnownAddresses {
    Table,
    UserId,
    AddressKey,
    LastSuccessAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(big_integer(Users::CredentialsVersion).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Users::EmailFromChange).default(false))
                    .to_owned(),
            )
            .await?;
        // Addresses an email change already set, unproven since: they must not receive reset
        // links either (the change that set them may have been one of the takeovers this step
        // closes). The audit log says which accounts changed their address.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE users SET email_from_change = TRUE WHERE email_verified = FALSE \
                 AND id IN (SELECT user_id FROM audit_events \
                 WHERE action = 'EMAIL_CHANGED' AND user_id IS NOT NULL)",
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(MailOutbox::Table)
                    .add_column(string_len_null(MailOutbox::RequestedFrom, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginKnownAddresses::Table)
                    .col(uuid(LoginKnownAddresses::UserId))
                    .col(string_len(LoginKnownAddresses::AddressKey, 64))
                    .col(timestamp_with_time_zone(LoginKnownAddresses::LastSuccessAt))
                    .primary_key(
                        Index::create()
                            .col(LoginKnownAddresses::UserId)
                            .col(LoginKnownAddresses::AddressKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("login_known_addresses_user_id_fkey")
                            .from(LoginKnownAddresses::Table, LoginKnownAddresses::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("login_known_addresses_last_success_at_idx")
                    .table(LoginKnownAddresses::Table)
                    .col(LoginKnownAddresses::LastSuccessAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sessions_expires_at_idx")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sessions_revoked_at_idx")
                    .table(Sessions::Table)
                    .col(Sessions::RevokedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["sessions_revoked_at_idx", "sessions_expires_at_idx"] {
            manager
                .drop_index(Index::drop().name(name).table(Sessions::Table).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(LoginKnownAddresses::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(MailOutbox::Table)
                    .drop_column(MailOutbox::RequestedFrom)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::EmailFromChange)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::CredentialsVersion)
                    .to_owned(),
            )
            .await
    }
}
