//! The keys tokens are signed with and secrets are sealed with, shared by every replica through
//! the database: the HS256 secret and the encryption key, each configured or generated on first
//! start and stored (`settings` table).
//!
//! - `encryption`: the encryption key, which seals what Roster must read back.
//! - `signing`: the key pairs of `--jwt-algorithm ES256` or `EdDSA` (`signing_keys` table).

pub mod encryption;
pub mod signing;

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::config::Secret;
use crate::db::{self, entities::settings};
use crate::error::{AppError, AppResult};

use self::encryption::EncryptionKey;

const JWT_SECRET_KEY: &str = "jwt_secret";
const ENCRYPTION_KEY_KEY: &str = "encryption_key";

/// Where a key came from, for the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    Configured,
    Generated,
    Stored,
}

/// The configured secret, or the one in the database, generated and stored first if there is
/// none.
pub async fn jwt_secret(
    db: &impl ConnectionTrait,
    configured: Option<&Secret>,
) -> AppResult<(Secret, SecretSource)> {
    if let Some(secret) = configured {
        return Ok((secret.clone(), SecretSource::Configured));
    }
    let (value, source) = stored_or_generated(db, JWT_SECRET_KEY, || {
        let mut random = [0u8; 48];
        getrandom::fill(&mut random).map_err(|e| AppError::internal(e.to_string()))?;
        Ok(crate::auth::tokens::encode_base64(&random))
    })
    .await?;
    Ok((Secret::new(value), source))
}

/// The configured encryption key (already checked by `Settings::validate`), or the one in the
/// database, generated and stored first if there is none. Only development comes here without
/// one: production refuses to start when something needs the key and none is configured.
pub async fn encryption_key(
    db: &impl ConnectionTrait,
    configured: Option<&Secret>,
) -> AppResult<(EncryptionKey, SecretSource)> {
    if let Some(key) = configured {
        let key = EncryptionKey::from_base64(key.expose()).map_err(AppError::internal)?;
        return Ok((key, SecretSource::Configured));
    }
    let (value, source) =
        stored_or_generated(db, ENCRYPTION_KEY_KEY, || Ok(EncryptionKey::generate()?.1)).await?;
    let key = EncryptionKey::from_base64(&value).map_err(AppError::internal)?;
    Ok((key, source))
}

/// The value of setting `name`, generated and stored first if there is none. Concurrent first
/// starts agree: the insert does nothing on conflict and everyone reads back the winner's value.
async fn stored_or_generated(
    db: &impl ConnectionTrait,
    name: &str,
    generate: impl FnOnce() -> AppResult<String>,
) -> AppResult<(String, SecretSource)> {
    if let Some(stored) = settings::Entity::find_by_id(name).one(db).await? {
        return Ok((stored.value, SecretSource::Stored));
    }
    let generated = generate()?;
    settings::Entity::insert(settings::ActiveModel {
        key: Set(name.to_owned()),
        value: Set(generated.clone()),
        created_at: Set(db::now()),
    })
    .on_conflict_do_nothing_on([settings::Column::Key])
    .exec(db)
    .await?;
    let stored = settings::Entity::find_by_id(name)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(format!("the generated {name} was not stored")))?;
    let source = if stored.value == generated {
        SecretSource::Generated
    } else {
        SecretSource::Stored
    };
    Ok((stored.value, source))
}
