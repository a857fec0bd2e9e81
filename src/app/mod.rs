//! Wiring: from settings to a running server. `build` connects, migrates and loads the keys;
//! `bind` binds the public and the management listener; `serve` runs on listeners the caller
//! bound (port 0 in tests) until the shutdown future resolves, with the background work
//! (`housekeeping`, the mail delivery task).

mod housekeeping;
pub mod key_commands;
pub mod signing_keys;

use std::future::Future;
use std::net::SocketAddr;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::net::TcpListener;

use std::num::NonZeroU32;

use crate::auth::password::Passwords;
use crate::auth::rate_limits::RateLimits;
use crate::auth::tokens::TokenKeys;
use crate::config::Settings;
use crate::db;
use crate::error::AppError;
use crate::http::{self, HttpOptions};
use crate::mail::Mailer;
use crate::mail::delivery::{self, MailQueue};
use crate::services::keys::{self as stored, SecretSource};
use crate::state::{AppState, State};
use housekeeping::{Retention, prune_periodically};

/// A start-up failure, with a message for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid setting: {0}")]
    Config(String),
    #[error("cannot connect to the database: {0}")]
    Connect(sea_orm::DbErr),
    #[error("migration failed: {0}")]
    Migrate(sea_orm::DbErr),
    #[error("start-up failed: {0}")]
    Init(String),
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    #[error("server error: {0}")]
    Serve(std::io::Error),
    /// A command that the data does not allow, with why.
    #[error("{0}")]
    Refused(String),
}

impl From<AppError> for StartupError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Internal(cause) => Self::Init(cause.to_string()),
            AppError::Conflict { message, .. } => Self::Refused(message),
            other => Self::Init(other.message()),
        }
    }
}

/// Connects to the configured database.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, StartupError> {
    settings.validate().map_err(StartupError::Config)?;
    let url = settings.database_url().map_err(StartupError::Config)?;
    let chosen = settings.database_max_connections.map(NonZeroU32::get);
    let pool = chosen.unwrap_or_else(|| db::default_pool_size(url.expose()));
    let db = db::connect(url.expose(), pool)
        .await
        .map_err(StartupError::Connect)?;
    // The URL may hold a password: only the backend and the pool are named.
    tracing::info!(
        backend = ?db.get_database_backend(),
        pool,
        "database connected; {}",
        if chosen.is_some() {
            "pool size from ROSTER_DATABASE_MAX_CONNECTIONS"
        } else {
            "default pool size (ROSTER_DATABASE_MAX_CONNECTIONS sets it)"
        }
    );
    Ok(db)
}

/// Applies every pending migration.
///
/// On PostgreSQL, replicas starting at once would race to apply the same steps; they take
/// turns under a session advisory lock, held by a connection of its own (a pool of one, so the
/// migrator runs on the session that holds the lock). SQLite serialises writers by itself.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StartupError> {
    if !db::is_postgres(db) {
        return Migrator::up(db, None).await.map_err(StartupError::Migrate);
    }
    let options = db.get_postgres_connection_pool().connect_options();
    let single = sea_orm::sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with((*options).clone())
        .await
        .map_err(|e| {
            StartupError::Connect(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
                e.into(),
            )))
        })?;
    let session = sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(single);
    session
        .execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .await
        .map_err(StartupError::Migrate)?;
    let migrated = Migrator::up(&session, None).await;
    // Closing the session releases the lock even if the unlock fails.
    let _ = session
        .execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
        .await;
    let _ = session.close().await;
    migrated.map_err(StartupError::Migrate)
}

/// The advisory-lock key Roster's migrations run under ("roster" in ASCII).
const MIGRATION_LOCK: i64 = 0x726f_7374_6572;

