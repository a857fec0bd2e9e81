//! `reauthenticate`: the owner proves, inside a session, that they still hold it (step-up).
//! The session keeps when (`authenticated_at`) and with what (`authentication_methods`) in the
//! database, so what asks for recent proof reads it on the very next request, with no new
//! token. A fresh sign-in is not such proof: a stolen token is usually fresh. Wrong secrets are
//! rate-limited per account like every other password check.

use chrono::{DateTime, Duration, Utc};

use crate::auth::password::MAX_PASSWORD_CHARS;
use crate::auth::viewer::Viewer;
use crate::db::entities::sessions::{self, Method};
use crate::db::{self};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::audit::{self, Action, Event};
use crate::services::mfa::challenges;
use crate::services::mfa::second_factor::{self, Proving, SecondFactor};
use crate::services::passkeys::second_factor::Answer;
use crate::services::sessions::login_throttle::{self, Account};
use crate::services::sessions::{self as sessions_service};
use crate::state::AppState;

/// What the owner proves with: exactly one secret.
#[derive(Clone, Copy)]
pub enum Proof<'a> {
    Password(&'a str),
    TotpCode(&'a str),
    RecoveryCode(&'a str),
    /// A passkey's answer to a `startPasskeyReauthentication` ceremony of this session.
    Passkey(Answer<'a>),
}

impl Proof<'_> {
    /// The input field it came in, for field errors.
    fn field(self) -> &'static str {
        match self {
            Proof::Password(_) => "password",
            Proof::TotpCode(_) => "totpCode",
            Proof::RecoveryCode(_) => "recoveryCode",
            Proof::Passkey(_) => "passkey",
        }
    }
}

/// Checks `proof` for the viewer and records it on the viewer's session: `authenticated_at`
/// now, the method among `authentication_methods`. A wrong secret is `BAD_USER_INPUT` on its
/// field. Returns the session as it now is.
pub async fn reauthenticate(
    state: &AppState,
    viewer: &Viewer,
    proof: Proof<'_>,
) -> AppResult<sessions::Model> {
    state.rate_limits.user(viewer.id())?;
    let user = &viewer.user;
    let second_factor = match proof {
        Proof::Password(password) => {
            if user.mfa_enabled {
                // The password alone proved this session's first step; what it guards now
                // needs the second factor again.
                return Err(FieldErrors::single(
                    proof.field(),
                    "this account has a second factor: confirm with it (totpCode, recoveryCode \
                     or passkey)",
                ));
            }
            let proved = password.chars().count() <= MAX_PASSWORD_CHARS
                && state
                    .passwords
                    .verify_stored(password, user.password_hash.as_deref())
                    .await?;
            if !proved {
                return Err(FieldErrors::single(proof.field(), "is incorrect"));
            }
            None
        }
        Proof::TotpCode(code) => Some(SecondFactor::TotpCode(code)),
        Proof::RecoveryCode(code) => Some(SecondFactor::RecoveryCode(code)),
        Proof::Passkey(answer) => Some(SecondFactor::Passkey(answer)),
    };
    if second_factor.is_some() && !user.mfa_enabled {
        return Err(FieldErrors::single(
            proof.field(),
            "is incorrect: this account has no second factor",
        ));
    }
    let method = second_factor.map_or(Method::Password, SecondFactor::method);
    let now = db::now();
    // Wrong codes count where wrong codes at sign-in do: a session's holder gets no more
    // guesses at the second factor than someone signing in.
    let attempt = match second_factor {
        Some(_) => Some(
            login_throttle::begin(
                &state.db,
                &Account::User(user.id),
                &challenges::throttle_key(user.id),
                challenges::THROTTLED_FROM,
                now,
            )
            .await?,
        ),
        None => None,
    };
    let recorded = record(state, viewer, second_factor, method, proof, now).await;
    if let Some(attempt) = attempt {
        let outcome = match &recorded {
            Ok(_) => attempt.succeeded(&state.db).await,
            Err(AppError::InvalidInput(_)) => Ok(()),
            Err(_) => attempt.abandon(&state.db).await,
        };
        if let Err(error) = outcome {
            tracing::warn!(error = %error.message(), "could not update the login throttle");
        }
    }
    recorded
}

/// Checks the second factor, if that is the proof, and records the proof on the viewer's
/// session, in one transaction.
async fn record(
    state: &AppState,
    viewer: &Viewer,
    second_factor: Option<SecondFactor<'_>>,
    method: Method,
    proof: Proof<'_>,
    now: DateTime<Utc>,
) -> AppResult<sessions::Model> {
    let user = &viewer.user;
    let txn = db::begin_write(&state.db).await?;
    let session = sessions_service::lock_live(&txn, viewer.session_id, viewer.id(), now).await?;
    if let Some(factor) = second_factor {
        let used = Event::new(Action::RecoveryCodeUsed).by(viewer);
        let proving = Proving::Reauthentication {
            session_id: viewer.session_id,
        };
        if !second_factor::prove(&txn, state, user, factor, used, proving, now).await? {
            // Committed: a wrong answer spends a passkey ceremony, and is recorded.
            let failed = Event::new(Action::SecondFactorFailed)
                .by(viewer)
                .user(user.id)
                .details(serde_json::json!({ "method": method.name() }));
            audit::record(&txn, failed).await?;
            txn.commit().await?;
            return Err(FieldErrors::single(proof.field(), "is incorrect"));
        }
    }
    let session = sessions_service::record_proof(&txn, session, method, Some(now)).await?;
    let event = Event::new(Action::Reauthenticated)
        .by(viewer)
        .user(viewer.id())
        .details(serde_json::json!({ "method": method.name() }));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(session)
}

/// Whether `session` was reauthenticated (not merely signed in) within `window_secs` of `now`.
pub fn recently_reauthenticated(
    session: &sessions::Model,
    window_secs: i64,
    now: DateTime<Utc>,
) -> bool {
    session
        .authenticated_at
        .is_some_and(|at| at > session.created_at && now - at <= Duration::seconds(window_secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::entities::sessions::AssuranceLevel;
    use uuid::Uuid;

    fn session(created: i64, authenticated: Option<i64>) -> sessions::Model {
        let at = |secs| DateTime::from_timestamp(secs, 0).unwrap();
        sessions::Model {
            id: Uuid::nil(),
            user_id: Uuid::nil(),
            refresh_token_hash: String::new(),
            rotation_count: 0,
            rotated_at: None,
            created_at: at(created),
            last_used_at: at(created),
            expires_at: at(created + 3600),
            revoked_at: None,
            revoked_reason: None,
            user_agent: None,
            ip_address: None,
            assurance_level: AssuranceLevel::Aal1,
            authentication_methods: "PASSWORD".into(),
            authenticated_at: authenticated.map(at),
        }
    }

    #[test]
    fn only_a_reauthentication_within_the_window_counts() {
        let now = DateTime::from_timestamp(10_000, 0).unwrap();
        // Signed in just now, never reauthenticated: a fresh token is no proof.
        assert!(!recently_reauthenticated(
            &session(9_990, Some(9_990)),
            300,
            now
        ));
        assert!(recently_reauthenticated(
            &session(1_000, Some(9_700)),
            300,
            now
        ));
        assert!(!recently_reauthenticated(
            &session(1_000, Some(9_699)),
            300,
            now
        ));
        assert!(!recently_reauthenticated(&session(1_000, None), 300, now));
    }
}
