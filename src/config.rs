//! Every setting, parsed once by clap from flags with environment fallbacks. Nothing else in
//! the code reads the environment. Secret values never appear in `Debug` output or `--help`.

use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

/// The longest retention in days (beyond it, dates would leave the calendar's range).
const MAX_RETENTION_DAYS: i64 = 36_500;

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
    // Read through `database_url()`, which knows the default and `--database-url-file`.
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://USER:PASSWORD@HOST/DB`
    /// [default: sqlite://roster.db?mode=rwc]
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<Secret>,

    /// A file holding the database URL (a trailing newline is ignored), instead of
    /// `--database-url`: keeps its password out of the environment and the process list.
    #[arg(long, env = "DATABASE_URL_FILE", global = true)]
    pub database_url_file: Option<PathBuf>,

    /// Address to listen on.
    #[arg(
        long,
        env = "ROSTER_BIND",
        default_value = "127.0.0.1:8000",
        global = true
    )]
    pub bind: String,

    /// Address of the private management listener, which serves `GET /metrics` and
    /// `GET /health`. An address given here must bind; the default, when taken, is skipped with
    /// a warning [default: 127.0.0.1:9464]
    #[arg(long, env = "ROSTER_MANAGEMENT_BIND", global = true)]
    pub management_bind: Option<String>,

    /// Most connections served at once; further ones wait to be accepted.
    #[arg(
        long,
        env = "ROSTER_MAX_CONNECTIONS",
        default_value = "1024",
        global = true
    )]
    pub max_connections: NonZeroU32,

    /// HMAC key for access tokens, at least 32 bytes. When neither this nor
    /// `--jwt-secret-file` is set, one is generated on first start and kept in the database,
    /// so restarts and replicas agree (refused in production).
    #[arg(long, env = "ROSTER_JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// A file holding the JWT secret (a trailing newline is ignored): keeps the secret out of
    /// the environment and the process list.
    #[arg(long, env = "ROSTER_JWT_SECRET_FILE", global = true)]
    pub jwt_secret_file: Option<PathBuf>,

    /// `development` or `production`. Production refuses to start without a configured JWT
    /// secret and turns off introspection, field suggestions and GraphiQL.
    #[arg(
        long = "env",
        env = "ROSTER_ENV",
        value_enum,
        default_value = "development",
        global = true
    )]
    pub environment: Environment,

    /// Serve GraphiQL to browsers at `GET /graphql` (default: on, except in production).
    #[arg(
        long,
        env = "ROSTER_GRAPHIQL",
        num_args = 0..=1,
        default_missing_value = "true",
        global = true
    )]
    pub graphiql: Option<bool>,

    /// Serve the SDL at `GET /schema.graphql` (default: on, except in production).
    #[arg(
        long,
        env = "ROSTER_PUBLIC_SCHEMA",
        num_args = 0..=1,
        default_missing_value = "true",
        global = true
    )]
    pub public_schema: Option<bool>,

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
        default_value = "10",
        global = true
    )]
    pub request_timeout: NonZeroU32,

    /// Longest a session lives, in seconds from its login: refreshing never extends it past
    /// this age.
    #[arg(
        long,
        env = "ROSTER_SESSION_MAX_AGE",
        default_value = "2592000",
        global = true
    )]
    pub session_max_age: NonZeroU32,

    /// Requests per minute per client address to `register`, `login`, `refreshToken` and the
    /// recovery mutations (0 turns this limit off). Failed logins are throttled per account besides.
    #[arg(long, env = "ROSTER_RATE_LIMIT", default_value = "60", global = true)]
    pub rate_limit: u32,

    /// Proxies whose word on the client's address is believed: comma-separated addresses or
    /// CIDRs (`10.0.0.0/8,::1`). Default none: the peer address is the client's.
    #[arg(
        long,
        env = "ROSTER_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_network,
        global = true
    )]
    pub trusted_proxies: Vec<IpNet>,

    /// Header in which a trusted proxy passes the client's address: `X-Forwarded-For` (read
    /// right to left past trusted hops; the default) or a one-address header such as
    /// `X-Real-IP`. Believed only from `--trusted-proxies`.
    #[arg(
        long,
        env = "ROSTER_CLIENT_IP_HEADER",
        default_value = "x-forwarded-for",
        value_parser = parse_header_name,
        global = true
    )]
    pub client_ip_header: axum::http::HeaderName,

    /// Where mail goes: `smtp://user:pass@host:587` (STARTTLS), `smtps://user:pass@host:465`
    /// (TLS), `smtp://host:25?tls=none` (a local relay, in the clear). Unset: every mail is
    /// written to the log instead.
    #[arg(long, env = "ROSTER_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<Secret>,

    /// A file holding the SMTP URL (a trailing newline is ignored), instead of `--smtp-url`.
    #[arg(long, env = "ROSTER_SMTP_URL_FILE", global = true)]
    pub smtp_url_file: Option<PathBuf>,

    /// The sender of Roster's mail.
    #[arg(
        long,
        env = "ROSTER_MAIL_FROM",
        default_value = "Roster <roster@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Where the links in mails point (the console, or a frontend serving
    /// `/reset-password` and `/verify-email`); default `http://` + the bind address.
    #[arg(long, env = "ROSTER_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Unverified accounts may log in, but their tokens serve only what verifying needs
    /// (`me`, `mySessions`, `logout`, `revokeSession`, `updateProfile`,
    /// `sendVerificationEmail`, `verifyEmail`, `deleteAccount`).
    #[arg(
        long,
        env = "ROSTER_REQUIRE_VERIFIED_EMAIL",
        num_args = 0..=1,
        default_value = "false",
        default_missing_value = "true",
        global = true
    )]
    pub require_verified_email: bool,

    /// Log filter, in `tracing` syntax (`info`, `roster=debug,tower_http=debug`).
    #[arg(long, env = "ROSTER_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Days audit events are kept (0: for ever; at most 100 years).
    #[arg(
        long,
        env = "ROSTER_AUDIT_RETENTION_DAYS",
        default_value = "90",
        value_parser = clap::value_parser!(u32).range(0..=MAX_RETENTION_DAYS),
        global = true
    )]
    pub audit_retention_days: u32,

    /// Days a session is kept after it ended or expired (its rows, not its validity; at most
    /// 100 years).
    #[arg(
        long,
        env = "ROSTER_SESSION_RETENTION_DAYS",
        default_value = "30",
        value_parser = clap::value_parser!(u32).range(0..=MAX_RETENTION_DAYS),
        global = true
    )]
    pub session_retention_days: u32,

    /// Serve Prometheus metrics at `GET /metrics` on the management listener (`false`: 404).
    #[arg(
        long,
        env = "ROSTER_METRICS",
        num_args = 0..=1,
        default_value = "true",
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        global = true
    )]
    pub metrics: bool,

    /// Serve the web console at `/` (GraphiQL at `/graphql` follows `--graphiql`).
    #[arg(
        long,
        env = "ROSTER_CONSOLE",
        num_args = 0..=1,
        default_value = "true",
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        global = true
    )]
    pub console: bool,

    /// `text` for people, `json` for one JSON object per line.
    #[arg(
        long,
        env = "ROSTER_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
}

