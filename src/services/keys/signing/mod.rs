//! The `signing_keys` table: key pairs for `--jwt-algorithm ES256` or `EdDSA`, their private
//! key sealed with the encryption key (or kept in `--jwt-signing-key-file`). A key is `NEXT`
//! (published, not yet signing), `CURRENT` (signs; one per algorithm), `PREVIOUS` (published
//! and accepted until the access-token TTL plus 5 minutes after it stopped signing), then
//! `RETIRED`; `REVOKED` ends it at once. Every change is a conditional update in a transaction
//! with its audit event, so replicas and commands racing each other leave one outcome.
//!
//! - this file: what a replica signs and verifies with (`KeyPolicy`, `load`, `start`).
//! - `lifecycle`: adding, rotating to, retiring and revoking keys (`roster keys`).
//! - `schedule`: the grace's end and `--jwt-key-rotation-interval`, run by every replica.
//! - `file`: the key in `--jwt-signing-key-file`.

pub mod file;
pub mod lifecycle;
pub mod schedule;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::auth::key_pairs::{KeyPair, PublicJwk};
use crate::auth::tokens::{Published, SigningKey};
use crate::config::JwtAlgorithm;
use crate::db::{self, entities::signing_keys};
use crate::error::{AppError, AppResult};
use crate::services::audit::{self, Action, Event};

use super::encryption::EncryptionKeys;

pub use signing_keys::State;

pub use crate::auth::tokens::GRACE_BEYOND_TTL_SECS;

/// How long a `NEXT` key is published before automatic rotation lets it sign, so verifiers
/// refetching the key set (every 5 minutes, as its `Cache-Control` allows) know it first.
pub const PREPUBLISH_SECS: i64 = 10 * 60;

/// How a replica signs: the algorithm, the grace of a `PREVIOUS` key, the automatic rotation
/// and the key from a file, all from the settings.
#[derive(Clone)]
pub struct KeyPolicy {
    pub algorithm: JwtAlgorithm,
    /// The access-token TTL plus `GRACE_BEYOND_TTL_SECS`.
    pub grace_secs: i64,
    /// `--jwt-key-rotation-interval` in seconds; `None`: by hand.
    pub rotation_interval_secs: Option<i64>,
    /// The key of `--jwt-signing-key-file`, which then signs on this replica.
    pub file_key: Option<file::FileKey>,
}

/// What a replica signs with and publishes.
pub struct KeySet {
    /// `None` when the database holds no `CURRENT` key of the algorithm that this replica can
    /// open (another replica switched algorithms, or the encryption keys differ): the replica
    /// keeps signing with the key it has while that key is accepted.
    pub signing: Option<SigningKey>,
    pub published: Vec<Published>,
}

/// Signing keys already opened, by `kid`, so a refresh does not unseal them again.
#[derive(Default)]
pub struct OpenedKeys(HashMap<String, SigningKey>);

/// Who changed a key, for its audit event's `details.by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangedBy {
    /// `roster keys ...`.
    Command,
    /// A replica: the first start, the schedule, the end of a grace.
    Server,
}

impl ChangedBy {
    fn name(self) -> &'static str {
        match self {
            ChangedBy::Command => "command",
            ChangedBy::Server => "server",
        }
    }
}

/// At start: the `CURRENT` key of the policy's algorithm made first when there is none (or
/// the file's key registered), keys of another algorithm that were current stepping down to
/// `PREVIOUS`, and the set to sign and verify with. Concurrent first starts agree: a partial
/// unique index allows one `CURRENT` key per algorithm and the losers read the winner's.
pub async fn start(
    db: &DatabaseConnection,
    policy: &KeyPolicy,
    encryption: &EncryptionKeys,
    opened: &mut OpenedKeys,
) -> AppResult<(KeySet, Option<String>)> {
    let generated = match &policy.file_key {
        Some(key) => {
            file::register(db, key).await?;
            None
        }
        None if current(db, policy.algorithm).await?.is_none() => {
            lifecycle::insert_current(db, policy.algorithm, encryption, ChangedBy::Server).await?
        }
        None => None,
    };
    lifecycle::step_down_other_algorithms(db, policy.algorithm).await?;
    Ok((load(db, policy, encryption, opened).await?, generated))
}

