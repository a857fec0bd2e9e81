//! `roster rotate-encryption-key`: every sealed value re-sealed under a new encryption key, in
//! one transaction, each row by a conditional update on the value it read (a value changed
//! meanwhile is left for the next run, never overwritten). Values already under the new key
//! are left alone, so a run can be repeated. Running servers keep reading throughout: a value
//! opens with whichever key its id names, and servers hold both keys during a rotation.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use crate::db::{
    self,
    entities::{
        identity_providers, oauth_flows, recovery_code_sets, settings, signing_keys,
        totp_enrollments, totp_factors,
    },
};
use crate::error::{AppError, AppResult};
use crate::services::identity::{flows, providers};
use crate::services::mfa::{recovery_codes, totp};

use super::encryption::{EncryptionKey, EncryptionKeys};
use super::{ENCRYPTION_KEY_KEY, PREVIOUS_ENCRYPTION_KEY_KEY, SEALING_KEY_ID_KEY, signing};

/// What a rotation did.
#[derive(Debug)]
pub struct Resealed {
    /// Values re-sealed.
    pub values: usize,
    /// Values changed by someone else meanwhile, left as they were (run again).
    pub skipped: usize,
    /// The id of the key that seals now.
    pub key_id: String,
}

/// Configured keys: every value re-sealed under `keys`' sealing key (the new one).
pub async fn reseal_configured(
    db: &DatabaseConnection,
    keys: &EncryptionKeys,
) -> AppResult<Resealed> {
    let txn = db::begin_write(db).await?;
    let resealed = reseal_all(&txn, keys).await?;
    store(&txn, SEALING_KEY_ID_KEY, keys.sealing().id().to_owned()).await?;
    txn.commit().await?;
    Ok(resealed)
}

/// Development, the key kept in the database: a new key generated, every value re-sealed
/// under it, the new key stored and the replaced one kept beside it (a running server may
/// still seal with it until it restarts): one transaction.
pub async fn rotate_stored(db: &DatabaseConnection) -> AppResult<Resealed> {
    let Some(old) = super::stored_encryption_keys(db).await? else {
        return Err(AppError::Conflict {
            message: "no encryption key is configured or stored: nothing is encrypted yet, so \
                      there is nothing to rotate"
                .to_owned(),
            field: None,
        });
    };
    let (new, text) = EncryptionKey::generate()?;
    let keys = EncryptionKeys::new(new, vec![old.sealing().clone()]);
    let txn = db::begin_write(db).await?;
    let resealed = reseal_all(&txn, &keys).await?;
    let old_text = settings::Entity::find_by_id(ENCRYPTION_KEY_KEY)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal("the stored encryption key is gone"))?
        .value;
    store(&txn, ENCRYPTION_KEY_KEY, text).await?;
    store(&txn, PREVIOUS_ENCRYPTION_KEY_KEY, old_text).await?;
    store(&txn, SEALING_KEY_ID_KEY, keys.sealing().id().to_owned()).await?;
    txn.commit().await?;
    Ok(resealed)
}

