//! Passkeys (API.md, "Passkeys (WebAuthn)").
//!
//! - `passkey_user_handles`: the random handle an account's passkeys carry as their WebAuthn
//!   user id (never the account's own id), unique, made with the account's first passkey
//!   ceremony and kept after its passkeys are gone, so a credential left on a device still
//!   names the same handle.
//! - `passkeys`: a registered credential: its id (base64url, unique: one credential is one
//!   account's), the public key and signature counter as the WebAuthn library keeps them
//!   (`credential`, JSON; public, never a secret), the counter again as a column for the
//!   conditional update that moves it, and the backup flags the console shows.
//! - `passkey_ceremonies`: the server's half of a ceremony between its options and the
//!   browser's answer (5 minutes, spent by a delete on first use). `purpose` says which
//!   mutation may finish it; `user_id`, `session_id` and `challenge_id` bind it to the account,
//!   the session (registration, reauthentication) or the sign-in challenge (second factor) it
//!   was started for.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PasskeyUserHandles {
    Table,
    UserId,
    Handle,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Passkeys {
    Table,
    Id,
    UserId,
    CredentialId,
    Label,
    Credential,
    SignCount,
    BackupEligible,
    BackedUp,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum PasskeyCeremonies {
    Table,
    Id,
    Purpose,
    UserId,
    SessionId,
    ChallengeId,
    State,
    CreatedAt,
    ExpiresAt,
}

fn owned_by_user(
    table: impl IntoIden,
    column: impl IntoIden,
    name: &str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from_tbl(table)
        .from_col(column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PasskeyUserHandles::Table)
                    .col(uuid(PasskeyUserHandles::UserId).primary_key())
                    .col(uuid_uniq(PasskeyUserHandles::Handle))
                    .col(timestamp_with_time_zone(PasskeyUserHandles::CreatedAt))
                    .foreign_key(&mut owned_by_user(
                        PasskeyUserHandles::Table,
                        PasskeyUserHandles::UserId,
                        "passkey_user_handles_user_id_fkey",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Passkeys::Table)
                    .col(uuid(Passkeys::Id).primary_key())
                    .col(uuid(Passkeys::UserId))
                    .col(string_len_uniq(Passkeys::CredentialId, 1400))
                    .col(string_len(Passkeys::Label, 100))
                    .col(text(Passkeys::Credential))
                    .col(big_integer(Passkeys::SignCount))
                    .col(boolean(Passkeys::BackupEligible))
                    .col(boolean(Passkeys::BackedUp))
                    .col(timestamp_with_time_zone(Passkeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(Passkeys::LastUsedAt))
                    .foreign_key(&mut owned_by_user(
                        Passkeys::Table,
                        Passkeys::UserId,
                        "passkeys_user_id_fkey",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("passkeys_user_id_idx")
                    .table(Passkeys::Table)
                    .col(Passkeys::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PasskeyCeremonies::Table)
                    .col(uuid(PasskeyCeremonies::Id).primary_key())
                    .col(string_len(PasskeyCeremonies::Purpose, 20))
                    .col(uuid_null(PasskeyCeremonies::UserId))
                    .col(uuid_null(PasskeyCeremonies::SessionId))
                    .col(uuid_null(PasskeyCeremonies::ChallengeId))
                    .col(text(PasskeyCeremonies::State))
                    .col(timestamp_with_time_zone(PasskeyCeremonies::CreatedAt))
                    .col(timestamp_with_time_zone(PasskeyCeremonies::ExpiresAt))
                    .foreign_key(&mut owned_by_user(
                        PasskeyCeremonies::Table,
                        PasskeyCeremonies::UserId,
                        "passkey_ceremonies_user_id_fkey",
                    ))
                    .to_owned(),
            )
            .await?;
        // An account's open ceremonies of a purpose (the oldest dropped beyond a few), and the
        // cascade from a deleted account.
        manager
            .create_index(
                Index::create()
                    .name("passkey_ceremonies_user_id_purpose_idx")
                    .table(PasskeyCeremonies::Table)
                    .col(PasskeyCeremonies::UserId)
                    .col(PasskeyCeremonies::Purpose)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("passkey_ceremonies_expires_at_idx")
                    .table(PasskeyCeremonies::Table)
                    .col(PasskeyCeremonies::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PasskeyCeremonies::Table.into_iden(),
            Passkeys::Table.into_iden(),
            PasskeyUserHandles::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
