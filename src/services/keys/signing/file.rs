//! `--jwt-signing-key-file`: a key pair the operator keeps (a PKCS#8 PEM, P-256 for ES256 or
//! Ed25519 for EdDSA) instead of one made and sealed in the database. The replica signs with
//! it; its public part is registered in `signing_keys` (`from_file`, no private key there) so
//! that it is published by every replica, listed, and can be revoked like any other. A new file
//! makes its key `CURRENT` at start and the one before `PREVIOUS`, with the usual grace.

use std::path::Path;

use sea_orm::DatabaseConnection;

use crate::auth::key_pairs::KeyPair;
use crate::auth::tokens::SigningKey;
use crate::config::JwtAlgorithm;
use crate::error::{AppError, AppResult};
use crate::services::audit::Action;

use super::lifecycle::{promote, step_down};
use super::{ChangedBy, State, find, insert, record};

/// The key of the file: what signs, and the public part to register.
#[derive(Clone)]
pub struct FileKey {
    pub pair_public: crate::auth::key_pairs::PublicJwk,
    pub signing: SigningKey,
}

impl FileKey {
    /// The key in `path`, which must be of `algorithm`; the error says what is wrong with the
    /// file, never what it holds.
    pub fn read(path: &Path, algorithm: JwtAlgorithm) -> Result<Self, String> {
        let shown = path.display();
        let pem = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --jwt-signing-key-file {shown}: {e}"))?;
        let pair = KeyPair::from_pkcs8_pem(&pem).ok_or_else(|| {
            format!(
                "--jwt-signing-key-file {shown} is not a PKCS#8 PEM private key of P-256 (ES256) \
                 or Ed25519 (EdDSA), such as `openssl genpkey -algorithm ed25519`"
            )
        })?;
        if pair.public.alg != algorithm.name() {
            return Err(format!(
                "--jwt-signing-key-file {shown} holds an {} key but --jwt-algorithm is {}",
                pair.public.alg,
                algorithm.name()
            ));
        }
        let signing = SigningKey::new(&pair.public, &pair.private_pkcs8)
            .map_err(|_| format!("--jwt-signing-key-file {shown}: the key does not sign"))?;
        Ok(Self {
            pair_public: pair.public,
            signing,
        })
    }

    pub fn kid(&self) -> &str {
        &self.pair_public.kid
    }
}

/// Makes the file's key the `CURRENT` one of its algorithm (registering it first if it is
/// new, or promoting it from `NEXT`); refuses a key that was retired or revoked. A file key
/// that a newer key replaced (`PREVIOUS`) stays so: a replica restarted with the old file
/// during a roll-out does not take signing back. Idempotent; replicas starting at once with
/// the same new file agree (the loser of the race reads the winner's row).
pub async fn register(db: &DatabaseConnection, key: &FileKey) -> AppResult<()> {
    match register_once(db, key).await {
        Err(AppError::Conflict { .. }) => register_once(db, key).await,
        other => other,
    }
}

async fn register_once(db: &DatabaseConnection, key: &FileKey) -> AppResult<()> {
    let algorithm = match key.pair_public.alg.as_str() {
        "ES256" => JwtAlgorithm::Es256,
        _ => JwtAlgorithm::EdDsa,
    };
    let txn = crate::db::begin_write(db).await?;
    let Some(row) = find(&txn, key.kid()).await? else {
        // New: the key before it steps down, and it signs from now on.
        let current = super::current(&txn, algorithm).await?;
        if let Some(current) = &current {
            step_down(&txn, current).await?;
        }
        let pair = KeyPair {
            private_pkcs8: Vec::new(),
            public: key.pair_public.clone(),
        };
        let row = insert(&txn, &pair, State::Current, String::new(), true)
            .await?
            .ok_or_else(|| AppError::Conflict {
                message: "another start registered a signing key at once".to_owned(),
                field: None,
            })?;
        let extra = serde_json::json!({"state": "CURRENT", "fromFile": true});
        record(
            &txn,
            Action::SigningKeyAdded,
            &row,
            ChangedBy::Server,
            extra,
        )
        .await?;
        let extra = serde_json::json!({"previous": current.map(|row| row.kid)});
        record(
            &txn,
            Action::SigningKeyActivated,
            &row,
            ChangedBy::Server,
            extra,
        )
        .await?;
        txn.commit().await?;
        return Ok(());
    };
    match row.state {
        State::Current => {}
        State::Next => {
            let current = super::current(&txn, algorithm).await?;
            promote(&txn, row, current, ChangedBy::Server).await?;
        }
        State::Previous => tracing::warn!(
            kid = %row.kid,
            "the key in --jwt-signing-key-file was replaced by a newer key: this replica signs \
             with it only through its grace; give it the new file"
        ),
        State::Retired | State::Revoked => {
            return Err(AppError::internal(format!(
                "the key in --jwt-signing-key-file ({}) was {}: put a new key in the file",
                row.kid,
                row.state.name()
            )));
        }
    }
    txn.commit().await?;
    Ok(())
}