/// The shared state for `db`: token keys (the JWT secret configured or kept in the database)
/// and the password hasher.
pub async fn state(db: DatabaseConnection, settings: &Settings) -> Result<AppState, StartupError> {
    let configured = settings
        .configured_jwt_secret()
        .map_err(StartupError::Config)?;
    let (secret, source) = stored::jwt_secret(&db, configured.as_ref()).await?;
    match source {
        SecretSource::Configured => tracing::info!("using the configured JWT secret"),
        SecretSource::Generated => tracing::warn!(
            "no ROSTER_JWT_SECRET set: generated a random JWT secret and stored it in the database \
             (replicas sharing this database agree on it); in production, set ROSTER_JWT_SECRET \
             to at least 32 random bytes, e.g. `openssl rand -base64 48`"
        ),
        SecretSource::Stored => tracing::info!(
            "using the JWT secret stored in the database (ROSTER_JWT_SECRET is not set)"
        ),
    }
    let keys = TokenKeys::new(
        secret.expose().as_bytes(),
        settings.access_token_ttl.get(),
        settings.refresh_token_ttl.get(),
    )
    .with_session_max_age(settings.session_max_age.get())
    .with_claims(&settings.jwt_issuer, &settings.jwt_audience);
    let encryption = signing_keys::encryption_keys(&db, settings).await?;
    let encryption_keys = encryption.0.clone();
    let key_pairs = signing_keys::start(&db, &keys, settings, encryption).await?;
    let hashes = settings
        .max_concurrent_hashes
        .map(|n| n.get() as usize)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        });
    let passwords = Passwords::new(hashes).await?;
    let rate_limits = RateLimits::new(NonZeroU32::new(settings.rate_limit));
    let mailer = Mailer::from_settings(settings).map_err(StartupError::Config)?;
    let identity = crate::services::identity::Identity::from_settings(settings)
        .map_err(StartupError::Config)?;
    let fake_key = stored::passkey_fake_key(&db, &encryption_keys).await?;
    let passkeys = crate::services::passkeys::Passkeys::new(settings, &fake_key)
        .map_err(StartupError::Config)?;
    Ok(AppState::new(State {
        db,
        keys,
        passwords,
        rate_limits,
        mail: MailQueue::new(mailer),
        require_verified_email: settings.require_verified_email,
        reauthentication_window_secs: i64::from(settings.reauthentication_window),
        require_mfa: settings.require_mfa,
        totp_issuer: settings.totp_issuer.clone(),
        encryption: encryption_keys,
        identity,
        passkeys,
        key_pairs,
    }))
}

/// Connects, migrates and builds the state: everything `serve` needs.
pub async fn build(settings: &Settings) -> Result<AppState, StartupError> {
    let db = connect(settings).await?;
    migrate(&db).await?;
    state(db, settings).await
}

/// Where a server listens: the public API, and the private management listener (`/metrics`,
/// `/health`) unless it was skipped.
pub struct Listeners {
    pub public: TcpListener,
    pub management: Option<TcpListener>,
}

