//! `AppError`: the one error type services return. Every variant is something a client can act
//! on, and every message is safe to show; internal causes are logged once, when the error is
//! converted for a response, and surface as "internal error". Database errors are mapped in
//! one place (`From<DbErr>`): a unique violation becomes `CONFLICT` on the field its index
//! guards.
//!
//! Nothing here knows of GraphQL: how a response shows an `AppError` (`extensions.code`,
//! `fields`, `retryAfter`, `reason`) is `From<AppError> for async_graphql::Error`, in
//! `graphql::errors`. `AppError` deliberately does not implement `Display`: async-graphql turns
//! any `Display` error into a GraphQL error without `extensions.code`, so without `Display` the
//! only way into a response is that conversion, which always sets the code.

use std::collections::BTreeMap;

use sea_orm::{DbErr, SqlErr, TransactionError};

/// Per-field messages for `BAD_USER_INPUT`: `{"password": ["too short"]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// Records `message` against `field`.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, else the `BAD_USER_INPUT` error carrying it all.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::InvalidInput(self))
        }
    }

    /// One field, one message.
    pub fn single(field: &str, message: impl Into<String>) -> AppError {
        let mut errors = Self::default();
        errors.add(field, message);
        AppError::InvalidInput(errors)
    }

    pub fn fields(&self) -> &BTreeMap<String, Vec<String>> {
        &self.0
    }
}

/// What went wrong, in terms a client can act on.
#[derive(Debug)]
pub enum AppError {
    /// No, or no valid, credentials: "log in again".
    Unauthenticated(&'static str),
    /// Authenticated, but not allowed.
    Forbidden(&'static str),
    /// `--require-verified-email`: this token serves only what an unverified account may do.
    /// `FORBIDDEN` with `extensions.reason` `EMAIL_NOT_VERIFIED`.
    EmailNotVerified,
    NotFound(&'static str),
    /// A refusal with an `extensions.reason` beyond its code (API.md, "Planned additions").
    Refused(Reason),
    /// A unique value is taken (`field` names it) or a rule such as "keep one active admin".
    Conflict {
        message: String,
        field: Option<&'static str>,
    },
    InvalidInput(FieldErrors),
    TooManyRequests {
        retry_after_secs: u64,
    },
    /// Anything else. The cause is logged when the error is converted, never shown.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

/// Refusals that carry an `extensions.reason` (and sometimes more a client acts on).
#[derive(Debug)]
pub enum Reason {
    /// FORBIDDEN: the first factor checked out; the second is awaited under this challenge.
    SecondFactorRequired(Challenge),
    /// FORBIDDEN: prove again (`reauthenticate`) with one of `methods` first.
    ReauthenticationRequired { methods: Vec<&'static str> },
    /// FORBIDDEN: `--require-mfa` covers the account and it holds no second factor.
    MfaEnrollmentRequired,
    /// UNAUTHENTICATED: a wrong, or already used, second-factor code.
    InvalidSecondFactor,
    /// UNAUTHENTICATED: an unknown, used, expired, exhausted or voided challenge.
    ChallengeExpired,
    /// CONFLICT: the account holds as many of these as it may.
    LimitReached(&'static str),
    /// CONFLICT: this would remove the account's last way to sign in.
    LastSignInMethod(String),
}

/// What a client needs to finish a sign-in with its second factor.
#[derive(Clone)]
pub struct Challenge {
    /// The opaque token: shown to the client that proved the first factor, never logged.
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// `SecondFactorMethod` names.
    pub methods: Vec<&'static str>,
}

impl std::fmt::Debug for Challenge {
    /// Without the token, so that no debug print of an error can leak it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Challenge")
            .field("expires_at", &self.expires_at)
            .field("methods", &self.methods)
            .finish_non_exhaustive()
    }
}

impl Reason {
    pub fn reason(&self) -> &'static str {
        match self {
            Self::SecondFactorRequired(_) => "SECOND_FACTOR_REQUIRED",
            Self::ReauthenticationRequired { .. } => "REAUTHENTICATION_REQUIRED",
            Self::MfaEnrollmentRequired => "MFA_ENROLLMENT_REQUIRED",
            Self::InvalidSecondFactor => "INVALID_SECOND_FACTOR",
            Self::ChallengeExpired => "CHALLENGE_EXPIRED",
            Self::LimitReached(_) => "LIMIT_REACHED",
            Self::LastSignInMethod(_) => "LAST_SIGN_IN_METHOD",
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::SecondFactorRequired(_)
            | Self::ReauthenticationRequired { .. }
            | Self::MfaEnrollmentRequired => "FORBIDDEN",
            Self::InvalidSecondFactor | Self::ChallengeExpired => "UNAUTHENTICATED",
            Self::LimitReached(_) | Self::LastSignInMethod(_) => "CONFLICT",
        }
    }

    fn message(&self) -> String {
        match self {
            Self::SecondFactorRequired(_) => {
                "a second factor is required: finish with verifySecondFactor".to_owned()
            }
            Self::ReauthenticationRequired { .. } => {
                "confirm it is you first (reauthenticate), then try again".to_owned()
            }
            Self::MfaEnrollmentRequired => {
                "set up a second factor first (startTotpEnrollment)".to_owned()
            }
            Self::InvalidSecondFactor => "invalid second factor".to_owned(),
            Self::ChallengeExpired => {
                "this sign-in has expired or was used: sign in again".to_owned()
            }
            Self::LimitReached(message) => (*message).to_owned(),
            Self::LastSignInMethod(message) => message.clone(),
        }
    }
}

impl From<Reason> for AppError {
    fn from(reason: Reason) -> Self {
        Self::Refused(reason)
    }
}

/// Services return this.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }

    pub fn conflict(field: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            field: Some(field),
        }
    }

    /// The `extensions.code` clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) | Self::EmailNotVerified => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Refused(reason) => reason.code(),
            Self::Conflict { .. } => "CONFLICT",
            Self::InvalidInput(_) => "BAD_USER_INPUT",
            Self::TooManyRequests { .. } => "TOO_MANY_REQUESTS",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// What a log line says of the error: the cause of an internal one (never shown to a
    /// client), else the client-safe message.
    pub fn cause(&self) -> String {
        match self {
            Self::Internal(cause) => cause.to_string(),
            other => other.message(),
        }
    }

    /// The client-safe message.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated(message) | Self::Forbidden(message) | Self::NotFound(message) => {
                (*message).to_owned()
            }
            Self::EmailNotVerified => {
                "verify your email address first (sendVerificationEmail sends the link)".to_owned()
            }
            Self::Refused(reason) => reason.message(),
            Self::Conflict { message, .. } => message.clone(),
            Self::InvalidInput(fields) => {
                let names: Vec<&str> = fields.fields().keys().map(String::as_str).collect();
                format!("invalid input: {}", names.join(", "))
            }
            Self::TooManyRequests { retry_after_secs } => {
                format!("too many requests; retry after {retry_after_secs} seconds")
            }
            Self::Internal(_) => "internal error".to_owned(),
        }
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => match unique_field(&detail) {
                Some(field) => Self::conflict(field, format!("this {field} is already taken")),
                None => Self::internal(error),
            },
            // A link to a row that a concurrent request deleted after this one looked it up.
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                Self::NotFound("a record this change refers to no longer exists")
            }
            _ => Self::internal(error),
        }
    }
}

