//! `identity_providers`: the OpenID Connect issuers, Google and GitHub an ADMIN configured.

use sea_orm::entity::prelude::*;

/// What protocol a provider speaks (API.md's `IdentityProviderKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Kind {
    /// Any OpenID Connect issuer, by discovery.
    #[sea_orm(string_value = "OIDC")]
    Oidc,
    /// OpenID Connect with Google's issuer by default, and `hd` checked.
    #[sea_orm(string_value = "GOOGLE")]
    Google,
    /// OAuth 2 and GitHub's REST API.
    #[sea_orm(string_value = "GITHUB")]
    Github,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "identity_providers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub slug: String,
    pub display_name: String,
    pub kind: Kind,
    /// As configured; `None`: the kind's default.
    pub issuer: Option<String>,
    pub client_id: String,
    /// Sealed with the encryption key (`identity_providers.client_secret:{id}`); never returned.
    pub client_secret: Option<String>,
    /// Space-separated.
    pub scopes: String,
    /// Comma-separated, lower-case; empty: any.
    pub allowed_email_domains: String,
    pub allow_sign_up: bool,
    pub auto_link_verified_email: bool,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
