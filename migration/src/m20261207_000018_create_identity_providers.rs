//! Sign-in with identity providers (API.md, "Sign-in with identity providers").
//!
//! - `users.password_hash` becomes nullable: an account made by a provider sign-in has no
//!   password until it sets one. SQLite cannot drop a NOT NULL constraint in place, so there the
//!   column is copied into a nullable one, dropped and the copy renamed (no index or constraint
//!   names the column).
//! - `identity_providers`: what an ADMIN configured; `client_secret` is sealed with the
//!   encryption key, bound to its row.
//! - `user_identities`: an account's identity at a provider, unique by provider and subject
//!   (never by email).
//! - `oauth_flows`: one provider round trip. The `state` is kept as its SHA-256 and spent by a
//!   conditional update; Roster's own PKCE verifier is sealed. Once the provider answered, the
//!   row holds what it asserted (the subject, and the email if verified) and the SHA-256 of the
//!   one-time code the frontend redeems (60 s, with the verifier of its `code_challenge`).
//! - `account_links`: an identity waiting to be linked to an existing account by a sign-in to
//!   it (the SHA-256 of the link token; 30 minutes, single use). A challenge of a sign-in that
//!   links carries it (`sign_in_challenges.account_link_id`) until the second factor is given;
//!   the challenge of a provider sign-in names its provider (`sign_in_challenges.provider_id`),
//!   for the event of the sign-in it completes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    PasswordHash,
    PasswordHashNullable,
}

