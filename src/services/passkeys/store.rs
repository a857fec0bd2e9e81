//! What the database keeps of passkeys: the registered credentials (`passkeys`) and each
//! account's random user handle (`passkey_user_handles`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;
use webauthn_rs::prelude::{AuthenticationResult, Passkey};

use crate::auth::tokens::encode_base64;
use crate::db::entities::{passkey_user_handles, passkeys};
use crate::error::{AppError, AppResult};

/// Passkeys an account may hold.
pub const MAX_PASSKEYS: u64 = 10;
/// A passkey's label when none is given.
pub const DEFAULT_LABEL: &str = "Passkey";

/// The passkeys of `user_id`, oldest first.
pub async fn list(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Vec<passkeys::Model>> {
    Ok(passkeys::Entity::find()
        .filter(passkeys::Column::UserId.eq(user_id))
        .order_by_asc(passkeys::Column::CreatedAt)
        .order_by_asc(passkeys::Column::Id)
        .all(db)
        .await?)
}

/// How many passkeys `user_id` holds.
pub async fn count(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<u64> {
    Ok(passkeys::Entity::find()
        .filter(passkeys::Column::UserId.eq(user_id))
        .count(db)
        .await?)
}

/// Removes every passkey of `user_id`. Returns how many.
pub async fn remove_all(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<u64> {
    Ok(passkeys::Entity::delete_many()
        .filter(passkeys::Column::UserId.eq(user_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// The passkey whose credential id is `raw`.
pub async fn by_credential_id(
    db: &impl ConnectionTrait,
    raw: &[u8],
) -> AppResult<Option<passkeys::Model>> {
    Ok(passkeys::Entity::find()
        .filter(passkeys::Column::CredentialId.eq(encode_base64(raw)))
        .one(db)
        .await?)
}

/// The credential a row keeps, as the WebAuthn library reads it.
pub fn credential(row: &passkeys::Model) -> AppResult<Passkey> {
    serde_json::from_str(&row.credential)
        .map_err(|e| AppError::internal(format!("a stored passkey does not read back: {e}")))
}

/// The counter and backup flags the library keeps in a newly registered `passkey` (its
/// serialised form is all it shows of them before a first use); an internal error when the
/// form has changed, never a guess (a counter read as 0 would turn clone detection off).
pub fn flags(passkey: &Passkey) -> AppResult<(i64, bool, bool)> {
    let value = serde_json::to_value(passkey).map_err(|e| AppError::internal(e.to_string()))?;
    let cred = &value["cred"];
    let unreadable = || AppError::internal("a registered passkey's counter or flags do not read");
    let counter = cred["counter"].as_u64().ok_or_else(unreadable)?;
    Ok((
        i64::try_from(counter).map_err(|_| unreadable())?,
        cred["backup_eligible"].as_bool().ok_or_else(unreadable)?,
        cred["backup_state"].as_bool().ok_or_else(unreadable)?,
    ))
}

/// The WebAuthn user handle of `user_id`'s passkeys, if a ceremony ever made one.
pub async fn handle_of(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(passkey_user_handles::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|row| row.handle))
}

/// The user handle of `user_id`, made (random) the first time. Concurrent first calls agree:
/// the insert does nothing on conflict and both read back the winner.
pub async fn handle(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    if let Some(handle) = handle_of(db, user_id).await? {
        return Ok(handle);
    }
    passkey_user_handles::Entity::insert(passkey_user_handles::ActiveModel {
        user_id: Set(user_id),
        handle: Set(Uuid::new_v4()),
        created_at: Set(now),
    })
    .on_conflict_do_nothing_on([passkey_user_handles::Column::UserId])
    .exec(db)
    .await?;
    handle_of(db, user_id)
        .await?
        .ok_or_else(|| AppError::internal("a passkey user handle was not stored"))
}

/// Records an accepted assertion on `row`: the counter and backup flags it reported, and when
/// it was used. Conditional on the counter read: of two assertions of a counting passkey racing
/// with one counter, one is recorded and the other gets `None`. A passkey that keeps no counter
/// (always 0) is recorded each time: what makes each of its assertions count once is its
/// single-use ceremony.
pub async fn record_use(
    db: &impl ConnectionTrait,
    row: &passkeys::Model,
    result: &AuthenticationResult,
    now: DateTime<Utc>,
) -> AppResult<Option<passkeys::Model>> {
    let mut passkey = credential(row)?;
    passkey.update_credential(result);
    let sign_count = i64::from(result.counter()).max(row.sign_count);
    let backup_eligible = row.backup_eligible || result.backup_eligible();
    let backed_up = result.backup_state();
    let text = serde_json::to_string(&passkey).map_err(|e| AppError::internal(e.to_string()))?;
    let recorded = passkeys::Entity::update_many()
        .col_expr(passkeys::Column::Credential, Expr::value(text.clone()))
        .col_expr(passkeys::Column::SignCount, Expr::value(sign_count))
        .col_expr(
            passkeys::Column::BackupEligible,
            Expr::value(backup_eligible),
        )
        .col_expr(passkeys::Column::BackedUp, Expr::value(backed_up))
        .col_expr(passkeys::Column::LastUsedAt, Expr::value(now))
        .filter(passkeys::Column::Id.eq(row.id))
        .filter(passkeys::Column::SignCount.eq(row.sign_count))
        .exec(db)
        .await?
        .rows_affected;
    Ok((recorded == 1).then(|| passkeys::Model {
        credential: text,
        sign_count,
        backup_eligible,
        backed_up,
        last_used_at: Some(now),
        ..row.clone()
    }))
}
