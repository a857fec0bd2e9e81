//! TOTP factors: `startTotpEnrollment` shows a new secret, `confirmTotpEnrollment` turns it
//! into a factor with a code from the app, `removeTotpFactor` deletes one; `accept_code` is how
//! every flow checks a code against the account's factors, each step once per factor.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::totp::{self, CodeCheck, TotpSecret};
use super::{account, recovery_codes, step_up};
use crate::auth::viewer::Viewer;
use crate::db::entities::sessions::Method;
use crate::db::entities::{totp_enrollments, totp_factors};
use crate::db::{self};
use crate::error::{AppError, AppResult, FieldErrors, Reason};
use crate::services::audit::{self, Action, Event};
use crate::services::keys;
use crate::services::passkeys::store as passkey_store;
use crate::services::rules::validation;
use crate::services::sessions::{RevokeReason, lock_live, record_proof, revoke_others};
use crate::state::AppState;

/// Factors an account may hold.
pub const MAX_FACTORS: u64 = 5;
/// How long an enrolment waits for its confirming code.
pub const ENROLLMENT_TTL: Duration = Duration::minutes(10);
/// Unconfirmed enrolments an account may have open at once (older ones are dropped).
const OPEN_ENROLLMENTS: u64 = 5;
/// A factor's label when none is given.
pub const DEFAULT_LABEL: &str = "Authenticator";

/// A secret waiting for its confirming code, as shown once.
pub struct Enrollment {
    pub id: Uuid,
    pub secret: TotpSecret,
    pub otpauth_uri: String,
    pub expires_at: DateTime<Utc>,
}

/// `startTotpEnrollment`: a new secret for the viewer, kept sealed for `ENROLLMENT_TTL`. Needs
/// a `reauthenticate` within the window, even right after signing in: whoever holds a stolen
/// token (usually a fresh one) must not tie the account to an authenticator of their choosing,
/// which would then prove everything else.
pub async fn start_enrollment(state: &AppState, viewer: &Viewer) -> AppResult<Enrollment> {
    // Checked first: a refusal for want of a reauthentication does not count against the
    // account's allowance.
    step_up::require_reauthenticated(state, viewer).await?;
    state.rate_limits.user(viewer.id())?;
    keys::check_sealing_key(&state.db, &state.encryption).await?;
    let id = Uuid::new_v4();
    let secret = TotpSecret::generate()?;
    let now = db::now();
    let expires_at = now + ENROLLMENT_TTL;
    let txn = db::begin_write(&state.db).await?;
    totp_enrollments::Entity::delete_many()
        .filter(totp_enrollments::Column::UserId.eq(viewer.id()))
        .filter(totp_enrollments::Column::ExpiresAt.lte(now))
        .exec(&txn)
        .await?;
    let open: Vec<Uuid> = totp_enrollments::Entity::find()
        .filter(totp_enrollments::Column::UserId.eq(viewer.id()))
        .order_by_desc(totp_enrollments::Column::CreatedAt)
        .all(&txn)
        .await?
        .into_iter()
        .skip(OPEN_ENROLLMENTS as usize - 1)
        .map(|row| row.id)
        .collect();
    if !open.is_empty() {
        totp_enrollments::Entity::delete_many()
            .filter(totp_enrollments::Column::Id.is_in(open))
            .exec(&txn)
            .await?;
    }
    totp_enrollments::Entity::insert(totp_enrollments::ActiveModel {
        id: Set(id),
        user_id: Set(viewer.id()),
        secret: Set(state
            .encryption
            .seal(secret.as_bytes(), &totp::sealing_context(id))?),
        created_at: Set(now),
        expires_at: Set(expires_at),
    })
    .exec(&txn)
    .await?;
    txn.commit().await?;
    let otpauth_uri = secret.otpauth_uri(&state.totp_issuer, &viewer.user.email);
    Ok(Enrollment {
        id,
        secret,
        otpauth_uri,
        expires_at,
    })
}

/// What confirming an enrolment made.
pub struct Confirmed {
    pub factor: totp_factors::Model,
    /// With the account's first second factor only: its recovery codes, shown once.
    pub recovery_codes: Option<Vec<String>>,
}

