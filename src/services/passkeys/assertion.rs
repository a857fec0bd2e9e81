//! Checking an assertion (the browser's answer to `navigator.credentials.get()`): the account
//! is the one the credential is registered to, never one an argument names. The WebAuthn
//! library checks the signature with the stored public key, the challenge of the ceremony, the
//! origin, the RP ID hash, user verification and the signature counter; this module finds the
//! credential, holds a discoverable answer's user handle to the credential's account, and
//! records the use. A refusal says why only in the audit log (`PASSKEY_REJECTED`).

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, PasskeyAuthentication, PublicKeyCredential, WebauthnError,
};

use super::store;
use crate::auth::viewer::ClientInfo;
use crate::db::entities::passkeys;
use crate::error::{AppResult, FieldErrors};
use crate::services::audit::{self, Action, Event};
use crate::state::AppState;

/// A stored authentication ceremony's state.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Expecting {
    /// One of the listed passkeys of `user_id` (a login name given, a second factor, a
    /// reauthentication).
    Listed {
        user_id: Uuid,
        state: PasskeyAuthentication,
    },
    /// Any discoverable passkey: the credential names the account.
    Discoverable { state: DiscoverableAuthentication },
    /// The ceremony of a login name with no passkey behind it: nothing is accepted.
    Nothing,
}

/// What came of an assertion.
pub enum Verdict {
    /// The passkey, its use recorded.
    Accepted(passkeys::Model),
    /// Refused, with the account concerned (when one is) and why, for the audit log.
    Rejected {
        user_id: Option<Uuid>,
        reason: &'static str,
    },
}

/// `credential` as the browser's `toJSON()` makes it; else `BAD_USER_INPUT` on `credential`.
pub fn parse<T: serde::de::DeserializeOwned>(credential: &serde_json::Value) -> AppResult<T> {
    serde_json::from_value(credential.clone()).map_err(|_| {
        FieldErrors::single(
            "credential",
            "is not a WebAuthn credential (send PublicKeyCredential.toJSON())",
        )
    })
}

/// Checks `credential` against what the ceremony expected and records the passkey's use.
pub async fn check(
    db: &impl ConnectionTrait,
    state: &AppState,
    expecting: Expecting,
    credential: &PublicKeyCredential,
    now: DateTime<Utc>,
) -> AppResult<Verdict> {
    let webauthn = state.passkeys.webauthn()?;
    let rejected = |user_id: Option<Uuid>, reason| Ok(Verdict::Rejected { user_id, reason });
    let expected_user = match &expecting {
        Expecting::Listed { user_id, .. } => Some(*user_id),
        Expecting::Discoverable { .. } => None,
        // A login with no passkeys behind it: nothing to look up.
        Expecting::Nothing => return rejected(None, "unknown_credential"),
    };
    let Some(row) = store::by_credential_id(db, credential.get_credential_id()).await? else {
        return rejected(expected_user, "unknown_credential");
    };
    if expected_user.is_some_and(|user| user != row.user_id) {
        return rejected(expected_user, "another_account");
    }
    // A user handle, when the authenticator sends one, must be the credential's account's.
    if let Some(sent) = credential.get_user_unique_id() {
        let handle = store::handle_of(db, row.user_id).await?;
        if handle.map(|handle| handle.as_bytes().as_slice() == sent) != Some(true) {
            return rejected(Some(row.user_id), "user_handle");
        }
    }
    let stored = store::credential(&row)?;
    let result = match expecting {
        Expecting::Listed { state, .. } => {
            webauthn.finish_passkey_authentication(credential, &state)
        }
        Expecting::Discoverable { state } => {
            if credential.get_user_unique_id().is_none() {
                return rejected(Some(row.user_id), "user_handle");
            }
            webauthn.finish_discoverable_authentication_v2(credential, state, &stored)
        }
        Expecting::Nothing => return rejected(None, "unknown_credential"),
    };
    let result = match result {
        Ok(result) => result,
        Err(error) => {
            tracing::info!(reason = %error, "a passkey assertion was refused");
            return rejected(Some(row.user_id), reason(&error));
        }
    };
    if !result.user_verified() {
        return rejected(Some(row.user_id), "user_verification");
    }
    // The library compares the counter with the credential as the ceremony's start listed it;
    // the row may have moved on since (the real key used meanwhile): compare with that too, so
    // a copy of the key answering an older ceremony is caught.
    let counter = i64::from(result.counter());
    if (counter > 0 || row.sign_count > 0) && counter <= row.sign_count {
        return rejected(Some(row.user_id), "counter");
    }
    match store::record_use(db, &row, &result, now).await? {
        Some(used) => Ok(Verdict::Accepted(used)),
        None => rejected(Some(row.user_id), "counter"),
    }
}

/// Records a refused assertion (`PASSKEY_REJECTED`): the account concerned, why, and for what.
/// A failure to record it is logged, never turned into another answer.
pub async fn record_rejection(
    db: &impl ConnectionTrait,
    user_id: Option<Uuid>,
    reason: &str,
    purpose: &str,
    client: &ClientInfo,
) {
    let mut event = Event::new(Action::PasskeyRejected)
        .client(client)
        .details(serde_json::json!({ "reason": reason, "purpose": purpose }));
    if let Some(user_id) = user_id {
        event = event.user(user_id);
    }
    if let Err(error) = audit::record(db, event).await {
        tracing::warn!(error = %error.message(), "could not record a refused passkey");
    }
}

/// The refusal's name in the audit log.
fn reason(error: &WebauthnError) -> &'static str {
    match error {
        WebauthnError::InvalidRPOrigin | WebauthnError::CredentialCrossOrigin => "origin",
        WebauthnError::InvalidRPIDHash => "rp_id",
        WebauthnError::MismatchedChallenge | WebauthnError::ChallengeNotFound => "challenge",
        WebauthnError::UserNotVerified | WebauthnError::UserNotPresent => "user_verification",
        WebauthnError::CredentialPossibleCompromise => "counter",
        WebauthnError::CredentialNotFound => "unknown_credential",
        WebauthnError::AuthenticationFailure | WebauthnError::SignatureInvalid => "signature",
        WebauthnError::InvalidClientDataType => "client_data_type",
        _ => "malformed",
    }
}
