//! `users`: accounts. `email` is stored lower-cased and `username_key` is the lower-cased
//! username; both carry unique indexes.

use sea_orm::entity::prelude::*;

/// What an account may do beyond its permissions: an ADMIN holds every permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    #[sea_orm(string_value = "USER")]
    User,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub username: Option<String>,
    pub username_key: Option<String>,
    /// `None` for an account made by a provider sign-in that has not set a password.
    pub password_hash: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub address: Option<String>,
    pub company: Option<String>,
    pub designation: Option<String>,
    pub role: Role,
    pub is_active: bool,
    /// Whether the owner of `email` proved it (a verification or reset link).
    pub email_verified: bool,
    pub deleted_at: Option<DateTimeUtc>,
    pub last_login_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Email, username and "first last", lower-cased, one per line: what `users` searches.
    pub search_key: String,
    /// Bumped by a password change, deactivation and deletion: a login whose password check
    /// overlapped one of them opens no session.
    pub credentials_version: i64,
    /// `email` was set by an email change and is unproven until verified: it receives no
    /// password-reset link meanwhile.
    pub email_from_change: bool,
    /// Whether the account holds a second factor (a TOTP factor); kept by the transactions
    /// that add and remove them (`services::mfa`).
    pub mfa_enabled: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::sessions::Entity")]
    Sessions,
}

impl Related<super::sessions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
