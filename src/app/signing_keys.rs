//! Key pairs at start and while serving: under `--jwt-algorithm ES256` or `EdDSA`, the start
//! makes or registers the signing key and installs the set; then every replica reloads the
//! set every `REFRESH_EVERY` (and at once when a request met a key the database no longer
//! accepts), after ending graces and rotating on schedule. So replicas on one database agree
//! on what they publish and sign with within `REFRESH_EVERY` of a change.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::auth::tokens::TokenKeys;
use crate::config::Settings;
use crate::error::{AppError, AppResult};
use crate::services::keys::encryption::EncryptionKeys;
use crate::services::keys::signing::file::FileKey;
use crate::services::keys::signing::{
    self, GRACE_BEYOND_TTL_SECS, KeyPolicy, KeySet, OpenedKeys, schedule,
};
use crate::services::keys::{self as stored, SecretSource};

use super::StartupError;

/// How often a replica reloads the keys: well within the 30 s API.md allows.
pub const REFRESH_EVERY: Duration = Duration::from_secs(10);

/// Fewest time between two reloads asked for by requests (a flood of tokens of a refused key
/// costs one reload a second, not one per request).
const MIN_STALE_RELOAD: Duration = Duration::from_secs(1);

/// What the refresher needs: the policy and where the encryption keys come from.
#[derive(Clone)]
pub struct KeyPairs {
    policy: KeyPolicy,
    encryption: EncryptionKeys,
    /// The encryption keys are the ones in the database (development): reread each reload,
    /// so a rotation there is followed.
    stored_encryption: bool,
}

impl KeyPairs {
    /// The policy the settings give (nothing under HS256).
    fn policy(settings: &Settings) -> Result<Option<KeyPolicy>, StartupError> {
        let algorithm = settings.jwt_algorithm;
        if !algorithm.is_asymmetric() {
            return Ok(None);
        }
        let file_key = settings
            .jwt_signing_key_file
            .as_deref()
            .map(|path| FileKey::read(path, algorithm))
            .transpose()
            .map_err(StartupError::Config)?;
        Ok(Some(KeyPolicy {
            algorithm,
            grace_secs: i64::from(settings.access_token_ttl.get()) + GRACE_BEYOND_TTL_SECS,
            rotation_interval_secs: (settings.jwt_key_rotation_interval > 0)
                .then(|| i64::from(settings.jwt_key_rotation_interval)),
            file_key,
        }))
    }
}

/// The encryption keys the settings give, or the stored ones (development), logged.
pub async fn encryption_keys(
    db: &DatabaseConnection,
    settings: &Settings,
) -> Result<(EncryptionKeys, SecretSource), StartupError> {
    let configured = settings
        .configured_encryption_key()
        .map_err(StartupError::Config)?;
    let new = settings
        .configured_new_encryption_key()
        .map_err(StartupError::Config)?;
    let (keys, source) = stored::encryption_keys(db, configured.as_ref(), new.as_ref()).await?;
    let key_id = keys.sealing().id();
    match source {
        SecretSource::Configured if new.is_some() => tracing::info!(
            key_id,
            "sealing with the new encryption key; values under the old one still open"
        ),
        SecretSource::Configured => tracing::info!(key_id, "using the configured encryption key"),
        SecretSource::Generated => tracing::warn!(
            key_id,
            "no ROSTER_ENCRYPTION_KEY set: generated one and stored it in the database, beside \
             what it encrypts; in production, set ROSTER_ENCRYPTION_KEY to 32 random bytes in \
             base64, e.g. `openssl rand -base64 32`"
        ),
        SecretSource::Stored => tracing::info!(
            key_id,
            "using the encryption key stored in the database (ROSTER_ENCRYPTION_KEY is not set)"
        ),
    }
    Ok((keys, source))
}

/// Under ES256 or EdDSA: the signing key made (first start) or registered (a key file), the
/// set installed in `keys`; what the refresher needs next. `None` under HS256.
pub async fn start(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    settings: &Settings,
    (encryption, source): (EncryptionKeys, SecretSource),
) -> Result<Option<KeyPairs>, StartupError> {
    let Some(policy) = KeyPairs::policy(settings)? else {
        return Ok(None);
    };
    let mut opened = OpenedKeys::default();
    let (set, generated) = signing::start(db, &policy, &encryption, &mut opened).await?;
    let algorithm = policy.algorithm.name();
    if let Some(kid) = generated {
        tracing::info!(%kid, algorithm, "generated a signing key pair");
    }
    let signing = set.signing.clone().ok_or_else(|| {
        AppError::internal(format!(
            "the CURRENT {algorithm} signing key does not open with the configured encryption key"
        ))
    })?;
    let kid = signing.kid().to_owned();
    if !keys.install_key_pairs(Some(signing), &set.published)? {
        return Err(StartupError::Init(format!(
            "signing key {kid} is not published and accepted (was it retired or revoked?)"
        )));
    }
    tracing::info!(
        %kid,
        algorithm,
        published = set.published.len(),
        from_file = policy.file_key.is_some(),
        "access tokens are signed with a key pair, published at /.well-known/jwks.json"
    );
    Ok(Some(KeyPairs {
        policy,
        encryption,
        stored_encryption: source != SecretSource::Configured,
    }))
}

/// Reloads the keys every `REFRESH_EVERY`, and soon after a request asks; failures are logged
/// and the keys in use kept.
pub async fn refresh_periodically(db: DatabaseConnection, keys: TokenKeys, pairs: KeyPairs) {
    let mut opened = OpenedKeys::default();
    let mut ticks = tokio::time::interval(REFRESH_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = keys.ring().stale() => tokio::time::sleep(MIN_STALE_RELOAD).await,
        }
        if let Err(error) = refresh(&db, &keys, &pairs, &mut opened).await {
            tracing::warn!(
                error = %error.message(),
                "reloading the signing keys failed; keeping the ones in use"
            );
        }
    }
}

/// One reload: graces ended and rotations made as due, then the set installed.
pub async fn refresh(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    pairs: &KeyPairs,
    opened: &mut OpenedKeys,
) -> AppResult<()> {
    let encryption = if pairs.stored_encryption {
        stored::encryption_keys(db, None, None).await?.0
    } else {
        pairs.encryption.clone()
    };
    let changes = schedule::tick(db, &pairs.policy, &encryption, crate::db::now()).await?;
    if changes.any() {
        tracing::info!(
            retired = ?changes.retired,
            added = ?changes.added,
            activated = ?changes.activated,
            "signing keys changed on schedule"
        );
    }
    let KeySet { signing, published } =
        signing::load(db, &pairs.policy, &encryption, opened).await?;
    let before = keys.signing_kid();
    let signing = signing.or_else(|| keys.ring().signing());
    let kid = signing.as_ref().map(|key| key.kid().to_owned());
    let usable = keys.install_key_pairs(signing, &published)?;
    match kid {
        Some(kid) if usable => {
            if before.as_deref() != Some(kid.as_str()) {
                tracing::info!(%kid, "now signing with another key");
            }
        }
        _ => tracing::error!(
            kid = ?kid,
            from_file = pairs.policy.file_key.is_some(),
            "no usable signing key (retired, revoked, or not openable here): no access token \
             is issued until one is; with --jwt-signing-key-file, put a new key in the file \
             and restart"
        ),
    }
    Ok(())
}
