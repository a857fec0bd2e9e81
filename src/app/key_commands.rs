//! `roster keys ...` and `roster rotate-encryption-key`: the operator's hands on the signing
//! keys and the encryption key, on the configured database (migrated first). What they print
//! goes to stdout; warnings to the log (stderr). Running servers follow within
//! `signing_keys::REFRESH_EVERY`.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::DatabaseConnection;

use crate::config::{JwtAlgorithm, KeysAction, Settings};
use crate::db::entities::signing_keys;
use crate::services::keys::encryption::EncryptionKeys;
use crate::services::keys::reseal;
use crate::services::keys::signing::{
    self, ChangedBy, GRACE_BEYOND_TTL_SECS, PREPUBLISH_SECS, State, lifecycle,
};

use super::{StartupError, connect, migrate, signing_keys::encryption_keys};

/// The encryption keys a key command seals with: the configured ones, or those stored in the
/// database (development), never generated here; and they must open the stored keys.
async fn command_encryption_keys(
    db: &DatabaseConnection,
    settings: &Settings,
    revoking: Option<&str>,
) -> Result<EncryptionKeys, StartupError> {
    let configured = settings
        .configured_encryption_key()
        .map_err(StartupError::Config)?;
    let keys = match configured {
        Some(_) => encryption_keys(db, settings).await?.0,
        None => crate::services::keys::stored_encryption_keys(db)
            .await?
            .ok_or_else(|| {
                StartupError::Refused(
                    "no encryption key: set ROSTER_ENCRYPTION_KEY as the servers have it (in \
                     development, start the server once with --jwt-algorithm ES256 or EdDSA)"
                        .to_owned(),
                )
            })?,
    };
    signing::check_opens(db, &keys, revoking).await?;
    Ok(keys)
}

/// Runs `roster keys <action>`.
pub async fn keys(settings: &Settings, action: KeysAction) -> Result<(), StartupError> {
    let db = connect(settings).await?;
    migrate(&db).await?;
    let algorithm = |chosen: Option<JwtAlgorithm>| chosen.unwrap_or(settings.jwt_algorithm);
    match action {
        KeysAction::List => list(&db, settings).await,
        KeysAction::Add { algorithm: chosen } => {
            let encryption = command_encryption_keys(&db, settings, None).await?;
            let row =
                lifecycle::add(&db, algorithm(chosen), &encryption, ChangedBy::Command).await?;
            println!(
                "published {} ({}) as NEXT; `roster keys rotate` makes it sign (after {} \
                 minutes, verifiers' caches know it)",
                row.kid,
                row.algorithm,
                PREPUBLISH_SECS / 60
            );
            Ok(())
        }
        KeysAction::Rotate { algorithm: chosen } => {
            let encryption = command_encryption_keys(&db, settings, None).await?;
            let rotation =
                lifecycle::rotate(&db, algorithm(chosen), &encryption, ChangedBy::Command).await?;
            print_rotation(&rotation, settings);
            Ok(())
        }
        KeysAction::Retire { kid } => {
            let row = lifecycle::retire(&db, &kid, ChangedBy::Command).await?;
            println!("retired {}: unpublished, its tokens refused", row.kid);
            Ok(())
        }
        KeysAction::Revoke { kid } => {
            let encryption = command_encryption_keys(&db, settings, Some(&kid)).await?;
            let revocation = lifecycle::revoke(&db, &kid, &encryption, ChangedBy::Command).await?;
            println!(
                "revoked {}: its tokens are refused from the next request on",
                revocation.revoked.kid
            );
            if revocation.revoked.from_file {
                tracing::warn!(
                    "the revoked key is in --jwt-signing-key-file: put a new key in that file and \
                     restart every replica that reads it"
                );
            }
            if let Some(rotation) = &revocation.replacement {
                print_rotation(rotation, settings);
            }
            Ok(())
        }
    }
}

