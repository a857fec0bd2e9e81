//! The `signing_keys` table: key pairs for `--jwt-algorithm ES256` or `EdDSA`, their private
//! key sealed with the encryption key. This slice keeps one `CURRENT` key per algorithm, made on
//! the first start that needs it; the rest of the lifecycle (`NEXT`, `PREVIOUS`, `RETIRED`,
//! `REVOKED`, rotation and its commands) comes later and reads the same rows.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::key_pairs::{KeyPair, PublicJwk};
use crate::auth::tokens::SigningKey;
use crate::config::JwtAlgorithm;
use crate::db::{self, entities::signing_keys};
use crate::error::{AppError, AppResult};

use super::encryption::EncryptionKey;

/// The state of the key that signs.
pub const CURRENT: &str = "CURRENT";
/// The states whose keys are published and whose tokens are accepted.
const PUBLISHED: [&str; 3] = ["NEXT", CURRENT, "PREVIOUS"];

/// What signs and what verifies: the current key of one algorithm, and every published key.
pub struct SigningKeys {
    pub signing: SigningKey,
    pub published: Vec<PublicJwk>,
    /// Whether this start made the signing key (for the log).
    pub generated: bool,
}

/// The `CURRENT` key of `algorithm`, made first when there is none, and every published key.
/// Concurrent first starts agree: a partial unique index allows one `CURRENT` key per
/// algorithm, the losers' inserts do nothing, and everyone reads back the winner's key.
pub async fn load(
    db: &impl ConnectionTrait,
    algorithm: JwtAlgorithm,
    encryption: &EncryptionKey,
) -> AppResult<SigningKeys> {
    let mut generated = None;
    let current = match current(db, algorithm).await? {
        Some(row) => row,
        None => {
            generated = Some(insert_current(db, algorithm, encryption).await?);
            current(db, algorithm)
                .await?
                .ok_or_else(|| AppError::internal("the generated signing key was not stored"))?
        }
    };
    let public = parse(&current)?;
    let private = encryption.open(&current.private_key, &sealing_context(&current.kid))?;
    let signing = SigningKey::new(&public, &private)?;
    let published = signing_keys::Entity::find()
        .filter(signing_keys::Column::State.is_in(PUBLISHED))
        .all(db)
        .await?
        .iter()
        .map(parse)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(SigningKeys {
        signing,
        published,
        generated: generated.as_deref() == Some(current.kid.as_str()),
    })
}

/// The `CURRENT` key of `algorithm`, if any.
async fn current(
    db: &impl ConnectionTrait,
    algorithm: JwtAlgorithm,
) -> AppResult<Option<signing_keys::Model>> {
    Ok(signing_keys::Entity::find()
        .filter(signing_keys::Column::Algorithm.eq(algorithm.name()))
        .filter(signing_keys::Column::State.eq(CURRENT))
        .one(db)
        .await?)
}

/// Makes a key pair and stores it as `CURRENT` unless another start did first (the insert
/// then does nothing); returns its `kid`.
async fn insert_current(
    db: &impl ConnectionTrait,
    algorithm: JwtAlgorithm,
    encryption: &EncryptionKey,
) -> AppResult<String> {
    let pair = KeyPair::generate(algorithm)?;
    let kid = pair.public.kid.clone();
    let sealed = encryption.seal(&pair.private_pkcs8, &sealing_context(&kid))?;
    let now = db::now();
    let row = signing_keys::ActiveModel {
        id: Set(Uuid::now_v7()),
        kid: Set(kid.clone()),
        algorithm: Set(algorithm.name().to_owned()),
        state: Set(CURRENT.to_owned()),
        public_jwk: Set(serde_json::to_string(&pair.public).map_err(AppError::internal)?),
        private_key: Set(sealed),
        created_at: Set(now),
        activated_at: Set(Some(now)),
        retired_at: Set(None),
    };
    // No target: the conflict to ignore is the one-`CURRENT`-per-algorithm index.
    signing_keys::Entity::insert(row)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .try_insert()
        .exec(db)
        .await?;
    Ok(kid)
}

/// What a private key is sealed for: its own row, so a sealed key copied to another row does
/// not open there.
fn sealing_context(kid: &str) -> String {
    format!("signing_keys.private_key:{kid}")
}

/// A row's public JWK, checked against its `kid`.
fn parse(row: &signing_keys::Model) -> AppResult<PublicJwk> {
    let jwk: PublicJwk = serde_json::from_str(&row.public_jwk).map_err(AppError::internal)?;
    if jwk.kid != row.kid || jwk.thumbprint() != row.kid || jwk.alg != row.algorithm {
        return Err(AppError::internal(format!(
            "signing key {}: its JWK does not match its kid and algorithm",
            row.kid
        )));
    }
    Ok(jwk)
}
