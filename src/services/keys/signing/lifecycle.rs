//! Changing keys: adding a `NEXT` key, rotating (the `NEXT` key becomes `CURRENT`, the
//! `CURRENT` one `PREVIOUS`), retiring and revoking, each in one transaction with its audit
//! event. Every step is a conditional update on the state it leaves, so of two racing changes
//! one wins and the other changes nothing (and says so).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::auth::key_pairs::KeyPair;
use crate::config::JwtAlgorithm;
use crate::db::{self, entities::signing_keys};
use crate::error::{AppError, AppResult};
use crate::services::audit::Action;

use super::{
    ChangedBy, EncryptionKeys, PREPUBLISH_SECS, State, in_state, insert, record, sealing_context,
};

/// What `rotate` did.
#[derive(Debug)]
pub struct Rotation {
    /// The key that now signs.
    pub activated: signing_keys::Model,
    /// The key it replaced, now `PREVIOUS`.
    pub previous: Option<signing_keys::Model>,
    /// Whether `activated` had been published less than `PREPUBLISH_SECS` (or was made just
    /// now): verifiers that cached the key set before may refuse its tokens until they refetch.
    pub published_too_recently: bool,
}

impl Rotation {
    /// Whether the key that stopped signing was a `--jwt-signing-key-file` key: replicas
    /// reading that file go on signing with it until restarted without it.
    pub fn replaced_a_key_file(&self) -> bool {
        self.previous.as_ref().is_some_and(|row| row.from_file)
    }
}

/// A new key pair of `algorithm` published as `NEXT`; a conflict when one is already waiting.
pub async fn add(
    db: &DatabaseConnection,
    algorithm: JwtAlgorithm,
    encryption: &EncryptionKeys,
    by: ChangedBy,
) -> AppResult<signing_keys::Model> {
    require_key_pair(algorithm)?;
    let txn = db::begin_write(db).await?;
    let Some(row) = publish_next(&txn, algorithm, encryption, by, serde_json::json!({})).await?
    else {
        let waiting = in_state(&txn, algorithm, State::Next).await?;
        return Err(refused(format!(
            "a NEXT {} key is already published ({}): rotate to it or retire it first",
            algorithm.name(),
            waiting.map(|row| row.kid).unwrap_or_default()
        )));
    };
    txn.commit().await?;
    Ok(row)
}

/// Makes the `NEXT` key of `algorithm` current at once (one is made first if none waits), the
/// current one `PREVIOUS`.
pub async fn rotate(
    db: &DatabaseConnection,
    algorithm: JwtAlgorithm,
    encryption: &EncryptionKeys,
    by: ChangedBy,
) -> AppResult<Rotation> {
    require_key_pair(algorithm)?;
    let txn = db::begin_write(db).await?;
    let next = waiting_or_new(&txn, algorithm, encryption, by).await?;
    let current = super::current(&txn, algorithm).await?;
    let rotation = promote(&txn, next, current, by).await?;
    txn.commit().await?;
    Ok(rotation)
}

/// A new key pair of `algorithm` published as `NEXT`, with its `SIGNING_KEY_ADDED` event
/// (`extra` added to its details); `None` when one already waits (the index allows one).
pub(super) async fn publish_next(
    txn: &impl ConnectionTrait,
    algorithm: JwtAlgorithm,
    encryption: &EncryptionKeys,
    by: ChangedBy,
    extra: serde_json::Value,
) -> AppResult<Option<signing_keys::Model>> {
    let Some(row) = insert_sealed(txn, algorithm, State::Next, encryption).await? else {
        return Ok(None);
    };
    let mut details = serde_json::json!({"state": "NEXT"});
    if let (Some(details), serde_json::Value::Object(extra)) = (details.as_object_mut(), extra) {
        details.extend(extra);
    }
    record(txn, Action::SigningKeyAdded, &row, by, details).await?;
    Ok(Some(row))
}

/// The `NEXT` key of `algorithm` that waits, or a new one published now.
async fn waiting_or_new(
    txn: &impl ConnectionTrait,
    algorithm: JwtAlgorithm,
    encryption: &EncryptionKeys,
    by: ChangedBy,
) -> AppResult<signing_keys::Model> {
    if let Some(next) = in_state(txn, algorithm, State::Next).await? {
        return Ok(next);
    }
    publish_next(txn, algorithm, encryption, by, serde_json::json!({}))
        .await?
        .ok_or_else(|| refused("another change published a NEXT key just now: try again"))
}