/// The set the database holds now: every published key (a `PREVIOUS` one with the end of its
/// grace) and the key that signs here, the file's or the `CURRENT` one of the algorithm.
pub async fn load(
    db: &impl ConnectionTrait,
    policy: &KeyPolicy,
    encryption: &EncryptionKeys,
    opened: &mut OpenedKeys,
) -> AppResult<KeySet> {
    let rows = signing_keys::Entity::find()
        .filter(signing_keys::Column::State.is_in(State::PUBLISHED))
        .all(db)
        .await?;
    let mut published = Vec::with_capacity(rows.len());
    for row in &rows {
        let accepted_until = match row.state {
            State::Previous => Some(grace_end(row, policy.grace_secs).timestamp()),
            _ => None,
        };
        published.push(Published {
            jwk: parse(row)?,
            accepted_until,
        });
    }
    let signing = match &policy.file_key {
        Some(key) => Some(key.signing.clone()),
        None => rows
            .iter()
            .find(|row| row.state == State::Current && row.algorithm == policy.algorithm.name())
            .and_then(|row| match opened.open(row, encryption) {
                Ok(key) => Some(key),
                // The rest of the set still installs: a key that no longer opens must not
                // keep a revoked one published.
                Err(error) => {
                    tracing::error!(
                        kid = %row.kid,
                        error = %error.message(),
                        "the CURRENT signing key does not open with this replica's encryption keys"
                    );
                    None
                }
            }),
    };
    Ok(KeySet { signing, published })
}

impl OpenedKeys {
    /// The signing key of `row`, unsealed once.
    fn open(
        &mut self,
        row: &signing_keys::Model,
        encryption: &EncryptionKeys,
    ) -> AppResult<SigningKey> {
        if let Some(key) = self.0.get(&row.kid) {
            return Ok(key.clone());
        }
        if row.from_file {
            return Err(AppError::internal(format!(
                "signing key {} is CURRENT but its private key is in another replica's \
                 --jwt-signing-key-file",
                row.kid
            )));
        }
        let private = encryption.open(&row.private_key, &sealing_context(&row.kid))?;
        let key = SigningKey::new(&parse(row)?, &private)?;
        self.0.insert(row.kid.clone(), key.clone());
        Ok(key)
    }
}

/// Refuses `encryption` unless it opens the stored private keys that may sign (`CURRENT` and
/// `NEXT`, but `except`, the key being revoked): a command run without the servers' encryption
/// key would otherwise seal a new key the servers cannot open. (Revoking a `CURRENT` key
/// sealed under a lost encryption key, with a new one configured, is the way out of losing it.)
pub async fn check_opens(
    db: &impl ConnectionTrait,
    encryption: &EncryptionKeys,
    except: Option<&str>,
) -> AppResult<()> {
    let rows = signing_keys::Entity::find()
        .filter(signing_keys::Column::State.is_in([State::Current, State::Next]))
        .filter(signing_keys::Column::PrivateKey.ne(""))
        .filter(signing_keys::Column::Kid.ne(except.unwrap_or_default()))
        .all(db)
        .await?;
    match rows
        .iter()
        .find(|row| !encryption.holds_key_of(&row.private_key))
    {
        None => Ok(()),
        Some(row) => Err(AppError::Conflict {
            message: format!(
                "signing key {} is encrypted under encryption key {}, which this command does \
                 not hold (it holds {}): run it with the servers' ROSTER_ENCRYPTION_KEY",
                row.kid,
                row.private_key
                    .split_once('.')
                    .map(|(id, _)| id)
                    .unwrap_or("?"),
                encryption.sealing().id()
            ),
            field: None,
        }),
    }
}

