//! The second-factor types: the second step of signing in (`SecondFactorRequired`, the union
//! `SignInResult`), TOTP enrolment and factors, recovery codes.

use async_graphql::{Enum, ID, InputObject, SimpleObject, Union};
use chrono::{DateTime, Utc};

use crate::db::entities::totp_factors;
use crate::error::{AppResult, Challenge, FieldErrors};
use crate::graphql::types::{AuthPayload, PasskeyAssertionInput};
use crate::services::mfa::SecondFactor;

/// A second factor a sign-in can be finished with.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SecondFactorMethod {
    #[graphql(name = "TOTP")]
    Totp,
    #[graphql(name = "RECOVERY_CODE")]
    RecoveryCode,
    #[graphql(name = "PASSKEY")]
    Passkey,
}

impl SecondFactorMethod {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "TOTP" => Some(Self::Totp),
            "RECOVERY_CODE" => Some(Self::RecoveryCode),
            "PASSKEY" => Some(Self::Passkey),
            _ => None,
        }
    }
}

/// The password checked out; the account's second factor is awaited. Finish with
/// `verifySecondFactor(challengeToken, ...)`.
#[derive(SimpleObject)]
pub struct SecondFactorRequired {
    /// Opaque; single use, valid 5 minutes, for at most 5 attempts.
    pub challenge_token: String,
    pub expires_at: DateTime<Utc>,
    /// What the account can finish with.
    pub methods: Vec<SecondFactorMethod>,
}

impl From<Challenge> for SecondFactorRequired {
    fn from(challenge: Challenge) -> Self {
        Self {
            challenge_token: challenge.token,
            expires_at: challenge.expires_at,
            methods: challenge
                .methods
                .iter()
                .filter_map(|name| SecondFactorMethod::parse(name))
                .collect(),
        }
    }
}

/// Tokens, or the second step that must come first.
#[derive(Union)]
pub enum SignInResult {
    AuthPayload(Box<AuthPayload>),
    SecondFactorRequired(SecondFactorRequired),
}

/// A second factor: exactly one field.
#[derive(InputObject)]
pub struct SecondFactorInput {
    /// The 6 digits of the authenticator app (spaces ignored).
    pub totp_code: Option<String>,
    /// One of the recovery codes (`xxxxx-xxxxx`, any case, hyphen optional); used up.
    pub recovery_code: Option<String>,
    /// A passkey's answer to the ceremony `startPasskeyChallenge` started for this challenge.
    pub passkey: Option<PasskeyAssertionInput>,
}

impl SecondFactorInput {
    /// The one factor given, or `BAD_USER_INPUT` on `input`.
    pub fn factor(&self) -> AppResult<SecondFactor<'_>> {
        match (&self.totp_code, &self.recovery_code, &self.passkey) {
            (Some(code), None, None) => Ok(SecondFactor::TotpCode(code)),
            (None, Some(code), None) => Ok(SecondFactor::RecoveryCode(code)),
            (None, None, Some(passkey)) => Ok(SecondFactor::Passkey(passkey.answer())),
            _ => Err(FieldErrors::single(
                "input",
                "give exactly one of totpCode, recoveryCode and passkey",
            )),
        }
    }
}

/// A TOTP secret waiting for its confirming code. Shown once.
#[derive(SimpleObject)]
pub struct TotpEnrollment {
    /// Pass to `confirmTotpEnrollment`.
    pub enrollment_id: ID,
    /// Base32 without padding (32 characters): for typing into an app by hand.
    pub secret: String,
    /// What a QR code for the app carries.
    pub otpauth_uri: String,
    /// 10 minutes after it was started.
    pub expires_at: DateTime<Utc>,
}

/// An authenticator app that can sign in to the account.
#[derive(SimpleObject)]
pub struct TotpFactor {
    pub id: ID,
    pub label: String,
    pub created_at: DateTime<Utc>,
    /// When a code of it was last accepted (its confirmation included).
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<totp_factors::Model> for TotpFactor {
    fn from(model: totp_factors::Model) -> Self {
        Self {
            id: ID(model.id.to_string()),
            label: model.label,
            created_at: model.created_at,
            last_used_at: model.last_used_at,
        }
    }
}

/// What confirming an enrolment made.
#[derive(SimpleObject)]
pub struct TotpEnrollmentResult {
    pub factor: TotpFactor,
    /// With the account's first second factor only: 10 recovery codes, shown this once.
    pub recovery_codes: Option<Vec<String>>,
}

/// A new set of recovery codes; the previous set no longer works.
#[derive(SimpleObject)]
pub struct RecoveryCodes {
    /// 10 codes, shown this once.
    pub codes: Vec<String>,
    pub generated_at: DateTime<Utc>,
}