/// `next` becomes `CURRENT` and `current` (if any) `PREVIOUS`, each only from the state it was
/// read in: a conflict if another change moved either first.
pub(super) async fn promote(
    txn: &impl ConnectionTrait,
    next: signing_keys::Model,
    current: Option<signing_keys::Model>,
    by: ChangedBy,
) -> AppResult<Rotation> {
    let now = db::now();
    if let Some(current) = &current {
        // First: one CURRENT key per algorithm, held by a unique index.
        step_down(txn, current).await?;
    }
    let moved = transition(&next, State::Current)
        .col_expr(signing_keys::Column::ActivatedAt, Expr::value(now))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(refused("another change rotated the keys just now"));
    }
    let published_secs = (now - next.created_at).num_seconds();
    let previous = current.map(|row| signing_keys::Model {
        state: State::Previous,
        deactivated_at: Some(now),
        ..row
    });
    let activated = signing_keys::Model {
        state: State::Current,
        activated_at: Some(now),
        ..next
    };
    let extra = serde_json::json!({
        "previous": previous.as_ref().map(|row| row.kid.clone()),
        "publishedSeconds": published_secs,
    });
    record(txn, Action::SigningKeyActivated, &activated, by, extra).await?;
    Ok(Rotation {
        activated,
        previous,
        published_too_recently: published_secs < PREPUBLISH_SECS,
    })
}

/// `current` stops signing and becomes `PREVIOUS`, its grace starting now; a conflict if
/// another change moved it first.
pub(super) async fn step_down(
    txn: &impl ConnectionTrait,
    current: &signing_keys::Model,
) -> AppResult<()> {
    let moved = transition(current, State::Previous)
        .col_expr(signing_keys::Column::DeactivatedAt, Expr::value(db::now()))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(refused("another change rotated the keys just now"));
    }
    Ok(())
}

/// Unpublishes `kid` and refuses its tokens: a `PREVIOUS` key's grace ends at once, a `NEXT`
/// key is withdrawn. The `CURRENT` key is refused (rotate first).
pub async fn retire(
    db: &DatabaseConnection,
    kid: &str,
    by: ChangedBy,
) -> AppResult<signing_keys::Model> {
    let txn = db::begin_write(db).await?;
    let row = existing(&txn, kid).await?;
    match row.state {
        State::Next | State::Previous => {}
        State::Current => {
            return Err(refused(format!(
                "{kid} is the CURRENT key: rotate first (`roster keys rotate`), or revoke it"
            )));
        }
        State::Retired | State::Revoked => {
            return Err(refused(format!("{kid} is already {}", row.state.name())));
        }
    }
    let retired = end(&txn, row, State::Retired, by).await?;
    txn.commit().await?;
    Ok(retired)
}

/// What `revoke` did: the revoked key, and the key that took over signing if it was `CURRENT`.
#[derive(Debug)]
pub struct Revocation {
    pub revoked: signing_keys::Model,
    pub replacement: Option<Rotation>,
}

/// Refuses every token of `kid` from the next request on and unpublishes it. When it was the
/// `CURRENT` key, the `NEXT` one (or a new one) signs at once instead.
pub async fn revoke(
    db: &DatabaseConnection,
    kid: &str,
    encryption: &EncryptionKeys,
    by: ChangedBy,
) -> AppResult<Revocation> {
    let txn = db::begin_write(db).await?;
    let row = existing(&txn, kid).await?;
    if row.state == State::Revoked {
        return Err(refused(format!("{kid} is already REVOKED")));
    }
    let was_current = row.state == State::Current;
    let algorithm = parse_algorithm(&row.algorithm)?;
    let revoked = end(&txn, row, State::Revoked, by).await?;
    let replacement = if was_current {
        let next = waiting_or_new(&txn, algorithm, encryption, by).await?;
        Some(promote(&txn, next, None, by).await?)
    } else {
        None
    };
    txn.commit().await?;
    Ok(Revocation {
        revoked,
        replacement,
    })
}

