//! `signing_keys`: the key pairs access tokens are signed with under `--jwt-algorithm ES256` or
//! `EdDSA`. `kid` is the public key's RFC 7638 thumbprint; the private key (PKCS#8 DER) is kept
//! only sealed with the encryption key. One `CURRENT` key per algorithm, held by a partial
//! unique index, so replicas starting at once agree on the one that signs.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Id,
    Kid,
    Algorithm,
    State,
    PublicJwk,
    PrivateKey,
    CreatedAt,
    ActivatedAt,
    RetiredAt,
}

const ONE_CURRENT: &str = "signing_keys_one_current_per_algorithm_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SigningKeys::Table)
                    .col(uuid(SigningKeys::Id).primary_key())
                    .col(string_len(SigningKeys::Kid, 64).unique_key())
                    .col(string_len(SigningKeys::Algorithm, 16))
                    // NEXT, CURRENT, PREVIOUS, RETIRED or REVOKED.
                    .col(string_len(SigningKeys::State, 16))
                    .col(text(SigningKeys::PublicJwk))
                    .col(text(SigningKeys::PrivateKey))
                    .col(timestamp_with_time_zone(SigningKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(SigningKeys::ActivatedAt))
                    .col(timestamp_with_time_zone_null(SigningKeys::RetiredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ONE_CURRENT)
                    .table(SigningKeys::Table)
                    .col(SigningKeys::Algorithm)
                    .unique()
                    .and_where(Expr::col(SigningKeys::State).eq("CURRENT"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SigningKeys::Table).to_owned())
            .await
    }
}
