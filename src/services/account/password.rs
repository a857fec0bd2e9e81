//! Passwords an owner sets: `changePassword`, and `replace_password`, the one way an owner's
//! password is replaced (by a change here, or by a reset link in `recovery`), which ends every
//! session, voids pending reset links, opens a new session and records the event. (The
//! operator's `create-superuser` sets one too, in `admin::superuser`, and likewise ends the
//! sessions and voids the links.)

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};

use crate::auth::password;
use crate::auth::viewer::{ClientInfo, Viewer};
use crate::db::entities::sessions::Method;
use crate::db::{self, entities::users};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::mail::link_tokens::{self, Purpose};
use crate::services::audit::{self, Action, Event};
use crate::services::mfa::challenges;
use crate::services::rules::profile_fields;
use crate::services::sessions::{self, IssuedTokens, RevokeReason, SignIn};
use crate::state::AppState;

/// `changePassword`: checks the current password, ends every session of the user and opens a
/// new one.
pub async fn change_password(
    state: &AppState,
    viewer: &Viewer,
    current_password: &str,
    new_password: &str,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    let user = &viewer.user;
    let mut errors = FieldErrors::default();
    state.rate_limits.user(user.id)?;
    password::check_policy(
        &mut errors,
        "newPassword",
        new_password,
        &profile_fields::personal_inputs(user),
    )
    .await;
    if current_password == new_password {
        errors.add("newPassword", "must differ from the current password");
    }
    if user.password_hash.is_none() {
        errors.add("currentPassword", "no password is set; use setPassword");
    } else if !state
        .passwords
        .verify_stored(current_password, user.password_hash.as_deref())
        .await?
    {
        // Not UNAUTHENTICATED: that would tell the client its token is bad.
        errors.add("currentPassword", "is incorrect");
    }
    errors.into_result()?;
    let hash = state.passwords.hash(new_password).await?;
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    // The new session takes over this one: what it proved (a second factor included) and
    // when. A password change is no reauthentication: whoever holds a stolen session and the
    // password must not get a fresh proof of presence out of it.
    let session = sessions::lock_live(&txn, viewer.session_id, viewer.id(), now).await?;
    let mut proof = session.methods();
    if !proof.contains(&Method::Password) {
        proof.insert(0, Method::Password);
    }
    let how = Replacement::Change {
        session_id: viewer.session_id,
        proof,
        authenticated_at: session.authenticated_at,
    };
    match replace_password(txn, state, user.id, hash, how, client, now).await? {
        SignIn::Session(user, tokens) => Ok((*user, tokens)),
        SignIn::SecondFactor(_) => Err(AppError::internal(
            "BUG: a password change asked for a second factor",
        )),
    }
}

/// `setPassword`: an account without a password (made by a provider sign-in) sets its first,
/// after a sign-in within `--reauthentication-window` (a `reauthenticate`, for an account with
/// a second factor). Like a change, it
/// ends every other session and returns a pair for a new one. An account that has a password
/// is `CONFLICT` (use `changePassword`); of two at once, one sets it (a conditional update).
pub async fn set_password(
    state: &AppState,
    viewer: &Viewer,
    new_password: &str,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    let user = &viewer.user;
    state.rate_limits.user(user.id)?;
    let has_password = || AppError::Conflict {
        message: "this account has a password: use changePassword".to_owned(),
        field: None,
    };
    if user.password_hash.is_some() {
        return Err(has_password());
    }
    crate::services::mfa::step_up::require_presence(state, viewer).await?;
    let mut errors = FieldErrors::default();
    password::check_policy(
        &mut errors,
        "newPassword",
        new_password,
        &profile_fields::personal_inputs(user),
    )
    .await;
    errors.into_result()?;
    let hash = state.passwords.hash(new_password).await?;
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    let session = sessions::lock_live(&txn, viewer.session_id, viewer.id(), now).await?;
    let first = users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(&hash))
        .filter(users::Column::Id.eq(user.id))
        .filter(users::Column::PasswordHash.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if first != 1 {
        return Err(has_password());
    }
    let how = Replacement::Set {
        session_id: viewer.session_id,
        proof: session.methods(),
        authenticated_at: session.authenticated_at,
    };
    match replace_password(txn, state, user.id, hash, how, client, now).await? {
        SignIn::Session(user, tokens) => Ok((*user, tokens)),
        SignIn::SecondFactor(_) => Err(AppError::internal(
            "BUG: setting a password asked for a second factor",
        )),
    }
}

/// How a password comes to be replaced, which decides what else the replacement does.
pub(crate) enum Replacement {
    /// `changePassword`, from the session `session_id`, which proved `proof`, last at
    /// `authenticated_at`.
    Change {
        session_id: uuid::Uuid,
        proof: Vec<Method>,
        authenticated_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// `resetPassword`: through a link mailed to the account's address, which that proves.
    Reset,
    /// `setPassword`: the first password of an account made by a provider sign-in, from the
    /// session `session_id` (as `Change`).
    Set {
        session_id: uuid::Uuid,
        proof: Vec<Method>,
        authenticated_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// Sets `user_id`'s password to `hash` in `txn`, ends every session of the account, voids
/// pending reset links (one mailed before the change would undo it), opens a new session,
/// records the event and commits. After a reset, an account with a second factor gets no
/// session but a challenge for that factor: a reset link proves the mailbox, not the factor.
pub(crate) async fn replace_password(
    txn: DatabaseTransaction,
    state: &AppState,
    user_id: uuid::Uuid,
    hash: String,
    how: Replacement,
    client: &ClientInfo,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<SignIn> {
    let (reason, action) = match how {
        Replacement::Change { .. } => (RevokeReason::PasswordChanged, Action::PasswordChanged),
        Replacement::Reset => (RevokeReason::PasswordReset, Action::PasswordReset),
        Replacement::Set { .. } => (RevokeReason::PasswordChanged, Action::PasswordSet),
    };
    let mut active = users::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(user_id),
        ..Default::default()
    };
    active.password_hash = Set(Some(hash));
    if matches!(how, Replacement::Reset) {
        active.email_verified = Set(true);
    }
    active.updated_at = Set(now);
    let user = active.update(&txn).await?;
    sessions::revoke_all(&txn, user_id, reason).await?;
    link_tokens::void(&txn, user_id, Purpose::PasswordReset).await?;
    // A reset proves the mailbox, not the password; a change proves the old password.
    let (proof, session_id, authenticated_at) = match how {
        Replacement::Change {
            session_id,
            proof,
            authenticated_at,
        }
        | Replacement::Set {
            session_id,
            proof,
            authenticated_at,
        } => (proof, Some(session_id), authenticated_at),
        Replacement::Reset => (vec![Method::PasswordReset], None, Some(now)),
    };
    let mut event = Event::new(action)
        .actor(user.id)
        .user(user.id)
        .client(client);
    if session_id.is_none() && user.mfa_enabled {
        let challenge = challenges::issue(&txn, user_id, Method::PasswordReset, now).await?;
        audit::record(&txn, event).await?;
        txn.commit().await?;
        return Ok(SignIn::SecondFactor(challenge));
    }
    let tokens = sessions::start(&txn, &state.keys, user_id, client, &proof, now).await?;
    if authenticated_at != Some(now) {
        sessions::carry_authenticated_at(&txn, tokens.session_id, authenticated_at).await?;
    }
    // The session the change was made in: the old one for a change, the new one for a reset.
    event = event.session(session_id.unwrap_or(tokens.session_id));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(SignIn::Session(Box::new(user), tokens))
}