/// What `--env` says about the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

impl Settings {
    /// The settings a command line without flags gets (used by tests and examples).
    pub fn defaults() -> Self {
        Cli::parse_from(["roster"]).settings
    }

    /// Checks what clap cannot; the message never repeats a secret value (clap's own
    /// "invalid value" errors would).
    pub fn validate(&self) -> Result<(), String> {
        let secret = self.configured_jwt_secret()?;
        if self.is_production() && secret.is_none() {
            return Err(
                "production mode needs a JWT secret: set ROSTER_JWT_SECRET or \
                 ROSTER_JWT_SECRET_FILE (at least 32 random bytes, e.g. `openssl rand -base64 48`)"
                    .to_owned(),
            );
        }
        self.database_url()?;
        if let Some(url) = self.smtp()? {
            crate::mail::SmtpUrl::parse(url.expose())
                .map_err(|e| format!("invalid ROSTER_SMTP_URL / --smtp-url: {e}"))?;
        }
        self.mail_from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| format!("invalid ROSTER_MAIL_FROM / --mail-from: {e}"))?;
        if let Some(url) = &self.public_url {
            let parsed = url::Url::parse(url)
                .map_err(|e| format!("invalid ROSTER_PUBLIC_URL / --public-url: {e}"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err("ROSTER_PUBLIC_URL must be an http:// or https:// URL".to_owned());
            }
        }
        Ok(())
    }

    /// Where the links in mails point, without a trailing slash: `--public-url`, or the
    /// address the server is bound to (`bound`: the real port when `--bind` says port 0).
    pub fn public_url(&self, bound: std::net::SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned()
    }

    /// The database URL: `--database-url`, or the file `--database-url-file` names, or the
    /// default SQLite file.
    pub fn database_url(&self) -> Result<Secret, String> {
        let configured = secret_or_file(
            self.database_url.as_ref(),
            self.database_url_file.as_deref(),
            "DATABASE_URL",
        )?;
        Ok(configured.unwrap_or_else(|| Secret::new(DEFAULT_DATABASE_URL)))
    }

