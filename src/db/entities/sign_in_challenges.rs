//! `sign_in_challenges`: a first factor checked, the second one awaited. Stored as the SHA-256
//! of the opaque token the client holds.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_challenges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub token_hash: String,
    /// How the first step was proved (`sessions::Method`'s name: `PASSWORD`, `PASSWORD_RESET`).
    pub first_factor: String,
    /// The account's `credentials_version` when the first factor was checked: a password
    /// change, deactivation or deletion since voids the challenge.
    pub credentials_version: i64,
    pub attempts: i32,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    /// A provider identity this sign-in links once the second factor is given
    /// (`account_links`).
    pub account_link_id: Option<Uuid>,
    /// The identity provider that proved the first factor (`first_factor` `OIDC`).
    pub provider_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
