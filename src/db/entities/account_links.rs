//! `account_links`: a provider identity waiting to be linked to an existing account by a
//! sign-in to that account (`signIn({..., linkToken})`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SHA-256 of the link token.
    pub token_hash: String,
    pub provider_id: Uuid,
    pub subject: String,
    pub email: String,
    /// The account that holds `email` and must be signed in to.
    pub user_id: Uuid,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
