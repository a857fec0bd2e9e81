//! Every setting, parsed once by clap from flags with environment fallbacks. Nothing else in
//! the code reads the environment. Secret values never appear in `Debug` output or `--help`.

use std::fmt;
use std::num::NonZeroU32;

use clap::{Args, Parser, Subcommand};

/// Roster: accounts, sessions, roles, groups and permissions behind one GraphQL API.
#[derive(Debug, Parser)]
#[command(name = "roster", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What the binary does; without a command it serves.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve HTTP (the default).
    Serve,
    /// Manage the database schema without serving.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Create an active ADMIN, or make an existing user an active, undeleted ADMIN.
    CreateSuperuser {
        /// Email address of the administrator.
        #[arg(long)]
        email: String,
        /// Password to set; prompted for when neither this nor the environment gives one.
        #[arg(long, env = "ROSTER_SUPERUSER_PASSWORD", hide_env_values = true)]
        password: Option<Secret>,
    },
    /// Print the GraphQL schema (SDL) that `schema.graphql` holds.
    PrintSchema,
}

/// `roster migrate <action>`.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Undo the last applied migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
}

/// Settings shared by every command; each is a flag (before or after the command) or an
/// environment variable.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://USER:PASSWORD@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://roster.db?mode=rwc",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Secret,

    /// Address to listen on.
    #[arg(
        long,
        env = "ROSTER_BIND",
        default_value = "127.0.0.1:8000",
        global = true
    )]
    pub bind: String,

    /// HMAC key for access tokens, at least 32 bytes. When unset, one is generated on first
    /// start and kept in the database, so restarts and replicas agree.
    #[arg(long, env = "ROSTER_JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// Access-token lifetime in seconds.
    #[arg(
        long,
        env = "ROSTER_ACCESS_TOKEN_TTL",
        default_value = "900",
        global = true
    )]
    pub access_token_ttl: NonZeroU32,

    /// Refresh-token lifetime in seconds, counted from the last login or refresh.
    #[arg(
        long,
        env = "ROSTER_REFRESH_TOKEN_TTL",
        default_value = "1209600",
        global = true
    )]
    pub refresh_token_ttl: NonZeroU32,

    /// Browser origins allowed by CORS, comma-separated; unset allows any origin (tokens
    /// travel in the Authorization header, never in cookies).
    #[arg(
        long,
        env = "ROSTER_CORS_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub cors_origins: Vec<String>,

    /// Most password hashes computed at once (each takes about 19 MiB); default: one per core.
    #[arg(long, env = "ROSTER_MAX_CONCURRENT_HASHES", global = true)]
    pub max_concurrent_hashes: Option<NonZeroU32>,

    /// Most database connections in the pool.
    #[arg(
        long,
        env = "ROSTER_DATABASE_MAX_CONNECTIONS",
        default_value = "10",
        global = true
    )]
    pub database_max_connections: NonZeroU32,

    /// Seconds a request may take before it is answered with 408.
    #[arg(
        long,
        env = "ROSTER_REQUEST_TIMEOUT",
        default_value = "30",
        global = true
    )]
    pub request_timeout: NonZeroU32,

    /// Requests per minute per client address to `register`, `login` and `refreshToken`
    /// (0 turns this limit off). Logins for one account are limited separately.
    #[arg(long, env = "ROSTER_RATE_LIMIT", default_value = "60", global = true)]
    pub rate_limit: u32,

    /// Header holding the client's address when Roster runs behind a proxy you control, such
    /// as `X-Forwarded-For` (its last entry is used) or `X-Real-IP`; unset: the peer address.
    #[arg(long, env = "ROSTER_CLIENT_IP_HEADER", global = true)]
    pub client_ip_header: Option<String>,

    /// Log filter, in `tracing` syntax (`info`, `roster=debug,tower_http=debug`).
    #[arg(long, env = "ROSTER_LOG", default_value = "info", global = true)]
    pub log: String,
}

impl Settings {
    /// The settings a command line without flags gets (used by tests and examples).
    pub fn defaults() -> Self {
        Cli::parse_from(["roster"]).settings
    }

    /// Checks what clap cannot; the message never repeats a secret value (clap's own
    /// "invalid value" errors would).
    pub fn validate(&self) -> Result<(), String> {
        if let Some(secret) = self
            .jwt_secret
            .as_ref()
            .filter(|s| s.expose().len() < MIN_JWT_SECRET_BYTES)
        {
            return Err(format!(
                "ROSTER_JWT_SECRET / --jwt-secret must be at least {MIN_JWT_SECRET_BYTES} bytes \
                 (got {}); generate one with `openssl rand -base64 48`",
                secret.expose().len()
            ));
        }
        Ok(())
    }
}

/// A string that never prints: `Debug` shows `Secret(..)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// The smallest JWT secret accepted: 256 bits, the HS256 key size.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_work_before_and_after_the_command() {
        let before =
            Cli::try_parse_from(["roster", "--bind", "0.0.0.0:1", "print-schema"]).unwrap();
        let after = Cli::try_parse_from(["roster", "print-schema", "--bind", "0.0.0.0:1"]).unwrap();
        assert_eq!(before.settings.bind, "0.0.0.0:1");
        assert_eq!(after.settings.bind, "0.0.0.0:1");
    }

    #[test]
    fn short_jwt_secret_is_refused_and_never_echoed() {
        let cli = Cli::try_parse_from(["roster", "--jwt-secret", "too-short-secret"]).unwrap();
        let text = cli.settings.validate().unwrap_err();
        assert!(text.contains("at least 32 bytes"), "{text}");
        assert!(!text.contains("too-short-secret"), "{text}");
    }

    #[test]
    fn long_jwt_secret_is_accepted() {
        let secret = "x".repeat(MIN_JWT_SECRET_BYTES);
        let cli = Cli::try_parse_from(["roster", "--jwt-secret", &secret]).unwrap();
        assert_eq!(cli.settings.validate(), Ok(()));
    }

    #[test]
    fn secrets_do_not_print_in_debug() {
        let secret = Secret::new("hunter2hunter2hunter2hunter2hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(..)");
    }
}