/// At start under `algorithm`: the `CURRENT` keys of other algorithms (a switch, say from
/// EdDSA to ES256) stop signing and keep their grace as `PREVIOUS`.
pub(super) async fn step_down_other_algorithms(
    db: &DatabaseConnection,
    algorithm: JwtAlgorithm,
) -> AppResult<()> {
    let others = signing_keys::Entity::find()
        .filter(signing_keys::Column::State.eq(State::Current))
        .filter(signing_keys::Column::Algorithm.ne(algorithm.name()))
        .all(db)
        .await?;
    for row in others {
        let txn = db::begin_write(db).await?;
        match step_down(&txn, &row).await {
            Ok(()) => {
                let extra = serde_json::json!({"state": "PREVIOUS", "signing": algorithm.name()});
                record(
                    &txn,
                    Action::SigningKeyRetired,
                    &row,
                    ChangedBy::Server,
                    extra,
                )
                .await?;
                txn.commit().await?;
            }
            // Another start did it.
            Err(AppError::Conflict { .. }) => txn.rollback().await?,
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

/// A new key pair stored as `CURRENT` unless another start stored one first; returns its kid
/// when this one did.
pub(super) async fn insert_current(
    db: &DatabaseConnection,
    algorithm: JwtAlgorithm,
    encryption: &EncryptionKeys,
    by: ChangedBy,
) -> AppResult<Option<String>> {
    let txn = db::begin_write(db).await?;
    let Some(row) = insert_sealed(&txn, algorithm, State::Current, encryption).await? else {
        return Ok(None);
    };
    record(
        &txn,
        Action::SigningKeyAdded,
        &row,
        by,
        serde_json::json!({"state": "CURRENT"}),
    )
    .await?;
    record(
        &txn,
        Action::SigningKeyActivated,
        &row,
        by,
        serde_json::json!({"previous": null}),
    )
    .await?;
    txn.commit().await?;
    Ok(Some(row.kid))
}

/// Moves `row` to `RETIRED` or `REVOKED` from the state it was read in, with its event.
pub(super) async fn end(
    txn: &impl ConnectionTrait,
    row: signing_keys::Model,
    state: State,
    by: ChangedBy,
) -> AppResult<signing_keys::Model> {
    let now = db::now();
    // A key that will never sign again needs no private part: it is erased.
    let mut update = transition(&row, state)
        .col_expr(signing_keys::Column::RetiredAt, Expr::value(now))
        .col_expr(signing_keys::Column::PrivateKey, Expr::value(""));
    if row.state == State::Current {
        update = update.col_expr(signing_keys::Column::DeactivatedAt, Expr::value(now));
    }
    if update.exec(txn).await?.rows_affected != 1 {
        return Err(refused(format!(
            "another change moved {} just now",
            row.kid
        )));
    }
    let action = match state {
        State::Revoked => Action::SigningKeyRevoked,
        _ => Action::SigningKeyRetired,
    };
    let extra = serde_json::json!({"from": row.state.name()});
    let ended = signing_keys::Model {
        state,
        retired_at: Some(now),
        private_key: String::new(),
        ..row
    };
    record(txn, action, &ended, by, extra).await?;
    Ok(ended)
}

/// `UPDATE signing_keys SET state = to WHERE id = row.id AND state = row.state`.
fn transition(row: &signing_keys::Model, to: State) -> sea_orm::UpdateMany<signing_keys::Entity> {
    signing_keys::Entity::update_many()
        .col_expr(signing_keys::Column::State, Expr::value(to))
        .filter(signing_keys::Column::Id.eq(row.id))
        .filter(signing_keys::Column::State.eq(row.state))
}

/// A new key pair of `algorithm`, sealed and stored in `state`; `None` when the
/// one-per-algorithm index already holds a key in that state.
pub(super) async fn insert_sealed(
    db: &impl ConnectionTrait,
    algorithm: JwtAlgorithm,
    state: State,
    encryption: &EncryptionKeys,
) -> AppResult<Option<signing_keys::Model>> {
    crate::services::keys::check_sealing_key(db, encryption).await?;
    let pair = KeyPair::generate(algorithm)?;
    let sealed = encryption.seal(&pair.private_pkcs8, &sealing_context(&pair.public.kid))?;
    insert(db, &pair, state, sealed, false).await
}

/// The key named `kid`, or a clear refusal.
async fn existing(db: &impl ConnectionTrait, kid: &str) -> AppResult<signing_keys::Model> {
    super::find(db, kid)
        .await?
        .ok_or_else(|| refused(format!("no signing key {kid} (see `roster keys list`)")))
}

fn parse_algorithm(name: &str) -> AppResult<JwtAlgorithm> {
    match name {
        "ES256" => Ok(JwtAlgorithm::Es256),
        "EdDSA" => Ok(JwtAlgorithm::EdDsa),
        other => Err(AppError::internal(format!(
            "a signing key of algorithm {other}"
        ))),
    }
}

fn require_key_pair(algorithm: JwtAlgorithm) -> AppResult<()> {
    if algorithm.is_asymmetric() {
        Ok(())
    } else {
        Err(refused(
            "HS256 signs with the JWT secret, not a key pair: pass --algorithm ES256 or EdDSA, \
             or set --jwt-algorithm",
        ))
    }
}

/// A change the current keys do not allow (the command says why and exits non-zero).
fn refused(message: impl Into<String>) -> AppError {
    AppError::Conflict {
        message: message.into(),
        field: None,
    }
}