/// What a rotation did, and a warning when verifiers may not know the new key yet.
fn print_rotation(rotation: &lifecycle::Rotation, settings: &Settings) {
    println!(
        "{} ({}) signs now",
        rotation.activated.kid, rotation.activated.algorithm
    );
    if let Some(previous) = &rotation.previous {
        let grace = i64::from(settings.access_token_ttl.get()) + GRACE_BEYOND_TTL_SECS;
        println!(
            "{} is PREVIOUS: published and accepted until {}",
            previous.kid,
            when(Some(signing::grace_end(previous, grace)))
        );
    }
    if rotation.replaced_a_key_file() {
        tracing::warn!(
            "the key that stopped signing is in --jwt-signing-key-file: replicas reading that \
             file go on signing with it; restart them without the setting"
        );
    }
    if rotation.published_too_recently {
        tracing::warn!(
            kid = %rotation.activated.kid,
            "the new key was published less than {} minutes ago: verifiers that cached the key \
             set before may refuse its tokens until they refetch it",
            PREPUBLISH_SECS / 60
        );
    }
}

/// `roster keys list`: one line per key, oldest first.
async fn list(db: &DatabaseConnection, settings: &Settings) -> Result<(), StartupError> {
    let rows = signing::all(db).await?;
    if rows.is_empty() {
        println!(
            "no signing keys (under --jwt-algorithm HS256, tokens are signed with the secret)"
        );
        return Ok(());
    }
    let grace = i64::from(settings.access_token_ttl.get()) + GRACE_BEYOND_TTL_SECS;
    println!(
        "{:<43}  {:<5}  {:<8}  {:<20}  {:<20}  {:<20}  {:<20}  SOURCE",
        "KID", "ALG", "STATE", "PUBLISHED", "ACTIVATED", "ACCEPTED UNTIL", "ENDED"
    );
    for row in rows {
        let until = match row.state {
            State::Previous => when(Some(signing::grace_end(&row, grace))),
            State::Next | State::Current => "-".to_owned(),
            State::Retired | State::Revoked => when(row.retired_at),
        };
        println!(
            "{:<43}  {:<5}  {:<8}  {:<20}  {:<20}  {:<20}  {:<20}  {}",
            row.kid,
            row.algorithm,
            row.state.name(),
            when(Some(row.created_at)),
            when(row.activated_at),
            until,
            when(row.retired_at),
            source(&row)
        );
    }
    Ok(())
}

fn source(row: &signing_keys::Model) -> &'static str {
    if row.from_file { "file" } else { "database" }
}

fn when(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| "-".to_owned())
}

/// Runs `roster rotate-encryption-key`.
pub async fn rotate_encryption_key(settings: &Settings) -> Result<(), StartupError> {
    let db = connect(settings).await?;
    migrate(&db).await?;
    let configured = settings
        .configured_encryption_key()
        .map_err(StartupError::Config)?;
    let new = settings
        .configured_new_encryption_key()
        .map_err(StartupError::Config)?;
    let resealed = match (configured, new) {
        (None, None) => {
            let resealed = reseal::rotate_stored(&db).await?;
            println!(
                "generated encryption key {} and stored it in the database (development); the \
                 replaced key stays beside it for servers still running with it",
                resealed.key_id
            );
            resealed
        }
        (Some(_), Some(_)) => {
            let (keys, _) = encryption_keys(&db, settings).await?;
            let resealed = reseal::reseal_configured(&db, &keys).await?;
            println!(
                "re-encrypted under encryption key {}: set it as ROSTER_ENCRYPTION_KEY (and \
                 remove ROSTER_NEW_ENCRYPTION_KEY) before the next start",
                resealed.key_id
            );
            resealed
        }
        (Some(_), None) => {
            return Err(StartupError::Config(
                "rotate-encryption-key needs the key to move to: set ROSTER_NEW_ENCRYPTION_KEY \
                 or ROSTER_NEW_ENCRYPTION_KEY_FILE (32 random bytes in base64, e.g. `openssl \
                 rand -base64 32`)"
                    .to_owned(),
            ));
        }
        (None, Some(_)) => {
            return Err(StartupError::Config(
                "ROSTER_NEW_ENCRYPTION_KEY is the key to move to from ROSTER_ENCRYPTION_KEY, \
                 which is not set"
                    .to_owned(),
            ));
        }
    };
    println!(
        "{} values re-encrypted, {} changed meanwhile and left for another run",
        resealed.values, resealed.skipped
    );
    Ok(())
}