/// When a `PREVIOUS` key's tokens stop being accepted.
pub fn grace_end(row: &signing_keys::Model, grace_secs: i64) -> DateTime<Utc> {
    let stopped = row
        .deactivated_at
        .or(row.activated_at)
        .unwrap_or(row.created_at);
    stopped + chrono::Duration::seconds(grace_secs)
}

/// The `CURRENT` key of `algorithm`, if any.
pub async fn current(
    db: &impl ConnectionTrait,
    algorithm: JwtAlgorithm,
) -> AppResult<Option<signing_keys::Model>> {
    in_state(db, algorithm, State::Current).await
}

/// The key of `algorithm` in `state` (`CURRENT` or `NEXT`: one at most).
async fn in_state(
    db: &impl ConnectionTrait,
    algorithm: JwtAlgorithm,
    state: State,
) -> AppResult<Option<signing_keys::Model>> {
    Ok(signing_keys::Entity::find()
        .filter(signing_keys::Column::Algorithm.eq(algorithm.name()))
        .filter(signing_keys::Column::State.eq(state))
        .one(db)
        .await?)
}

/// Every key, oldest first (`roster keys list`).
pub async fn all(db: &impl ConnectionTrait) -> AppResult<Vec<signing_keys::Model>> {
    use sea_orm::QueryOrder;
    Ok(signing_keys::Entity::find()
        .order_by_asc(signing_keys::Column::CreatedAt)
        .order_by_asc(signing_keys::Column::Kid)
        .all(db)
        .await?)
}

/// Stores a new key pair of `algorithm` in `state` (`NEXT` or `CURRENT`) unless the index
/// allowing one such key per algorithm already holds one (the insert then does nothing);
/// returns the new row, or `None` when another got there first.
async fn insert(
    db: &impl ConnectionTrait,
    pair: &KeyPair,
    state: State,
    sealed: String,
    from_file: bool,
) -> AppResult<Option<signing_keys::Model>> {
    let now = db::now();
    let row = signing_keys::ActiveModel {
        id: Set(Uuid::now_v7()),
        kid: Set(pair.public.kid.clone()),
        algorithm: Set(pair.public.alg.clone()),
        state: Set(state),
        public_jwk: Set(serde_json::to_string(&pair.public).map_err(AppError::internal)?),
        private_key: Set(sealed),
        created_at: Set(now),
        activated_at: Set((state == State::Current).then_some(now)),
        retired_at: Set(None),
        deactivated_at: Set(None),
        from_file: Set(from_file),
    };
    // No target: the conflict to ignore is the one-per-algorithm index of `state`.
    let inserted = signing_keys::Entity::insert(row)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .try_insert()
        .exec(db)
        .await?;
    if matches!(inserted, sea_orm::TryInsertResult::Inserted(_)) {
        find(db, &pair.public.kid).await
    } else {
        Ok(None)
    }
}

/// The key named `kid`.
pub async fn find(db: &impl ConnectionTrait, kid: &str) -> AppResult<Option<signing_keys::Model>> {
    Ok(signing_keys::Entity::find()
        .filter(signing_keys::Column::Kid.eq(kid))
        .one(db)
        .await?)
}

/// Records `action` on `row`: its kid and algorithm, who, and anything `extra` adds.
async fn record(
    db: &impl ConnectionTrait,
    action: Action,
    row: &signing_keys::Model,
    by: ChangedBy,
    extra: serde_json::Value,
) -> AppResult<()> {
    let mut details = serde_json::json!({
        "kid": row.kid,
        "algorithm": row.algorithm,
        "by": by.name(),
    });
    if let (Some(details), serde_json::Value::Object(extra)) = (details.as_object_mut(), extra) {
        details.extend(extra);
    }
    audit::record(db, Event::new(action).details(details)).await
}

/// What a private key is sealed for: its own row, so a sealed key copied to another row does
/// not open there.
pub fn sealing_context(kid: &str) -> String {
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
