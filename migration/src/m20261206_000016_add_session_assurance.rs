//! What a session's sign-in proved, kept on the session so that raising it (a second factor, a
//! reauthentication) applies on the very next request without a new token:
//! `assurance_level` (`AAL1`, `AAL2`), `authentication_methods` (comma-separated: `PASSWORD`,
//! `TOTP`, `RECOVERY_CODE`, `PASSKEY`, `OIDC`, `PASSWORD_RESET`) and `authenticated_at` (the
//! sign-in, or the last reauthentication). Existing sessions were opened with a password, but
//! for those a reset link opened, which its audit event names.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Action,
    SessionId,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    AssuranceLevel,
    AuthenticationMethods,
    AuthenticatedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        let columns = [
            string_len(Sessions::AssuranceLevel, 8)
                .default("AAL1")
                .to_owned(),
            string_len(Sessions::AuthenticationMethods, 128)
                .default("PASSWORD")
                .to_owned(),
            timestamp_with_time_zone_null(Sessions::AuthenticatedAt).to_owned(),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Sessions::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .exec_stmt(
                Query::update()
                    .table(Sessions::Table)
                    .value(Sessions::AuthenticatedAt, Expr::col(Sessions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // A session a reset link opened proved the mailbox, not the password: the reset's
        // audit event names it.
        manager
            .exec_stmt(
                Query::update()
                    .table(Sessions::Table)
                    .value(Sessions::AuthenticationMethods, "PASSWORD_RESET")
                    .and_where(
                        Expr::col(Sessions::Id).in_subquery(
                            Query::select()
                                .column(AuditEvents::SessionId)
                                .from(AuditEvents::Table)
                                .and_where(Expr::col(AuditEvents::Action).eq("PASSWORD_RESET"))
                                .and_where(Expr::col(AuditEvents::SessionId).is_not_null())
                                .to_owned(),
                        ),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Sessions::AssuranceLevel,
            Sessions::AuthenticationMethods,
            Sessions::AuthenticatedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Sessions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
