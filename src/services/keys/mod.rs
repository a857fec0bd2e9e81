//! The keys tokens are signed with and secrets are sealed with, shared by every replica through
//! the database: the HS256 secret and the encryption key, each configured or generated on first
//! start and stored (`settings` table).
//!
//! - `encryption`: the encryption key, which seals what Roster must read back.
//! - `signing`: the key pairs of `--jwt-algorithm ES256` or `EdDSA` (`signing_keys` table).
//! - `reseal`: `roster rotate-encryption-key`, every sealed value under a new key.

pub mod encryption;
pub mod reseal;
pub mod signing;

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::config::Secret;
use crate::db::{self, entities::settings};
use crate::error::{AppError, AppResult};

use self::encryption::{EncryptionKey, EncryptionKeys};

const JWT_SECRET_KEY: &str = "jwt_secret";
const ENCRYPTION_KEY_KEY: &str = "encryption_key";
/// The id of the key every value is to be sealed under, set by `rotate-encryption-key`: a
/// process holding another key refuses to seal, rather than seal what the next start cannot
/// open.
const SEALING_KEY_ID_KEY: &str = "encryption_key_id";
/// The stored key `rotate-encryption-key` replaced (development), still opening what a server
/// that held it sealed meanwhile.
const PREVIOUS_ENCRYPTION_KEY_KEY: &str = "encryption_key_previous";
/// The key the fake passkey credential ids of unknown logins derive from, sealed.
const PASSKEY_FAKE_KEY_KEY: &str = "passkey_fake_credential_key";

/// What the passkey fake-credential key is sealed for.
pub fn passkey_fake_key_context() -> &'static str {
    "settings.passkey_fake_credential_key"
}

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

/// The encryption keys: the configured key (already checked by `Settings::validate`), with
/// the configured new key sealing during a rotation (`--new-encryption-key`); or, unconfigured
/// (development only: production refuses to start when something needs the key), the one in
/// the database, generated and stored first if there is none, with the key it replaced.
pub async fn encryption_keys(
    db: &impl ConnectionTrait,
    configured: Option<&Secret>,
    configured_new: Option<&Secret>,
) -> AppResult<(EncryptionKeys, SecretSource)> {
    let parse =
        |secret: &Secret| EncryptionKey::from_base64(secret.expose()).map_err(AppError::internal);
    if let Some(key) = configured {
        let key = parse(key)?;
        let keys = match configured_new {
            Some(new) => EncryptionKeys::new(parse(new)?, vec![key]),
            None => EncryptionKeys::new(key, Vec::new()),
        };
        return Ok((keys, SecretSource::Configured));
    }
    let (value, source) =
        stored_or_generated(db, ENCRYPTION_KEY_KEY, || Ok(EncryptionKey::generate()?.1)).await?;
    let key = EncryptionKey::from_base64(&value).map_err(AppError::internal)?;
    Ok((EncryptionKeys::new(key, replaced_key(db).await?), source))
}

/// The keys stored in the database (development), never generating one: `None` when there is
/// none.
pub async fn stored_encryption_keys(
    db: &impl ConnectionTrait,
) -> AppResult<Option<EncryptionKeys>> {
    let Some(stored) = settings::Entity::find_by_id(ENCRYPTION_KEY_KEY)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let key = EncryptionKey::from_base64(&stored.value).map_err(AppError::internal)?;
    Ok(Some(EncryptionKeys::new(key, replaced_key(db).await?)))
}

/// The stored key `rotate-encryption-key` replaced, if any.
async fn replaced_key(db: &impl ConnectionTrait) -> AppResult<Vec<EncryptionKey>> {
    settings::Entity::find_by_id(PREVIOUS_ENCRYPTION_KEY_KEY)
        .one(db)
        .await?
        .map(|stored| EncryptionKey::from_base64(&stored.value).map_err(AppError::internal))
        .into_iter()
        .collect()
}

/// The secret the fake passkey credential ids of logins without passkeys derive from: generated
/// on first start and stored sealed, so that every replica and every restart answers a login
/// with the same ids (ids that changed would tell a fake from a real account).
pub async fn passkey_fake_key(
    db: &impl ConnectionTrait,
    keys: &EncryptionKeys,
) -> AppResult<Vec<u8>> {
    let context = passkey_fake_key_context();
    let (sealed, _) = stored_or_generated(db, PASSKEY_FAKE_KEY_KEY, || {
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| AppError::internal(e.to_string()))?;
        keys.seal(&random, context)
    })
    .await?;
    keys.open(&sealed, context)
}

/// Refuses to seal with `keys` when `rotate-encryption-key` moved the database's values to
/// another key: what this process sealed, the next start could not open.
pub async fn check_sealing_key(db: &impl ConnectionTrait, keys: &EncryptionKeys) -> AppResult<()> {
    let Some(target) = settings::Entity::find_by_id(SEALING_KEY_ID_KEY)
        .one(db)
        .await?
    else {
        return Ok(());
    };
    if target.value == keys.sealing().id() {
        return Ok(());
    }
    Err(AppError::Conflict {
        message: format!(
            "the stored secrets are encrypted under encryption key {}, and this process holds {}: \
             run it with that key (ROSTER_ENCRYPTION_KEY, or ROSTER_NEW_ENCRYPTION_KEY during a \
             rotation)",
            target.value,
            keys.sealing().id()
        ),
        field: None,
    })
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
