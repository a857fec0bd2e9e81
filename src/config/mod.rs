//! Every setting, parsed once by clap from flags with environment fallbacks. Nothing else in
//! the code reads the environment. Secret values never appear in `Debug` output or `--help`.
//!
//! - this file: the command line (`Cli`, `Command`) and `Settings`, a doc line per setting
//! - `derived`: the checks clap cannot make, and values derived from several settings
//! - `secret`: `Secret`, and secrets given in files (`NAME_FILE`)
//! - `smtp_url`: `--smtp-url` parsed (how the connection to the mail server is protected)
//! - `webauthn`: the passkey relying party (RP ID and origins) the settings make

use std::num::NonZeroU32;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

mod derived;
mod parse;
mod secret;
mod smtp_url;
#[cfg(test)]
mod tests;
pub mod webauthn;

use parse::{parse_header_name, parse_network};
use secret::secret_or_file;

pub use derived::decode_base64;
pub use secret::Secret;
pub use smtp_url::{Security, SmtpUrl};

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
    /// Manage the key pairs access tokens are signed with (`--jwt-algorithm ES256` or
    /// `EdDSA`). Running servers follow a change within 10 seconds; a revoked key's tokens are
    /// refused at once.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Re-encrypt every secret Roster stores under a new encryption key: the one in
    /// `--new-encryption-key` (set it as the encryption key before the next start), or in
    /// development without a configured key, a new one kept in the database.
    RotateEncryptionKey,
}

/// `roster keys <action>`.
#[derive(Debug, Clone, Subcommand)]
pub enum KeysAction {
    /// List every key: kid, algorithm, state and dates.
    List,
    /// Publish a new key as NEXT (verifiers learn it before it signs).
    Add {
        /// The key's algorithm [default: --jwt-algorithm]
        #[arg(long, value_enum, ignore_case = true)]
        algorithm: Option<JwtAlgorithm>,
    },
    /// Make the NEXT key (or a new one) CURRENT now; the current one becomes PREVIOUS.
    Rotate {
        /// Which algorithm's keys [default: --jwt-algorithm]
        #[arg(long, value_enum, ignore_case = true)]
        algorithm: Option<JwtAlgorithm>,
    },
    /// Unpublish a PREVIOUS key (ending its grace now) or a NEXT one.
    Retire {
        /// The key's kid, as `roster keys list` shows it (it may begin with `-`).
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
    /// Refuse every token of a key from the next request on (a leaked key); if it was
    /// CURRENT, another signs at once.
    Revoke {
        /// The key's kid, as `roster keys list` shows it (it may begin with `-`).
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
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

    /// How access tokens are signed: `HS256` (the JWT secret), or `ES256` / `EdDSA` (a key
    /// pair kept in the database, its private part encrypted, its public part published at
    /// `/.well-known/jwks.json` so other services verify tokens on their own).
    #[arg(
        long,
        env = "ROSTER_JWT_ALGORITHM",
        value_enum,
        ignore_case = true,
        default_value = "HS256",
        global = true
    )]
    pub jwt_algorithm: JwtAlgorithm,