/// Re-seals the sealed values not yet under `keys`' sealing key: the private signing keys, the
/// TOTP secrets (of factors and of enrolments), the recovery-code sets' keys, identity
/// providers' client secrets and the PKCE verifiers of provider sign-ins in flight.
async fn reseal_all(db: &impl ConnectionTrait, keys: &EncryptionKeys) -> AppResult<Resealed> {
    let mut resealed = Resealed {
        values: 0,
        skipped: 0,
        key_id: keys.sealing().id().to_owned(),
    };
    let rows = signing_keys::Entity::find()
        .filter(signing_keys::Column::FromFile.eq(false))
        .filter(signing_keys::Column::PrivateKey.ne(""))
        .all(db)
        .await?;
    for row in rows {
        let Some(sealed) = moved(keys, &row.private_key, &signing::sealing_context(&row.kid))?
        else {
            continue;
        };
        let updated = signing_keys::Entity::update_many()
            .col_expr(signing_keys::Column::PrivateKey, Expr::value(sealed))
            .filter(signing_keys::Column::Id.eq(row.id))
            .filter(signing_keys::Column::PrivateKey.eq(row.private_key))
            .exec(db)
            .await?;
        resealed.count(updated.rows_affected);
    }
    for row in totp_factors::Entity::find().all(db).await? {
        let Some(sealed) = moved(keys, &row.secret, &totp::sealing_context(row.id))? else {
            continue;
        };
        let updated = totp_factors::Entity::update_many()
            .col_expr(totp_factors::Column::Secret, Expr::value(sealed))
            .filter(totp_factors::Column::Id.eq(row.id))
            .filter(totp_factors::Column::Secret.eq(row.secret))
            .exec(db)
            .await?;
        resealed.count(updated.rows_affected);
    }
    for row in totp_enrollments::Entity::find().all(db).await? {
        let Some(sealed) = moved(keys, &row.secret, &totp::sealing_context(row.id))? else {
            continue;
        };
        let updated = totp_enrollments::Entity::update_many()
            .col_expr(totp_enrollments::Column::Secret, Expr::value(sealed))
            .filter(totp_enrollments::Column::Id.eq(row.id))
            .filter(totp_enrollments::Column::Secret.eq(row.secret))
            .exec(db)
            .await?;
        resealed.count(updated.rows_affected);
    }
    for row in recovery_code_sets::Entity::find().all(db).await? {
        let context = recovery_codes::sealing_context(row.user_id);
        let Some(sealed) = moved(keys, &row.mac_key, &context)? else {
            continue;
        };
        let updated = recovery_code_sets::Entity::update_many()
            .col_expr(recovery_code_sets::Column::MacKey, Expr::value(sealed))
            .filter(recovery_code_sets::Column::UserId.eq(row.user_id))
            .filter(recovery_code_sets::Column::MacKey.eq(row.mac_key))
            .exec(db)
            .await?;
        resealed.count(updated.rows_affected);
    }
    for row in identity_providers::Entity::find().all(db).await? {
        let Some(secret) = row.client_secret else {
            continue;
        };
        let context = providers::sealing_context(row.id);
        let Some(sealed) = moved(keys, &secret, &context)? else {
            continue;
        };
        let updated = identity_providers::Entity::update_many()
            .col_expr(
                identity_providers::Column::ClientSecret,
                Expr::value(sealed),
            )
            .filter(identity_providers::Column::Id.eq(row.id))
            .filter(identity_providers::Column::ClientSecret.eq(secret))
            .exec(db)
            .await?;
        resealed.count(updated.rows_affected);
    }
    if let Some(row) = settings::Entity::find_by_id(super::PASSKEY_FAKE_KEY_KEY)
        .one(db)
        .await?
    {
        let context = super::passkey_fake_key_context();
        if let Some(sealed) = moved(keys, &row.value, context)? {
            let updated = settings::Entity::update_many()
                .col_expr(settings::Column::Value, Expr::value(sealed))
                .filter(settings::Column::Key.eq(row.key))
                .filter(settings::Column::Value.eq(row.value))
                .exec(db)
                .await?;
            resealed.count(updated.rows_affected);
        }
    }
    for row in oauth_flows::Entity::find()
        .filter(oauth_flows::Column::StateUsedAt.is_null())
        .all(db)
        .await?
    {
        let context = flows::verifier_context(row.id);
        let Some(sealed) = moved(keys, &row.provider_verifier, &context)? else {
            continue;
        };
        let updated = oauth_flows::Entity::update_many()
            .col_expr(oauth_flows::Column::ProviderVerifier, Expr::value(sealed))
            .filter(oauth_flows::Column::Id.eq(row.id))
            .filter(oauth_flows::Column::ProviderVerifier.eq(row.provider_verifier))
            .exec(db)
            .await?;
        resealed.count(updated.rows_affected);
    }
    Ok(resealed)
}

/// `sealed` re-sealed under the sealing key; `None` when it is under it already.
fn moved(keys: &EncryptionKeys, sealed: &str, context: &str) -> AppResult<Option<String>> {
    if keys.is_current(sealed) {
        return Ok(None);
    }
    let plain = keys.open(sealed, context)?;
    Ok(Some(keys.seal(&plain, context)?))
}

impl Resealed {
    /// Counts a conditional update: done, or left because the value changed meanwhile.
    fn count(&mut self, rows_affected: u64) {
        if rows_affected == 1 {
            self.values += 1;
        } else {
            self.skipped += 1;
        }
    }
}

async fn store(db: &impl ConnectionTrait, key: &str, value: String) -> AppResult<()> {
    settings::Entity::insert(settings::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value),
        created_at: Set(db::now()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(settings::Column::Key)
            .update_column(settings::Column::Value)
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}
