//! `signing_keys`: access-token key pairs; the private key only sealed (`services::keys`).

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// RFC 7638 thumbprint of the public key.
    pub kid: String,
    /// `ES256` or `EdDSA`.
    pub algorithm: String,
    /// `NEXT`, `CURRENT`, `PREVIOUS`, `RETIRED` or `REVOKED`.
    pub state: String,
    /// The public JWK, as published.
    pub public_jwk: String,
    /// PKCS#8 DER, sealed with the encryption key.
    pub private_key: String,
    pub created_at: DateTimeUtc,
    pub activated_at: Option<DateTimeUtc>,
    pub retired_at: Option<DateTimeUtc>,
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
