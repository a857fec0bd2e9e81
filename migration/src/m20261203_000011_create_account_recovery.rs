//! Account recovery and email verification.
//!
//! `users.email_verified`: false for every existing row (nobody's address was ever proven).
//! `account_tokens`: single-use reset and verification tokens, stored as the SHA-256 of the
//! token, each bound to the address it was mailed to. `mail_outbox`: the mails to send, written
//! in the same transaction as the change that causes them and delivered after commit by a
//! background task; a row is claimed with a lease (`claimed_until`) so that replicas never send
//! it twice, and kept for a day after sending, which the hourly limits count.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    EmailVerified,
}

#[derive(DeriveIden)]
enum AccountTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    Email,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    Kind,
    UserId,
    Recipient,
    CreatedAt,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    SentAt,
    FailedAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Users::EmailVerified).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountTokens::Table)
                    .col(uuid(AccountTokens::Id).primary_key())
                    .col(uuid(AccountTokens::UserId))
                    .col(string_len(AccountTokens::Purpose, 32))
                    .col(string_len(AccountTokens::TokenHash, 64).unique_key())
                    .col(string_len(AccountTokens::Email, 254))
                    .col(timestamp_with_time_zone(AccountTokens::CreatedAt))
                    .col(timestamp_with_time_zone(AccountTokens::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("account_tokens_user_id_fkey")
                            .from(AccountTokens::Table, AccountTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_tokens_user_id_purpose_idx")
                    .table(AccountTokens::Table)
                    .col(AccountTokens::UserId)
                    .col(AccountTokens::Purpose)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_tokens_expires_at_idx")
                    .table(AccountTokens::Table)
                    .col(AccountTokens::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailOutbox::Table)
                    .col(uuid(MailOutbox::Id).primary_key())
                    .col(string_len(MailOutbox::Kind, 32))
                    .col(uuid_null(MailOutbox::UserId))
                    .col(string_len(MailOutbox::Recipient, 254))
                    .col(timestamp_with_time_zone(MailOutbox::CreatedAt))
                    .col(integer(MailOutbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(MailOutbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(MailOutbox::ClaimedUntil))
                    .col(timestamp_with_time_zone_null(MailOutbox::SentAt))
                    .col(timestamp_with_time_zone_null(MailOutbox::FailedAt))
                    .col(string_len_null(MailOutbox::LastError, 500))
                    .foreign_key(
                        ForeignKey::create()
                            .name("mail_outbox_user_id_fkey")
                            .from(MailOutbox::Table, MailOutbox::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // What the delivery task looks for: the pending rows, soonest first.
        manager
            .create_index(
                Index::create()
                    .name("mail_outbox_pending_idx")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::NextAttemptAt)
                    .and_where(Expr::col(MailOutbox::SentAt).is_null())
                    .and_where(Expr::col(MailOutbox::FailedAt).is_null())
                    .to_owned(),
            )
            .await?;
        // Mails of a kind to a user in the last hour, and what pruning deletes.
        manager
            .create_index(
                Index::create()
                    .name("mail_outbox_user_id_kind_created_at_idx")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::UserId)
                    .col(MailOutbox::Kind)
                    .col(MailOutbox::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // Reset mails to an address in the last hour.
        manager
            .create_index(
                Index::create()
                    .name("mail_outbox_recipient_kind_created_at_idx")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::Recipient)
                    .col(MailOutbox::Kind)
                    .col(MailOutbox::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mail_outbox_created_at_idx")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailOutbox::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AccountTokens::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::EmailVerified)
                    .to_owned(),
            )
            .await
    }
}
