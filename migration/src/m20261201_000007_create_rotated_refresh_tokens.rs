//! `rotated_refresh_tokens`: the SHA-256 of every refresh token a session has rotated away
//! from. Reuse detection revokes a session only when a token presented again is one that was
//! really issued; a made-up token carrying a known session id is merely invalid.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RotatedRefreshTokens {
    Table,
    TokenHash,
    SessionId,
    RotatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RotatedRefreshTokens::Table)
                    .col(string_len(RotatedRefreshTokens::TokenHash, 64).primary_key())
                    .col(uuid(RotatedRefreshTokens::SessionId))
                    .col(timestamp_with_time_zone(RotatedRefreshTokens::RotatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("rotated_refresh_tokens_session_id_fkey")
                            .from(RotatedRefreshTokens::Table, RotatedRefreshTokens::SessionId)
                            .to(Sessions::Table, Sessions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("rotated_refresh_tokens_session_id_idx")
                    .table(RotatedRefreshTokens::Table)
                    .col(RotatedRefreshTokens::SessionId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RotatedRefreshTokens::Table).to_owned())
            .await
    }
}
