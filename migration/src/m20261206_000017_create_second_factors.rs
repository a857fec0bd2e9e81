//! Second factors (API.md, "Two-factor authentication and step-up").
//!
//! - `users.mfa_enabled`: whether the account holds a second factor, kept in the transactions
//!   that add and remove factors, so that sign-in, `--require-mfa` and the `mfaEnabled` filter
//!   read it from the row they already have.
//! - `totp_enrollments`: a secret shown to the user and not yet confirmed (10 minutes).
//! - `totp_factors`: confirmed authenticators. The secret is sealed with the encryption key;
//!   `last_used_step` is the newest 30-second step a code was accepted for, which a conditional
//!   update raises, so each code is accepted once.
//! - `recovery_code_sets` and `recovery_codes`: per account, a random MAC key sealed with the
//!   encryption key (so that rotating the encryption key re-seals it like any secret) and the
//!   HMAC-SHA256 of each code under it; `used_at` is set by a conditional update.
//! - `sign_in_challenges`: the step between a checked first factor and a session: stored as the
//!   SHA-256 of the opaque token, single use, 5 attempts, void once the account's
//!   `credentials_version` moves on.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    MfaEnabled,
}

#[derive(DeriveIden)]
enum TotpEnrollments {
    Table,
    Id,
    UserId,
    Secret,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum TotpFactors {
    Table,
    Id,
    UserId,
    Label,
    Secret,
    LastUsedStep,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum RecoveryCodeSets {
    Table,
    UserId,
    MacKey,
    GeneratedAt,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    Digest,
    UsedAt,
}

#[derive(DeriveIden)]
enum SignInChallenges {
    Table,
    Id,
    UserId,
    TokenHash,
    FirstFactor,
    CredentialsVersion,
    Attempts,
    CreatedAt,
    ExpiresAt,
    UsedAt,
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
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Users::MfaEnabled).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TotpEnrollments::Table)
                    .col(uuid(TotpEnrollments::Id).primary_key())
                    .col(uuid(TotpEnrollments::UserId))
                    .col(text(TotpEnrollments::Secret))
                    .col(timestamp_with_time_zone(TotpEnrollments::CreatedAt))
                    .col(timestamp_with_time_zone(TotpEnrollments::ExpiresAt))
                    .foreign_key(&mut owned_by_user(
                        TotpEnrollments::Table,
                        TotpEnrollments::UserId,
                        "totp_enrollments_user_id_fkey",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("totp_enrollments_user_id_idx")
                    .table(TotpEnrollments::Table)
                    .col(TotpEnrollments::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TotpFactors::Table)
                    .col(uuid(TotpFactors::Id).primary_key())
                    .col(uuid(TotpFactors::UserId))
                    .col(string_len(TotpFactors::Label, 100))
                    .col(text(TotpFactors::Secret))
                    .col(big_integer_null(TotpFactors::LastUsedStep))
                    .col(timestamp_with_time_zone(TotpFactors::CreatedAt))
                    .col(timestamp_with_time_zone_null(TotpFactors::LastUsedAt))
                    .foreign_key(&mut owned_by_user(
                        TotpFactors::Table,
                        TotpFactors::UserId,
                        "totp_factors_user_id_fkey",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("totp_factors_user_id_idx")
                    .table(TotpFactors::Table)
                    .col(TotpFactors::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodeSets::Table)
                    .col(uuid(RecoveryCodeSets::UserId).primary_key())
                    .col(text(RecoveryCodeSets::MacKey))
                    .col(timestamp_with_time_zone(RecoveryCodeSets::GeneratedAt))
                    .foreign_key(&mut owned_by_user(
                        RecoveryCodeSets::Table,
                        RecoveryCodeSets::UserId,
                        "recovery_code_sets_user_id_fkey",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodes::Table)
                    .col(uuid(RecoveryCodes::Id).primary_key())
                    .col(uuid(RecoveryCodes::UserId))
                    .col(string_len(RecoveryCodes::Digest, 64))
                    .col(timestamp_with_time_zone_null(RecoveryCodes::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("recovery_codes_user_id_fkey")
                            .from(RecoveryCodes::Table, RecoveryCodes::UserId)
                            .to(RecoveryCodeSets::Table, RecoveryCodeSets::UserId)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("recovery_codes_user_id_digest_key")
                    .table(RecoveryCodes::Table)
                    .col(RecoveryCodes::UserId)
                    .col(RecoveryCodes::Digest)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInChallenges::Table)
                    .col(uuid(SignInChallenges::Id).primary_key())
                    .col(uuid(SignInChallenges::UserId))
                    .col(string_len(SignInChallenges::TokenHash, 64).unique_key())
                    .col(string_len(SignInChallenges::FirstFactor, 32))
                    .col(big_integer(SignInChallenges::CredentialsVersion))
                    .col(integer(SignInChallenges::Attempts).default(0))
                    .col(timestamp_with_time_zone(SignInChallenges::CreatedAt))
                    .col(timestamp_with_time_zone(SignInChallenges::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SignInChallenges::UsedAt))
                    .foreign_key(&mut owned_by_user(
                        SignInChallenges::Table,
                        SignInChallenges::UserId,
                        "sign_in_challenges_user_id_fkey",
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, table, column) in [
            (
                "sign_in_challenges_user_id_idx",
                SignInChallenges::Table,
                SignInChallenges::UserId,
            ),
            (
                "sign_in_challenges_expires_at_idx",
                SignInChallenges::Table,
                SignInChallenges::ExpiresAt,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SignInChallenges::Table.into_iden(),
            RecoveryCodes::Table.into_iden(),
            RecoveryCodeSets::Table.into_iden(),
            TotpFactors::Table.into_iden(),
            TotpEnrollments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::MfaEnabled)
                    .to_owned(),
            )
            .await
    }
}
