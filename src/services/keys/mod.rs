//! The keys tokens are signed with, shared by every replica through the database: today the
//! HS256 secret, configured or generated on first start and stored (`settings` table). Signing
//! key pairs, their rotation and the encryption key come here too.

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::config::Secret;
use crate::db::{self, entities::settings};
use crate::error::{AppError, AppResult};

const JWT_SECRET_KEY: &str = "jwt_secret";

/// Where the JWT secret came from, for the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    Configured,
    Generated,
    Stored,
}

/// The configured secret, or the one in the database, generated and stored first if there is
/// none. Concurrent first starts agree: the insert does nothing on conflict and everyone reads
/// back the winner's value.
pub async fn jwt_secret(
    db: &impl ConnectionTrait,
    configured: Option<&Secret>,
) -> AppResult<(Secret, SecretSource)> {
    if let Some(secret) = configured {
        return Ok((secret.clone(), SecretSource::Configured));
    }
    if let Some(stored) = settings::Entity::find_by_id(JWT_SECRET_KEY).one(db).await? {
        return Ok((Secret::new(stored.value), SecretSource::Stored));
    }
    let mut random = [0u8; 48];
    getrandom::fill(&mut random).map_err(|e| AppError::internal(e.to_string()))?;
    let generated = crate::auth::tokens::encode_base64(&random);
    settings::Entity::insert(settings::ActiveModel {
        key: Set(JWT_SECRET_KEY.to_owned()),
        value: Set(generated.clone()),
        created_at: Set(db::now()),
    })
    .on_conflict_do_nothing_on([settings::Column::Key])
    .exec(db)
    .await?;
    let stored = settings::Entity::find_by_id(JWT_SECRET_KEY)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("the generated JWT secret was not stored"))?;
    let source = if stored.value == generated {
        SecretSource::Generated
    } else {
        SecretSource::Stored
    };
    Ok((Secret::new(stored.value), source))
}
