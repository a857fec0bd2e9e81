//! Proving a second factor, the one check behind `verifySecondFactor` and `reauthenticate`: a
//! TOTP code (each step once per factor), a recovery code (each code once) or a passkey's
//! answer to a ceremony started for this very challenge or session. Using a recovery code is
//! recorded and mailed to the account's owner.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{factors, recovery_codes};
use crate::db::entities::sessions::Method;
use crate::db::entities::users;
use crate::error::AppResult;
use crate::mail::outbox::{self, MailKind};
use crate::services::audit::{self, Action, Event};
use crate::services::passkeys::second_factor::{self as passkey_factor, Answer};
use crate::state::AppState;

/// A second factor as typed.
#[derive(Clone, Copy)]
pub enum SecondFactor<'a> {
    TotpCode(&'a str),
    RecoveryCode(&'a str),
    /// A passkey's answer to a ceremony.
    Passkey(Answer<'a>),
}

/// What a second factor is given for: the second step of a sign-in (its challenge), or a
/// reauthentication of a session. A passkey's ceremony must have been started for the same.
#[derive(Clone, Copy, Debug)]
pub enum Proving {
    SignIn { challenge_id: Uuid },
    Reauthentication { session_id: Uuid },
}

impl SecondFactor<'_> {
    /// The input field it came in.
    pub fn field(self) -> &'static str {
        match self {
            Self::TotpCode(_) => "totpCode",
            Self::RecoveryCode(_) => "recoveryCode",
            Self::Passkey(_) => "passkey",
        }
    }

    pub fn method(self) -> Method {
        match self {
            Self::TotpCode(_) => Method::Totp,
            Self::RecoveryCode(_) => Method::RecoveryCode,
            Self::Passkey(_) => Method::Passkey,
        }
    }
}

/// Whether `factor` proves `user` now, using it up: a TOTP step or a recovery code is accepted
/// once (of concurrent uses, exactly one). A recovery code used is recorded (`used`, a
/// `RECOVERY_CODE_USED` event naming who and from where, completed with the codes left) and a
/// notice mailed; the caller wakes the mail queue after committing. Call inside the transaction
/// that acts on the proof, and commit it whatever the answer: a passkey's ceremony (started for
/// what this is `proving`) is spent by its first use, right or wrong.
pub async fn prove(
    db: &impl ConnectionTrait,
    state: &AppState,
    user: &users::Model,
    factor: SecondFactor<'_>,
    used: Event,
    proving: Proving,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    match factor {
        SecondFactor::Passkey(answer) => {
            let refused = used.with_action(Action::PasskeyRejected).user(user.id);
            passkey_factor::prove(db, state, user, answer, proving, refused, now).await
        }
        SecondFactor::TotpCode(code) => factors::accept_code(db, state, user.id, code, now).await,
        SecondFactor::RecoveryCode(code) => {
            if !recovery_codes::redeem(db, &state.encryption, user.id, code, now).await? {
                return Ok(false);
            }
            let remaining = recovery_codes::remaining(db, user.id).await?.unwrap_or(0);
            let event = used
                .user(user.id)
                .details(serde_json::json!({ "remaining": remaining }));
            audit::record(db, event).await?;
            outbox::enqueue(
                db,
                MailKind::RecoveryCodeUsed,
                Some(user.id),
                &user.email,
                now,
            )
            .await?;
            Ok(true)
        }
    }
}