    /// `iss` of every access token, and `issuer` in `/.well-known/openid-configuration`.
    #[arg(
        long,
        env = "ROSTER_JWT_ISSUER",
        default_value = "roster",
        global = true
    )]
    pub jwt_issuer: String,

    /// `aud` of every access token.
    #[arg(
        long,
        env = "ROSTER_JWT_AUDIENCE",
        default_value = "roster",
        global = true
    )]
    pub jwt_audience: String,

    /// The key that encrypts secrets Roster must read back (TOTP secrets, private signing
    /// keys): 32 random bytes in base64 (`openssl rand -base64 32`). Unset in development: one
    /// is generated on first start and kept in the database; production refuses to start
    /// without it.
    #[arg(
        long,
        env = "ROSTER_ENCRYPTION_KEY",
        global = true,
        hide_env_values = true
    )]
    pub encryption_key: Option<Secret>,

    /// A file holding the encryption key (a trailing newline is ignored), instead of
    /// `--encryption-key`.
    #[arg(long, env = "ROSTER_ENCRYPTION_KEY_FILE", global = true)]
    pub encryption_key_file: Option<PathBuf>,

    /// The encryption key to move to (`roster rotate-encryption-key`). A server given it as
    /// well seals new values with it and opens values under either key.
    #[arg(
        long,
        env = "ROSTER_NEW_ENCRYPTION_KEY",
        global = true,
        hide_env_values = true
    )]
    pub new_encryption_key: Option<Secret>,

    /// A file holding the new encryption key, instead of `--new-encryption-key`.
    #[arg(long, env = "ROSTER_NEW_ENCRYPTION_KEY_FILE", global = true)]
    pub new_encryption_key_file: Option<PathBuf>,

    /// Seconds between automatic rotations of the signing key (ES256, EdDSA); 0: by hand
    /// (`roster keys rotate`). The next key is published 10 minutes before it signs.
    #[arg(
        long,
        env = "ROSTER_JWT_KEY_ROTATION_INTERVAL",
        default_value = "0",
        global = true
    )]
    pub jwt_key_rotation_interval: u32,

    /// A PKCS#8 PEM private key (P-256 for ES256, Ed25519 for EdDSA) to sign with, instead of
    /// a key made and kept encrypted in the database. Its public part is published.
    #[arg(long, env = "ROSTER_JWT_SIGNING_KEY_FILE", global = true)]
    pub jwt_signing_key_file: Option<PathBuf>,

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

    /// Most database connections in the pool; default: 10 on PostgreSQL, on SQLite two per
    /// core (at least 2, at most 10).
    #[arg(long, env = "ROSTER_DATABASE_MAX_CONNECTIONS", global = true)]
    pub database_max_connections: Option<NonZeroU32>,

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

    /// Seconds a `reauthenticate` counts as recent proof for what asks for it (an email change
    /// without `currentPassword`).
    #[arg(
        long,
        env = "ROSTER_REAUTHENTICATION_WINDOW",
        default_value = "300",
        global = true
    )]
    pub reauthentication_window: u32,

    /// Whose accounts must hold a second factor: `off`, `admins` or `all`. A covered account
    /// without one can sign in, but its token serves only self-service and enrolment until it
    /// sets one up.
    #[arg(
        long,
        env = "ROSTER_REQUIRE_MFA",
        value_enum,
        default_value = "off",
        global = true
    )]
    pub require_mfa: RequireMfa,

    /// The name authenticator apps show beside a TOTP factor (the `issuer` of its
    /// `otpauth://` URI).
    #[arg(
        long,
        env = "ROSTER_TOTP_ISSUER",
        default_value = "Roster",
        global = true
    )]
    pub totp_issuer: String,

    /// Where a provider sign-in may send the browser back with its one-time code: exact URIs,
    /// comma-separated (no prefixes, no wildcards); default `{public-url}/oauth/complete`, the
    /// console's page.
    #[arg(
        long,
        env = "ROSTER_OAUTH_REDIRECT_URIS",
        value_delimiter = ',',
        global = true
    )]
    pub oauth_redirect_uris: Vec<String>,

    /// PEM file of certificate authorities to trust, besides the public ones, when calling
    /// identity providers (a company's own issuer).
    #[arg(long, env = "ROSTER_EXTRA_CA_FILE", global = true)]
    pub extra_ca_file: Option<std::path::PathBuf>,

    /// The WebAuthn relying-party ID passkeys are bound to: a domain name, the host of every
    /// origin or a parent of it (`example.com` serves `app.example.com` and
    /// `auth.example.com`). Default: the host of `--public-url` (`localhost` when that is a
    /// loopback address: WebAuthn refuses IP addresses). Passkeys cannot move to another RP ID.
    #[arg(long, env = "ROSTER_WEBAUTHN_RP_ID", global = true)]
    pub webauthn_rp_id: Option<String>,

    /// The name browsers show when they create a passkey.
    #[arg(
        long,
        env = "ROSTER_WEBAUTHN_RP_NAME",
        default_value = "Roster",
        global = true
    )]
    pub webauthn_rp_name: String,

    /// The origins passkey ceremonies may come from (the pages that call
    /// `navigator.credentials`), comma-separated. Default: the origin of `--public-url`. Each
    /// must be inside the RP ID, and `https://` (`http://` only for `localhost`).
    #[arg(
        long,
        env = "ROSTER_WEBAUTHN_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub webauthn_origins: Vec<String>,

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

/// `--require-mfa`: whose accounts must hold a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RequireMfa {
    Off,
    Admins,
    All,
}

impl RequireMfa {
    /// Whether an account of `role` must hold a second factor.
    pub fn covers(self, role: crate::db::entities::users::Role) -> bool {
        match self {
            Self::Off => false,
            Self::Admins => role == crate::db::entities::users::Role::Admin,
            Self::All => true,
        }
    }
}

/// What `--env` says about the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

/// How access tokens are signed (`--jwt-algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with the JWT secret: only Roster can verify.
    #[value(name = "HS256")]
    Hs256,
    /// ECDSA on P-256 with SHA-256.
    #[value(name = "ES256")]
    Es256,
    /// Ed25519.
    #[value(name = "EdDSA")]
    EdDsa,
}

impl JwtAlgorithm {
    /// Whether tokens are signed with a key pair whose public part is published.
    pub fn is_asymmetric(self) -> bool {
        self != Self::Hs256
    }

    /// The name in a token's `alg` header, a JWK's `alg` and the database.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
        }
    }
}

/// The database Roster uses when none is configured: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://roster.db?mode=rwc";

/// Where the management listener binds when `--management-bind` is not given: loopback, so
/// only this machine (a Prometheus agent beside Roster) can scrape it.
pub const DEFAULT_MANAGEMENT_BIND: &str = "127.0.0.1:9464";

/// The size of the encryption key: AES-256.
pub const ENCRYPTION_KEY_BYTES: usize = 32;

/// The smallest JWT secret accepted: 256 bits, the HS256 key size.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}