/// `confirmTotpEnrollment`: the code proves the app holds the secret; the enrolment becomes a
/// factor (its id kept), the code's step used. With the account's first second factor, every
/// other session of the account ends, this one becomes `AAL2`, and recovery codes are made.
pub async fn confirm_enrollment(
    state: &AppState,
    viewer: &Viewer,
    enrollment_id: &str,
    code: &str,
    label: Option<&str>,
) -> AppResult<Confirmed> {
    state.rate_limits.user(viewer.id())?;
    let mut errors = FieldErrors::default();
    let label = validation::label(&mut errors, label, DEFAULT_LABEL);
    let unknown = || FieldErrors::single("enrollmentId", "unknown or expired enrollment");
    let Ok(id) = Uuid::parse_str(enrollment_id.trim()) else {
        errors.add("enrollmentId", "unknown or expired enrollment");
        return Err(AppError::InvalidInput(errors));
    };
    let now = db::now();
    let enrollment = totp_enrollments::Entity::find_by_id(id)
        .filter(totp_enrollments::Column::UserId.eq(viewer.id()))
        .filter(totp_enrollments::Column::ExpiresAt.gt(now))
        .one(&state.db)
        .await?
        .ok_or_else(unknown)?;
    let secret = TotpSecret::from_bytes(
        &state
            .encryption
            .open(&enrollment.secret, &totp::sealing_context(id))?,
    );
    let step = match totp::check(&secret, code, unix(now)) {
        CodeCheck::Step(step) => Some(step),
        CodeCheck::Malformed => {
            errors.add("code", "must be the 6 digits the app shows");
            None
        }
        CodeCheck::Wrong => {
            errors.add(
                "code",
                "is not the app's current code: check the device's clock",
            );
            None
        }
    };
    errors.into_result()?;
    let step = step.expect("BUG: no step without a field error");
    let txn = db::begin_write(&state.db).await?;
    let user = account::lock(&txn, viewer.id()).await?;
    let held = totp_factors::Entity::find()
        .filter(totp_factors::Column::UserId.eq(viewer.id()))
        .count(&txn)
        .await?;
    if held >= MAX_FACTORS {
        return Err(Reason::LimitReached("an account holds at most 5 authenticator apps").into());
    }
    // One confirmation per enrolment, whoever comes first.
    let taken = totp_enrollments::Entity::delete_many()
        .filter(totp_enrollments::Column::Id.eq(id))
        .filter(totp_enrollments::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?
        .rows_affected;
    if taken != 1 {
        return Err(unknown());
    }
    let factor = totp_factors::Model {
        id,
        user_id: viewer.id(),
        label,
        secret: enrollment.secret,
        last_used_step: Some(step as i64),
        created_at: now,
        last_used_at: Some(now),
    };
    totp_factors::Entity::insert(totp_factors::ActiveModel::from(factor.clone()))
        .exec(&txn)
        .await?;
    let first = !user.mfa_enabled;
    let mut event = Event::new(Action::TotpEnabled)
        .by(viewer)
        .user(viewer.id())
        .details(serde_json::json!({ "factorId": id, "label": factor.label }));
    let recovery_codes = if first {
        account::set_mfa_enabled(&txn, viewer.id(), true).await?;
        let ended = revoke_others(
            &txn,
            viewer.id(),
            viewer.session_id,
            RevokeReason::SecondFactorAdded,
        )
        .await?;
        let session = lock_live(&txn, viewer.session_id, viewer.id(), now).await?;
        // AAL2 from now on, but not a reauthentication: the factor is new, and whoever holds
        // the session chose it.
        let authenticated_at = session.authenticated_at;
        record_proof(&txn, session, Method::Totp, authenticated_at).await?;
        let codes = recovery_codes::issue(&txn, &state.encryption, viewer.id(), now).await?;
        event = event.details(serde_json::json!({
            "factorId": id,
            "label": factor.label,
            "sessionsEnded": ended,
        }));
        Some(codes)
    } else {
        None
    };
    audit::record(&txn, event).await?;
    if first {
        let generated = Event::new(Action::RecoveryCodesGenerated)
            .by(viewer)
            .user(viewer.id())
            .details(serde_json::json!({ "count": recovery_codes::COUNT }));
        audit::record(&txn, generated).await?;
    }
    txn.commit().await?;
    Ok(Confirmed {
        factor,
        recovery_codes,
    })
}

/// `removeTotpFactor`: deletes one of the viewer's factors (after a recent sign-in or
/// reauthentication) and ends the account's other sessions and pending sign-ins, which that
/// factor may have opened. Removing the last second factor also removes the recovery codes, and
/// is refused (`MFA_ENROLLMENT_REQUIRED`) for an account `--require-mfa` covers.
pub async fn remove(state: &AppState, viewer: &Viewer, factor_id: &str) -> AppResult<()> {
    state.rate_limits.user(viewer.id())?;
    step_up::require_recent(state, viewer).await?;
    let not_found = || AppError::NotFound("no such authenticator");
    let id = Uuid::parse_str(factor_id.trim()).map_err(|_| not_found())?;
    let txn = db::begin_write(&state.db).await?;
    let user = account::lock(&txn, viewer.id()).await?;
    let factor = totp_factors::Entity::find_by_id(id)
        .filter(totp_factors::Column::UserId.eq(viewer.id()))
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let others = totp_factors::Entity::find()
        .filter(totp_factors::Column::UserId.eq(viewer.id()))
        .filter(totp_factors::Column::Id.ne(id))
        .count(&txn)
        .await?;
    let last = others == 0 && passkey_store::count(&txn, viewer.id()).await? == 0;
    if last && state.require_mfa.covers(user.role) {
        return Err(Reason::MfaEnrollmentRequired.into());
    }
    totp_factors::Entity::delete_by_id(id).exec(&txn).await?;
    let ended = revoke_others(
        &txn,
        viewer.id(),
        viewer.session_id,
        RevokeReason::SecondFactorRemoved,
    )
    .await?;
    if last {
        account::set_mfa_enabled(&txn, viewer.id(), false).await?;
        recovery_codes::discard(&txn, viewer.id()).await?;
    }
    let event = Event::new(Action::TotpRemoved)
        .by(viewer)
        .user(viewer.id())
        .details(serde_json::json!({
            "factorId": id,
            "label": factor.label,
            "lastSecondFactor": last,
            "sessionsEnded": ended,
        }));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(())
}

/// The factors of `user_id`, oldest first.
pub async fn list(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Vec<totp_factors::Model>> {
    Ok(totp_factors::Entity::find()
        .filter(totp_factors::Column::UserId.eq(user_id))
        .order_by_asc(totp_factors::Column::CreatedAt)
        .order_by_asc(totp_factors::Column::Id)
        .all(db)
        .await?)
}

/// Whether `code` is a code of one of `user_id`'s factors that none has accepted yet: if so,
/// the factor's step is raised by a conditional update, so that of two concurrent uses of one
/// code exactly one is accepted. A replayed code is simply not accepted.
pub async fn accept_code(
    db: &impl ConnectionTrait,
    state: &AppState,
    user_id: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    for factor in list(db, user_id).await? {
        let secret = TotpSecret::from_bytes(
            &state
                .encryption
                .open(&factor.secret, &totp::sealing_context(factor.id))?,
        );
        let CodeCheck::Step(step) = totp::check(&secret, code, unix(now)) else {
            continue;
        };
        let last = factor.last_used_step.map(|step| step as u64);
        if !totp::is_fresh(step, last) {
            continue;
        }
        let fresher = Condition::any()
            .add(totp_factors::Column::LastUsedStep.is_null())
            .add(totp_factors::Column::LastUsedStep.lt(step as i64));
        let accepted = totp_factors::Entity::update_many()
            .col_expr(totp_factors::Column::LastUsedStep, Expr::value(step as i64))
            .col_expr(totp_factors::Column::LastUsedAt, Expr::value(now))
            .filter(totp_factors::Column::Id.eq(factor.id))
            .filter(fresher)
            .exec(db)
            .await?
            .rows_affected;
        if accepted == 1 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether `user_id` holds a TOTP factor.
pub async fn any(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<bool> {
    Ok(totp_factors::Entity::find()
        .filter(totp_factors::Column::UserId.eq(user_id))
        .count(db)
        .await?
        > 0)
}

/// Deletes enrolments that expired before `before`. Returns how many.
pub async fn prune_enrollments(db: &impl ConnectionTrait, before: DateTime<Utc>) -> AppResult<u64> {
    Ok(totp_enrollments::Entity::delete_many()
        .filter(totp_enrollments::Column::ExpiresAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}

fn unix(now: DateTime<Utc>) -> u64 {
    now.timestamp().max(0) as u64
}

/// Removes every TOTP factor and open enrolment of `user_id`.
pub(super) async fn remove_all(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<u64> {
    totp_enrollments::Entity::delete_many()
        .filter(totp_enrollments::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(totp_factors::Entity::delete_many()
        .filter(totp_factors::Column::UserId.eq(user_id))
        .exec(db)
        .await?
        .rows_affected)
}
