//! What the settings mean beyond their values: the checks clap cannot make, and the values
//! derived from several settings (the database and SMTP URLs from a value or a file, the
//! public URL, what production turns off).

use lettre::message::Mailbox;

use clap::Parser;

use super::{
    Cli, DEFAULT_DATABASE_URL, DEFAULT_MANAGEMENT_BIND, ENCRYPTION_KEY_BYTES, Environment,
    MIN_JWT_SECRET_BYTES, Secret, Settings, SmtpUrl, secret_or_file,
};

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
        let encryption_key = self.configured_encryption_key()?;
        let new_key = self.configured_new_encryption_key()?;
        if new_key.is_some() && encryption_key.is_none() {
            return Err(
                "ROSTER_NEW_ENCRYPTION_KEY is the key to move to from ROSTER_ENCRYPTION_KEY, \
                 which is not set"
                    .to_owned(),
            );
        }
        let key_file = self.jwt_signing_key_file.is_some();
        if key_file && !self.jwt_algorithm.is_asymmetric() {
            return Err(
                "--jwt-signing-key-file needs --jwt-algorithm ES256 or EdDSA (HS256 signs with \
                 the JWT secret)"
                    .to_owned(),
            );
        }
        if key_file && self.jwt_key_rotation_interval > 0 {
            return Err(
                "--jwt-key-rotation-interval rotates keys kept in the database; with \
                 --jwt-signing-key-file, rotate by replacing the file"
                    .to_owned(),
            );
        }
        if self.is_production() && encryption_key.is_none() {
            return Err(
                "production mode keeps secrets in the database encrypted (TOTP secrets, and the \
                 private signing keys of ES256 and EdDSA): set ROSTER_ENCRYPTION_KEY or \
                 ROSTER_ENCRYPTION_KEY_FILE (32 random bytes in base64, e.g. \
                 `openssl rand -base64 32`)"
                    .to_owned(),
            );
        }
        self.database_url()?;
        if let Some(url) = self.smtp()? {
            SmtpUrl::parse(url.expose())
                .map_err(|e| format!("invalid ROSTER_SMTP_URL / --smtp-url: {e}"))?;
        }
        self.mail_from
            .parse::<Mailbox>()
            .map_err(|e| format!("invalid ROSTER_MAIL_FROM / --mail-from: {e}"))?;
        if let Some(url) = &self.public_url {
            let parsed = url::Url::parse(url)
                .map_err(|e| format!("invalid ROSTER_PUBLIC_URL / --public-url: {e}"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err("ROSTER_PUBLIC_URL must be an http:// or https:// URL".to_owned());
            }
        }
        for uri in &self.oauth_redirect_uris {
            let parsed = url::Url::parse(uri).map_err(|e| {
                format!("invalid ROSTER_OAUTH_REDIRECT_URIS / --oauth-redirect-uris entry: {e}")
            })?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.fragment().is_some() {
                return Err(
                    "each ROSTER_OAUTH_REDIRECT_URIS entry must be an http:// or https:// URL \
                     without a #fragment"
                        .to_owned(),
                );
            }
        }
        // Passkey settings that cannot work refuse the start here, before the database; the
        // port of an unset public URL is not known yet and matters to none of the checks.
        let public_url = self
            .public_url
            .as_deref()
            .unwrap_or("http://127.0.0.1:8000");
        super::webauthn::relying_party(&super::webauthn::Configured::of(self), public_url)?;
        if let Some(path) = &self.extra_ca_file
            && !path.is_file()
        {
            return Err(format!(
                "ROSTER_EXTRA_CA_FILE / --extra-ca-file: {} is not a readable file",
                path.display()
            ));
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

    /// The encryption key the operator configured (`--encryption-key` or the file), checked
    /// to be 32 bytes in base64; `None` when neither is set. Messages never repeat the value.
    pub fn configured_encryption_key(&self) -> Result<Option<Secret>, String> {
        let key = secret_or_file(
            self.encryption_key.as_ref(),
            self.encryption_key_file.as_deref(),
            "ROSTER_ENCRYPTION_KEY",
        )?;
        if let Some(key) = &key {
            check_encryption_key(
                key,
                "ROSTER_ENCRYPTION_KEY / --encryption-key / ROSTER_ENCRYPTION_KEY_FILE",
            )?;
        }
        Ok(key)
    }
}

impl Settings {
    /// The new encryption key (`--new-encryption-key` or its file), checked like the key.
    pub fn configured_new_encryption_key(&self) -> Result<Option<Secret>, String> {
        let key = secret_or_file(
            self.new_encryption_key.as_ref(),
            self.new_encryption_key_file.as_deref(),
            "ROSTER_NEW_ENCRYPTION_KEY",
        )?;
        if let Some(key) = &key {
            check_encryption_key(key, "ROSTER_NEW_ENCRYPTION_KEY / --new-encryption-key")?;
        }
        Ok(key)
    }
}

/// An encryption key is 32 bytes in base64; the message never repeats it.
fn check_encryption_key(key: &Secret, names: &str) -> Result<(), String> {
    let length = decode_base64(key.expose().trim()).map(|bytes| bytes.len());
    if length != Some(ENCRYPTION_KEY_BYTES) {
        return Err(format!(
            "the encryption key ({names}) must be {ENCRYPTION_KEY_BYTES} bytes in base64; \
             generate one with `openssl rand -base64 32`"
        ));
    }
    Ok(())
}

/// Bytes from base64, standard or URL-safe, padded or not: operators paste what their tool
/// printed.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}
