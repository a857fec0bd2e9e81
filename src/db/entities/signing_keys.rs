//! `signing_keys`: access-token key pairs; the private key only sealed (`services::keys`).

use sea_orm::entity::prelude::*;

/// Where a key is in its life: `Next` (published, not yet signing) -> `Current` (signs) ->
/// `Previous` (published and accepted through its grace) -> `Retired` (unpublished, refused);
/// `Revoked` from any state (refused at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum State {
    #[sea_orm(string_value = "NEXT")]
    Next,
    #[sea_orm(string_value = "CURRENT")]
    Current,
    #[sea_orm(string_value = "PREVIOUS")]
    Previous,
    #[sea_orm(string_value = "RETIRED")]
    Retired,
    #[sea_orm(string_value = "REVOKED")]
    Revoked,
}

impl State {
    /// The states whose keys are in the JWKS.
    pub const PUBLISHED: [State; 3] = [State::Next, State::Current, State::Previous];

    /// The name API.md and `roster keys list` use.
    pub fn name(self) -> &'static str {
        match self {
            State::Next => "NEXT",
            State::Current => "CURRENT",
            State::Previous => "PREVIOUS",
            State::Retired => "RETIRED",
            State::Revoked => "REVOKED",
        }
    }
}

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// RFC 7638 thumbprint of the public key.
    pub kid: String,
    /// `ES256` or `EdDSA`.
    pub algorithm: String,
    pub state: State,
    /// The public JWK, as published.
    pub public_jwk: String,
    /// PKCS#8 DER, sealed with the encryption key; empty when `from_file`.
    pub private_key: String,
    /// When it was made and published (as `NEXT`, or at once as `CURRENT`).
    pub created_at: DateTimeUtc,
    /// When it became `CURRENT`.
    pub activated_at: Option<DateTimeUtc>,
    /// When it left the published keys (`RETIRED` or `REVOKED`).
    pub retired_at: Option<DateTimeUtc>,
    /// When it stopped signing: a `PREVIOUS` key's grace runs from here.
    pub deactivated_at: Option<DateTimeUtc>,
    /// Its private key is in `--jwt-signing-key-file`, not in this row.
    pub from_file: bool,
}

// Even sealed, the private key stays out of logs.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