    /// The SMTP URL, from `--smtp-url` or the file `--smtp-url-file` names, when set to
    /// something (an empty value, as a blank line in a `.env` file gives, means unset).
    pub fn smtp(&self) -> Result<Option<Secret>, String> {
        let configured = secret_or_file(
            self.smtp_url.as_ref(),
            self.smtp_url_file.as_deref(),
            "ROSTER_SMTP_URL",
        )?;
        Ok(configured.filter(|url| !url.expose().trim().is_empty()))
    }

    /// Where the management listener binds, and whether the operator chose it (an address
    /// chosen must bind; the default may be skipped when taken).
    pub fn management_address(&self) -> (&str, bool) {
        match &self.management_bind {
            Some(address) => (address, true),
            None => (DEFAULT_MANAGEMENT_BIND, false),
        }
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    /// Whether GraphiQL is served: `--graphiql` when given, else everywhere but production.
    pub fn graphiql_enabled(&self) -> bool {
        self.graphiql.unwrap_or(!self.is_production())
    }

    /// Whether `GET /schema.graphql` is served: `--public-schema` when given, else everywhere
    /// but production.
    pub fn public_schema_enabled(&self) -> bool {
        self.public_schema.unwrap_or(!self.is_production())
    }

    /// Introspection and field suggestions: off in production.
    pub fn introspection_enabled(&self) -> bool {
        !self.is_production()
    }

    /// The JWT secret the operator configured (`--jwt-secret` or the file), checked for
    /// length; `None` when neither is set.
    pub fn configured_jwt_secret(&self) -> Result<Option<Secret>, String> {
        let secret = secret_or_file(
            self.jwt_secret.as_ref(),
            self.jwt_secret_file.as_deref(),
            "ROSTER_JWT_SECRET",
        )?;
        if let Some(secret) = secret
            .as_ref()
            .filter(|s| s.expose().len() < MIN_JWT_SECRET_BYTES)
        {
            return Err(format!(
                "the JWT secret (ROSTER_JWT_SECRET / --jwt-secret / ROSTER_JWT_SECRET_FILE) must \
                 be at least {MIN_JWT_SECRET_BYTES} bytes (got {}); generate one with \
                 `openssl rand -base64 48`",
                secret.expose().len()
            ));
        }
        Ok(secret)
    }
}

/// The database Roster uses when none is configured: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://roster.db?mode=rwc";

/// Where the management listener binds when `--management-bind` is not given: loopback, so
/// only this machine (a Prometheus agent beside Roster) can scrape it.
pub const DEFAULT_MANAGEMENT_BIND: &str = "127.0.0.1:9464";

/// A secret given as a value (`NAME`) or in a file (`NAME_FILE`), never both; a file loses
/// one trailing newline. Messages name the settings, never the value.
fn secret_or_file(
    value: Option<&Secret>,
    file: Option<&Path>,
    name: &str,
) -> Result<Option<Secret>, String> {
    match (value, file) {
        (Some(_), Some(_)) => Err(format!("set {name} or {name}_FILE, not both")),
        (Some(value), None) => Ok(Some(value.clone())),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read {name}_FILE {}: {error}", path.display()))?;
            let text = text
                .strip_suffix('\n')
                .map(|rest| rest.strip_suffix('\r').unwrap_or(rest))
                .unwrap_or(&text);
            Ok(Some(Secret::new(text)))
        }
        (None, None) => Ok(None),
    }
}

/// An address or a CIDR: `10.0.0.0/8`, `::1` (one host).
fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is not an IP address or CIDR (such as 10.0.0.0/8)"))
}