impl From<TransactionError<AppError>> for AppError {
    fn from(error: TransactionError<AppError>) -> Self {
        match error {
            TransactionError::Connection(db) => db.into(),
            TransactionError::Transaction(app) => app,
        }
    }
}

/// The input field a unique index guards, from the driver's message: PostgreSQL names the
/// index (`users_email_key`), SQLite the column (`users.email`).
fn unique_field(detail: &str) -> Option<&'static str> {
    // Order matters: "users_username_key" also contains "name_key".
    if detail.contains("users_email_key") || detail.contains("users.email") {
        Some("email")
    } else if detail.contains("users_username_key") || detail.contains("users.username_key") {
        Some("username")
    } else if detail.contains("permissions_codename_key") || detail.contains("permissions.codename")
    {
        Some("codename")
    } else if detail.contains("groups_name_key") || detail.contains("groups.name_key") {
        Some("name")
    } else if detail.contains("identity_providers_slug_key")
        || detail.contains("identity_providers.slug")
    {
        Some("slug")
    } else if detail.contains("passkeys_credential_id_key")
        || detail.contains("passkeys.credential_id")
    {
        Some("credential")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_name_their_field_on_both_databases() {
        let pg = r#"duplicate key value violates unique constraint "users_username_key""#;
        assert_eq!(unique_field(pg), Some("username"));
        assert_eq!(
            unique_field("UNIQUE constraint failed: users.email"),
            Some("email")
        );
        assert_eq!(
            unique_field("UNIQUE constraint failed: passkeys.credential_id"),
            Some("credential")
        );
        assert_eq!(
            unique_field("UNIQUE constraint failed: groups.name_key"),
            Some("name")
        );
        assert_eq!(unique_field("UNIQUE constraint failed: sessions.id"), None);
    }
}
