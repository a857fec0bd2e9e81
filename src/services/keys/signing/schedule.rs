//! What every replica does to the keys on its own, each tick: ends the grace of `PREVIOUS`
//! keys (`RETIRED`), and with `--jwt-key-rotation-interval` publishes the next key as `NEXT`
//! `PREPUBLISH_SECS` before the current one is due, then makes it current once it is due and
//! has been published that long. Replicas race through conditional updates and the
//! one-per-algorithm indexes: one of them makes each change, the others find it made.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::db::entities::signing_keys;
use crate::error::{AppError, AppResult};

use super::lifecycle::{end, promote, publish_next};
use super::{ChangedBy, EncryptionKeys, KeyPolicy, PREPUBLISH_SECS, State, grace_end, in_state};

/// What a tick changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub retired: Vec<String>,
    pub added: Option<String>,
    pub activated: Option<String>,
}

impl Changes {
    pub fn any(&self) -> bool {
        !self.retired.is_empty() || self.added.is_some() || self.activated.is_some()
    }
}

/// One tick at `now`.
pub async fn tick(
    db: &DatabaseConnection,
    policy: &KeyPolicy,
    encryption: &EncryptionKeys,
    now: DateTime<Utc>,
) -> AppResult<Changes> {
    let mut changes = Changes {
        retired: end_graces(db, policy.grace_secs, now).await?,
        ..Changes::default()
    };
    if let (Some(interval), None) = (policy.rotation_interval_secs, &policy.file_key) {
        rotate_when_due(db, policy, interval, encryption, now, &mut changes).await?;
    }
    Ok(changes)
}

/// `PREVIOUS` keys whose grace is over become `RETIRED`.
async fn end_graces(
    db: &DatabaseConnection,
    grace_secs: i64,
    now: DateTime<Utc>,
) -> AppResult<Vec<String>> {
    let previous = signing_keys::Entity::find()
        .filter(signing_keys::Column::State.eq(State::Previous))
        .all(db)
        .await?;
    let mut retired = Vec::new();
    for row in previous {
        if grace_end(&row, grace_secs) > now {
            continue;
        }
        let kid = row.kid.clone();
        let txn = crate::db::begin_write(db).await?;
        match end(&txn, row, State::Retired, ChangedBy::Server).await {
            Ok(_) => {
                txn.commit().await?;
                retired.push(kid);
            }
            // Another replica retired it first.
            Err(AppError::Conflict { .. }) => txn.rollback().await?,
            Err(other) => return Err(other),
        }
    }
    Ok(retired)
}

/// Publishes the next key when the current one is due within `PREPUBLISH_SECS`, and makes it
/// current once the current one is due and it has been published for `PREPUBLISH_SECS`.
async fn rotate_when_due(
    db: &DatabaseConnection,
    policy: &KeyPolicy,
    interval: i64,
    encryption: &EncryptionKeys,
    now: DateTime<Utc>,
    changes: &mut Changes,
) -> AppResult<()> {
    let algorithm = policy.algorithm;
    // A key from another replica's key file is rotated by replacing the file.
    let Some(current) = super::current(db, algorithm)
        .await?
        .filter(|row| !row.from_file)
    else {
        return Ok(());
    };
    let since = current.activated_at.unwrap_or(current.created_at);
    let due = since + chrono::Duration::seconds(interval);
    let prepublish = chrono::Duration::seconds(PREPUBLISH_SECS);
    let next = in_state(db, algorithm, State::Next).await?;
    match next {
        None if now >= due - prepublish => {
            let txn = crate::db::begin_write(db).await?;
            // `None`: another replica published one first.
            let extra = serde_json::json!({"due": due});
            let published = publish_next(&txn, algorithm, encryption, ChangedBy::Server, extra);
            if let Some(row) = published.await? {
                changes.added = Some(row.kid);
            }
            txn.commit().await?;
        }
        Some(next) if now >= due && now >= next.created_at + prepublish => {
            let txn = crate::db::begin_write(db).await?;
            match promote(&txn, next, Some(current), ChangedBy::Server).await {
                Ok(rotation) => {
                    txn.commit().await?;
                    changes.activated = Some(rotation.activated.kid);
                }
                Err(AppError::Conflict { .. }) => txn.rollback().await?,
                Err(other) => return Err(other),
            }
        }
        _ => {}
    }
    Ok(())
}