fn parse_header_name(text: &str) -> Result<axum::http::HeaderName, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a valid header name"))
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
    fn production_needs_a_configured_secret() {
        let cli = Cli::try_parse_from(["roster", "--env", "production"]).unwrap();
        let text = cli.settings.validate().unwrap_err();
        assert!(text.contains("ROSTER_JWT_SECRET_FILE"), "{text}");
        assert!(!cli.settings.graphiql_enabled());
        assert!(!cli.settings.introspection_enabled());
        let cli = Cli::try_parse_from(["roster", "--env", "production", "--graphiql"]).unwrap();
        assert!(cli.settings.graphiql_enabled());
        assert!(Settings::defaults().graphiql_enabled());
    }

    #[test]
    fn the_secret_file_loses_its_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        let secret = "s".repeat(MIN_JWT_SECRET_BYTES);
        std::fs::write(&path, format!("{secret}\n")).unwrap();
        let cli =
            Cli::try_parse_from(["roster", "--jwt-secret-file", path.to_str().unwrap()]).unwrap();
        assert_eq!(
            cli.settings.configured_jwt_secret().unwrap(),
            Some(Secret::new(secret))
        );
        std::fs::write(&path, "short\n").unwrap();
        let text = cli.settings.configured_jwt_secret().unwrap_err();
        assert!(
            text.contains("at least 32 bytes") && !text.contains("short"),
            "{text}"
        );
    }

    #[test]
    fn the_database_and_smtp_urls_can_come_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("database-url");
        let smtp = dir.path().join("smtp-url");
        std::fs::write(&database, "postgres://roster:s3cret@db/roster\r\n").unwrap();
        std::fs::write(&smtp, "smtp://mailer:pa55@127.0.0.1:2525?tls=none\n").unwrap();
        let cli = Cli::try_parse_from([
            "roster",
            "--database-url-file",
            database.to_str().unwrap(),
            "--smtp-url-file",
            smtp.to_str().unwrap(),
        ])
        .unwrap();
        assert_eq!(cli.settings.validate(), Ok(()));
        assert_eq!(
            cli.settings.database_url().unwrap(),
            Secret::new("postgres://roster:s3cret@db/roster")
        );
        assert_eq!(
            cli.settings.smtp().unwrap(),
            Some(Secret::new("smtp://mailer:pa55@127.0.0.1:2525?tls=none"))
        );
        // Neither given: the SQLite default, and no mail server.
        let defaults = Settings::defaults();
        assert_eq!(
            defaults.database_url().unwrap(),
            Secret::new(DEFAULT_DATABASE_URL)
        );
        assert_eq!(defaults.smtp().unwrap(), None);
    }

    #[test]
    fn a_secret_given_twice_or_in_a_missing_file_is_refused_without_its_value() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "postgres://roster:s3cret@db/roster\n").unwrap();
        let file = file.to_str().unwrap();
        for (flags, names) in [
            (
                [
                    "--database-url",
                    "postgres://roster:other@db/roster",
                    "--database-url-file",
                    file,
                ],
                "DATABASE_URL or DATABASE_URL_FILE",
            ),
            (
                [
                    "--smtp-url",
                    "smtp://mailer:other@mail",
                    "--smtp-url-file",
                    file,
                ],
                "ROSTER_SMTP_URL or ROSTER_SMTP_URL_FILE",
            ),
        ] {
            let cli = Cli::try_parse_from(std::iter::once("roster").chain(flags)).unwrap();
            let text = cli.settings.validate().unwrap_err();
            assert_eq!(text, format!("set {names}, not both"));
        }
        let missing = dir.path().join("missing");
        let cli = Cli::try_parse_from(["roster", "--database-url-file", missing.to_str().unwrap()])
            .unwrap();
        let text = cli.settings.validate().unwrap_err();
        assert!(text.starts_with("cannot read DATABASE_URL_FILE"), "{text}");
    }

    #[test]
    fn the_management_listener_defaults_to_loopback_and_says_when_it_was_chosen() {
        assert_eq!(
            Settings::defaults().management_address(),
            ("127.0.0.1:9464", false)
        );
        let cli = Cli::try_parse_from(["roster", "--management-bind", "10.0.0.5:9464"]).unwrap();
        assert_eq!(cli.settings.management_address(), ("10.0.0.5:9464", true));
    }

    #[test]
    fn production_hides_the_schema_unless_asked() {
        assert!(Settings::defaults().public_schema_enabled());
        let cli = Cli::try_parse_from(["roster", "--env", "production"]).unwrap();
        assert!(!cli.settings.public_schema_enabled());
        let cli =
            Cli::try_parse_from(["roster", "--env", "production", "--public-schema"]).unwrap();
        assert!(cli.settings.public_schema_enabled());
        let cli = Cli::try_parse_from(["roster", "--public-schema", "false"]).unwrap();
        assert!(!cli.settings.public_schema_enabled());
    }

    #[test]
    fn trusted_proxies_take_addresses_and_cidrs_and_refuse_the_rest() {
        let cli = Cli::try_parse_from(["roster", "--trusted-proxies", "10.0.0.0/8, ::1"]).unwrap();
        assert_eq!(
            cli.settings.trusted_proxies,
            vec![
                "10.0.0.0/8".parse::<IpNet>().unwrap(),
                "::1/128".parse().unwrap()
            ]
        );
        assert!(Cli::try_parse_from(["roster", "--trusted-proxies", "10.0.0/8"]).is_err());
        assert!(Cli::try_parse_from(["roster", "--trusted-proxies", "proxy.local"]).is_err());
    }

    #[test]
    fn secrets_do_not_print_in_debug() {
        let secret = Secret::new("hunter2hunter2hunter2hunter2hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(..)");
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}