/// Serves `state` on `listeners` until `shutdown` resolves, then lets in-flight requests
/// finish.
pub async fn serve(
    listeners: Listeners,
    state: AppState,
    settings: &Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartupError> {
    let bound = listeners.public.local_addr().map_err(StartupError::Serve)?;
    let mut options = HttpOptions::from_settings(settings, settings.public_url(bound));
    if settings.metrics {
        options.metrics = Some(crate::metrics::install().map_err(StartupError::Config)?);
    }
    log_choices(settings, &options);
    state
        .identity
        .listening_at(&options.public_url, &settings.oauth_redirect_uris);
    state
        .passkeys
        .listening_at(&options.public_url)
        .map_err(StartupError::Config)?;
    let pruning = tokio::spawn(prune_periodically(
        state.db.clone(),
        Retention::from_settings(settings),
    ));
    let delivering = tokio::spawn(delivery::run(
        state.db.clone(),
        state.mail.clone(),
        options.public_url.clone(),
    ));
    let refreshing = state.key_pairs.clone().map(|pairs| {
        tokio::spawn(signing_keys::refresh_periodically(
            state.db.clone(),
            state.keys.clone(),
            pairs,
        ))
    });
    let management = http::management_router(state.db.clone(), &options);
    let app = http::router(state, &options);
    // One shutdown for both listeners.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let until_stopped = |mut stopping: tokio::sync::watch::Receiver<bool>| async move {
        // An error means the sender is gone, which only happens once it has sent.
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    let signal = async move {
        shutdown.await;
        stop.send_replace(true);
    };
    let public = http::serve::serve(
        listeners.public,
        app,
        settings.max_connections.get(),
        until_stopped(stopping.clone()),
    );
    let managing = async {
        match listeners.management {
            Some(listener) => {
                http::serve::serve(
                    listener,
                    management,
                    http::MANAGEMENT_CONNECTIONS,
                    until_stopped(stopping),
                )
                .await
            }
            None => Ok(()),
        }
    };
    let ((), served, managed) = tokio::join!(signal, public, managing);
    pruning.abort();
    if let Some(refreshing) = refreshing {
        refreshing.abort();
    }
    // A mail being sent when the server stops keeps its claim until the lease runs out, then
    // goes out from whichever replica looks next: at least once, never lost.
    delivering.abort();
    served.and(managed).map_err(StartupError::Serve)
}

/// Says at start what this mode serves, so an operator sees it in the first lines of the log.
fn log_choices(settings: &Settings, options: &HttpOptions) {
    let on_off = |on: bool| if on { "on" } else { "off" };
    if settings.is_production() {
        tracing::info!("production mode: introspection off, field suggestions off");
        tracing::info!(
            "production mode: GraphiQL {}{}",
            on_off(options.graphiql),
            if options.graphiql {
                " (ROSTER_GRAPHIQL=true)"
            } else {
                " (ROSTER_GRAPHIQL=true turns it on)"
            }
        );
        tracing::info!(
            "production mode: GET /schema.graphql {}{}",
            on_off(options.public_schema),
            if options.public_schema {
                " (ROSTER_PUBLIC_SCHEMA=true)"
            } else {
                " (ROSTER_PUBLIC_SCHEMA=true turns it on)"
            }
        );
    } else {
        tracing::info!(
            "development mode: introspection on, field suggestions on, GraphiQL {}; set \
             ROSTER_ENV=production in production",
            on_off(options.graphiql)
        );
    }
    tracing::info!("{}", Mailer::describe(settings));
    if settings.require_verified_email {
        tracing::info!("unverified accounts are limited to verifying (--require-verified-email)");
    }
    if settings.trusted_proxies.is_empty() {
        tracing::info!("client addresses: the peer's (no trusted proxies)");
    } else {
        tracing::info!(
            proxies = ?settings.trusted_proxies,
            header = %settings.client_ip_header,
            "client addresses: from trusted proxies' header"
        );
    }
}

/// Binds the configured addresses: the public one, which must bind, and the management one,
/// which must bind when it was chosen and is skipped with a warning when its default is taken
/// (by another server on this machine, or a second `cargo run`).
pub async fn bind(settings: &Settings) -> Result<Listeners, StartupError> {
    let public = TcpListener::bind(&settings.bind)
        .await
        .map_err(|e| StartupError::Bind(settings.bind.clone(), e))?;
    let bound = public.local_addr().map_err(StartupError::Serve)?;
    if exposes_development(settings, bound) {
        tracing::warn!(
            "development mode on {bound}, which other hosts can reach: its introspection, \
             field suggestions and GraphiQL are meant for this machine; set \
             ROSTER_ENV=production there, or bind 127.0.0.1"
        );
    }
    let (address, chosen) = settings.management_address();
    let management = match TcpListener::bind(address).await {
        Ok(listener) => {
            let bound = listener.local_addr().map_err(StartupError::Serve)?;
            let serves = if settings.metrics {
                "/metrics, /health"
            } else {
                "/health; metrics off"
            };
            tracing::info!("management listening on http://{bound} ({serves})");
            Some(listener)
        }
        Err(error) if chosen => {
            return Err(StartupError::Bind(
                format!("{address} (ROSTER_MANAGEMENT_BIND / --management-bind)"),
                error,
            ));
        }
        Err(error) => {
            tracing::warn!(
                "the management listener's default address {address} is not available \
                 ({error}): serving without it, so no /metrics; set ROSTER_MANAGEMENT_BIND to \
                 another address"
            );
            None
        }
    };
    Ok(Listeners { public, management })
}

/// Whether a development server is bound where other hosts can reach it: its introspection,
/// GraphiQL and generated secret are meant for the machine it runs on.
fn exposes_development(settings: &Settings, bound: SocketAddr) -> bool {
    !settings.is_production() && !bound.ip().to_canonical().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;

    #[test]
    fn only_development_off_loopback_is_exposed() {
        let development = Settings::defaults();
        let mut production = Settings::defaults();
        production.environment = Environment::Production;
        let at = |address: &str| address.parse::<SocketAddr>().unwrap();
        for loopback in [
            "127.0.0.1:8000",
            "127.0.0.2:8000",
            "[::1]:8000",
            "[::ffff:127.0.0.1]:80",
        ] {
            assert!(
                !exposes_development(&development, at(loopback)),
                "{loopback}"
            );
        }
        for reachable in [
            "0.0.0.0:8000",
            "[::]:8000",
            "192.168.1.20:8000",
            "[2001:db8::1]:80",
        ] {
            assert!(
                exposes_development(&development, at(reachable)),
                "{reachable}"
            );
            assert!(
                !exposes_development(&production, at(reachable)),
                "{reachable}"
            );
        }
    }
}