#[derive(DeriveIden)]
enum IdentityProviders {
    Table,
    Id,
    Slug,
    DisplayName,
    Kind,
    Issuer,
    ClientId,
    ClientSecret,
    Scopes,
    AllowedEmailDomains,
    AllowSignUp,
    AutoLinkVerifiedEmail,
    Enabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserIdentities {
    Table,
    Id,
    UserId,
    ProviderId,
    Subject,
    Email,
    LinkedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum OauthFlows {
    Table,
    Id,
    StateHash,
    ProviderId,
    Intent,
    UserId,
    SessionId,
    Nonce,
    ProviderVerifier,
    CodeChallenge,
    RedirectUri,
    CreatedAt,
    ExpiresAt,
    StateUsedAt,
    CodeHash,
    CodeExpiresAt,
    CodeUsedAt,
    Subject,
    Email,
}

#[derive(DeriveIden)]
enum AccountLinks {
    Table,
    Id,
    TokenHash,
    ProviderId,
    Subject,
    Email,
    UserId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum SignInChallenges {
    Table,
    AccountLinkId,
    ProviderId,
}

fn cascade(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from_tbl(from.0)
        .from_col(from.1)
        .to_tbl(to.0)
        .to_col(to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too: the column copy must run on one connection, and a
    /// half-done copy must not be left behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .modify_column(string_len_null(Users::PasswordHash, 255))
                        .to_owned(),
                )
                .await?;
        } else {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(string_len_null(Users::PasswordHashNullable, 255))
                        .to_owned(),
                )
                .await?;
            db.execute_unprepared("UPDATE users SET password_hash_nullable = password_hash")
                .await?;
            db.execute_unprepared("ALTER TABLE users DROP COLUMN password_hash")
                .await?;
            db.execute_unprepared(
                "ALTER TABLE users RENAME COLUMN password_hash_nullable TO password_hash",
            )
            .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(IdentityProviders::Table)
                    .col(uuid(IdentityProviders::Id).primary_key())
                    .col(string_len(IdentityProviders::Slug, 40).unique_key())
                    .col(string_len(IdentityProviders::DisplayName, 100))
                    .col(string_len(IdentityProviders::Kind, 16))
                    .col(text_null(IdentityProviders::Issuer))
                    .col(text(IdentityProviders::ClientId))
                    .col(text_null(IdentityProviders::ClientSecret))
                    .col(text(IdentityProviders::Scopes))
                    .col(text(IdentityProviders::AllowedEmailDomains))
                    .col(boolean(IdentityProviders::AllowSignUp))
                    .col(boolean(IdentityProviders::AutoLinkVerifiedEmail))
                    .col(boolean(IdentityProviders::Enabled))
                    .col(timestamp_with_time_zone(IdentityProviders::CreatedAt))
                    .col(timestamp_with_time_zone(IdentityProviders::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserIdentities::Table)
                    .col(uuid(UserIdentities::Id).primary_key())
                    .col(uuid(UserIdentities::UserId))
                    .col(uuid(UserIdentities::ProviderId))
                    .col(string_len(UserIdentities::Subject, 255))
                    .col(text_null(UserIdentities::Email))
                    .col(timestamp_with_time_zone(UserIdentities::LinkedAt))
                    .col(timestamp_with_time_zone_null(UserIdentities::LastUsedAt))
                    .foreign_key(&mut cascade(
                        "user_identities_user_id_fkey",
                        (UserIdentities::Table, UserIdentities::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "user_identities_provider_id_fkey",
                        (UserIdentities::Table, UserIdentities::ProviderId),
                        (IdentityProviders::Table, IdentityProviders::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("user_identities_provider_id_subject_key")
                    .table(UserIdentities::Table)
                    .col(UserIdentities::ProviderId)
                    .col(UserIdentities::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("user_identities_user_id_idx")
                    .table(UserIdentities::Table)
                    .col(UserIdentities::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthFlows::Table)
                    .col(uuid(OauthFlows::Id).primary_key())
                    .col(string_len(OauthFlows::StateHash, 64).unique_key())
                    .col(uuid(OauthFlows::ProviderId))
                    .col(string_len(OauthFlows::Intent, 16))
                    .col(uuid_null(OauthFlows::UserId))
                    .col(uuid_null(OauthFlows::SessionId))
                    .col(text(OauthFlows::Nonce))
                    .col(text(OauthFlows::ProviderVerifier))
                    .col(text(OauthFlows::CodeChallenge))
                    .col(text(OauthFlows::RedirectUri))
                    .col(timestamp_with_time_zone(OauthFlows::CreatedAt))
                    .col(timestamp_with_time_zone(OauthFlows::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthFlows::StateUsedAt))
                    .col(string_len_null(OauthFlows::CodeHash, 64).unique_key())
                    .col(timestamp_with_time_zone_null(OauthFlows::CodeExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthFlows::CodeUsedAt))
                    .col(string_len_null(OauthFlows::Subject, 255))
                    .col(text_null(OauthFlows::Email))
                    .foreign_key(&mut cascade(
                        "oauth_flows_provider_id_fkey",
                        (OauthFlows::Table, OauthFlows::ProviderId),
                        (IdentityProviders::Table, IdentityProviders::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "oauth_flows_user_id_fkey",
                        (OauthFlows::Table, OauthFlows::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("oauth_flows_expires_at_idx")
                    .table(OauthFlows::Table)
                    .col(OauthFlows::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccountLinks::Table)
                    .col(uuid(AccountLinks::Id).primary_key())
                    .col(string_len(AccountLinks::TokenHash, 64).unique_key())
                    .col(uuid(AccountLinks::ProviderId))
                    .col(string_len(AccountLinks::Subject, 255))
                    .col(text(AccountLinks::Email))
                    .col(uuid(AccountLinks::UserId))
                    .col(timestamp_with_time_zone(AccountLinks::CreatedAt))
                    .col(timestamp_with_time_zone(AccountLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(AccountLinks::UsedAt))
                    .foreign_key(&mut cascade(
                        "account_links_provider_id_fkey",
                        (AccountLinks::Table, AccountLinks::ProviderId),
                        (IdentityProviders::Table, IdentityProviders::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "account_links_user_id_fkey",
                        (AccountLinks::Table, AccountLinks::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_links_expires_at_idx")
                    .table(AccountLinks::Table)
                    .col(AccountLinks::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SignInChallenges::Table)
                    .add_column(uuid_null(SignInChallenges::AccountLinkId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SignInChallenges::Table)
                    .add_column(uuid_null(SignInChallenges::ProviderId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SignInChallenges::Table)
                    .drop_column(SignInChallenges::AccountLinkId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SignInChallenges::Table)
                    .drop_column(SignInChallenges::ProviderId)
                    .to_owned(),
            )
            .await?;
        for table in [
            AccountLinks::Table.into_iden(),
            OauthFlows::Table.into_iden(),
            UserIdentities::Table.into_iden(),
            IdentityProviders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        // Accounts without a password cannot go back to a NOT NULL column: the column stays
        // nullable.
        Ok(())
    }
}
