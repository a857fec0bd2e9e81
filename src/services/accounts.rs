//! A user's own account: registration, login, profile, password and deletion. Every entry
//! point that checks a password or tells whether a value is taken is throttled.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

use crate::auth::password;
use crate::auth::viewer::{ClientInfo, Viewer};
use crate::db::{self, entities::users};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::input;
use crate::services::profile::{self, NewAccount, ProfileChanges, Role};
use crate::services::sessions::{self, IssuedTokens, RevokeReason};
use crate::services::users::{self as administration, UserChanges};
use crate::state::AppState;

/// `register`: a new USER account and its first session, in one transaction.
pub async fn register(
    state: &AppState,
    account: NewAccount,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    state.throttle.address(client.ip)?;
    let mut model = profile::prepare_account(
        &state.passwords,
        NewAccount {
            role: Role::User,
            is_active: true,
            ..account
        },
    )
    .await?;
    let now = db::now();
    model.last_login_at = Set(Some(now));
    let txn = db::begin_write(&state.db).await?;
    let user = model.insert(&txn).await?;
    let tokens = sessions::start(&txn, &state.keys, user.id, client, now).await?;
    txn.commit().await?;
    Ok((user, tokens))
}

/// `login`: by email (contains `@`) or username. Unknown user, wrong password, deactivated
/// and deleted accounts all answer the same error after the same amount of hashing work.
pub async fn login(
    state: &AppState,
    login: &str,
    password: &str,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    let invalid = AppError::Unauthenticated("invalid credentials");
    state.throttle.address(client.ip)?;
    state.throttle.account(login)?;
    let login = login.trim();
    // Nothing stored is empty, longer than an email or holds control characters (which
    // PostgreSQL would refuse to compare): such a login names nobody.
    let candidate = if login.is_empty()
        || login.chars().count() > input::MAX_EMAIL
        || login.chars().any(char::is_control)
    {
        None
    } else {
        let column = if login.contains('@') {
            users::Column::Email
        } else {
            users::Column::UsernameKey
        };
        users::Entity::find()
            .filter(column.eq(login.to_lowercase()))
            .one(&state.db)
            .await?
    };
    let Some(user) = candidate else {
        state.passwords.verify_dummy(password).await?;
        return Err(invalid);
    };
    // Passwords longer than the policy allows can never match; still spend the time.
    let password_ok = state
        .passwords
        .verify(password, &user.password_hash)
        .await?;
    if !password_ok || !user.is_active || user.deleted_at.is_some() {
        return Err(invalid);
    }
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    let mut active = user.into_active_model();
    active.last_login_at = Set(Some(now));
    let user = active.update(&txn).await?;
    let tokens = sessions::start(&txn, &state.keys, user.id, client, now).await?;
    txn.commit().await?;
    Ok((user, tokens))
}

/// `updateProfile`: the viewer edits their own profile. Unique violations answer `CONFLICT`
/// on the field.
pub async fn update_profile(
    state: &AppState,
    viewer: &Viewer,
    changes: ProfileChanges,
) -> AppResult<users::Model> {
    let current = &viewer.user;
    let new_email = changes
        .email
        .as_deref()
        .is_some_and(|email| email.trim().to_lowercase() != current.email);
    let new_username = match &changes.username {
        Some(Some(username)) => current.username_key.as_ref() != Some(&username.to_lowercase()),
        _ => false,
    };
    if new_email || new_username {
        // Each change tells whether the value is taken: bounded like `register`.
        state.throttle.user(current.id)?;
    }
    let changes = UserChanges {
        profile: changes,
        ..Default::default()
    };
    administration::update(state, viewer, viewer.id(), changes).await
}

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
    state.throttle.user(user.id)?;
    password::check_policy(
        &mut errors,
        "newPassword",
        new_password,
        &profile::personal_inputs(user),
    )
    .await;
    if current_password == new_password {
        errors.add("newPassword", "must differ from the current password");
    }
    if !state
        .passwords
        .verify(current_password, &user.password_hash)
        .await?
    {
        // Not UNAUTHENTICATED: that would tell the client its token is bad.
        errors.add("currentPassword", "is incorrect");
    }
    errors.into_result()?;
    let hash = state.passwords.hash(new_password).await?;
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    let mut active = users::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(user.id),
        ..Default::default()
    };
    active.password_hash = Set(hash);
    active.updated_at = Set(now);
    let user = active.update(&txn).await?;
    sessions::revoke_all(&txn, user.id, RevokeReason::PasswordChanged).await?;
    let tokens = sessions::start(&txn, &state.keys, user.id, client, now).await?;
    txn.commit().await?;
    Ok((user, tokens))
}

/// `deleteAccount`: soft-deletes the viewer after checking their password. The email stays
/// reserved; an administrator can restore the account.
pub async fn delete_account(state: &AppState, viewer: &Viewer, password: &str) -> AppResult<()> {
    state.throttle.user(viewer.id())?;
    if !state
        .passwords
        .verify(password, &viewer.user.password_hash)
        .await?
    {
        return Err(FieldErrors::single("password", "is incorrect"));
    }
    administration::delete(state, viewer, viewer.id(), false).await
}
