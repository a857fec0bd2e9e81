//! `roster create-superuser`, for the operator: an active ADMIN with a verified address, made
//! new or promoted from the account that has the address.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
};

use super::user_events::superuser_created;
use crate::auth::password;
use crate::db::{self, entities::users};
use crate::error::{AppResult, FieldErrors};
use crate::mail::link_tokens::{self, Purpose};
use crate::services::audit;
use crate::services::rules::profile_fields::{self, NewAccount, ProfileChanges, Role};
use crate::services::rules::validation;
use crate::services::sessions::{self, RevokeReason};
use crate::state::AppState;

/// `create-superuser`: creates an active ADMIN, or promotes, activates and undeletes the
/// existing account with that email (setting the password when one is given). Returns the
/// account and whether it is new.
pub async fn create_superuser(
    state: &AppState,
    email: &str,
    password: Option<&str>,
) -> AppResult<(users::Model, bool)> {
    let mut errors = FieldErrors::default();
    let email = validation::email(&mut errors, "email", email);
    errors.into_result()?;
    // Hashed before the write lock is taken: hashing takes tens of milliseconds.
    let hash = match password {
        Some(password) => {
            let mut errors = FieldErrors::default();
            password::check_policy(&mut errors, "password", password, &[&email]).await;
            errors.into_result()?;
            Some(state.passwords.hash(password).await?)
        }
        None => None,
    };
    let txn = db::begin_write(&state.db).await?;
    let select = users::Entity::find().filter(users::Column::Email.eq(&email));
    let existing = db::locking(select, &txn, sea_orm::sea_query::LockType::Update)
        .one(&txn)
        .await?;
    if let Some(existing) = existing {
        return promote(txn, existing, hash).await;
    }
    let Some(password) = password else {
        return Err(FieldErrors::single(
            "password",
            "is required to create a new account",
        ));
    };
    let account = NewAccount {
        profile: ProfileChanges {
            email: Some(email),
            ..Default::default()
        },
        password: password.to_owned(),
        password_confirmation: None,
        role: Role::Admin,
        is_active: true,
        email_verified: true,
    };
    let user = profile_fields::prepare_account(&state.passwords, account)
        .await?
        .insert(&txn)
        .await?;
    audit::record(&txn, superuser_created(&user, None, true)).await?;
    txn.commit().await?;
    Ok((user, true))
}

/// Makes `existing` (locked in `txn`) an active ADMIN with a verified address, with the
/// password `hash` when one was given; commits, or rolls back when nothing changes.
async fn promote(
    txn: DatabaseTransaction,
    existing: users::Model,
    hash: Option<String>,
) -> AppResult<(users::Model, bool)> {
    let already = existing.role == Role::Admin
        && existing.is_active
        && existing.email_verified
        && existing.deleted_at.is_none();
    if already && hash.is_none() {
        // Nothing to change, and so nothing to record.
        txn.rollback().await?;
        return Ok((existing, false));
    }
    if hash.is_none() && existing.email_from_change && !existing.email_verified {
        // Whoever moved their account to this address would become an ADMIN and keep
        // their password: the operator takes such an account over, or waits for proof.
        txn.rollback().await?;
        return Err(FieldErrors::single(
            "password",
            "is required: this account's address came from an email change and is not \
             verified yet, so a promotion alone would make whoever changed it an ADMIN",
        ));
    }
    let mut active = existing.clone().into_active_model();
    let new_password = hash.is_some();
    if let Some(hash) = hash {
        active.password_hash = Set(Some(hash));
    }
    active.role = Set(Role::Admin);
    active.is_active = Set(true);
    // The operator vouches for the address of the account they make an ADMIN.
    active.email_verified = Set(true);
    active.deleted_at = Set(None);
    active.updated_at = Set(db::now());
    let user = active.update(&txn).await?;
    if new_password {
        // Recovering an account this way must lock out whoever else holds its sessions;
        // a promotion alone keeps them (the role applies on their next request).
        sessions::revoke_all(&txn, user.id, RevokeReason::PasswordChanged).await?;
        // A reset link mailed before would hand the account back to whoever holds the mailbox.
        link_tokens::void(&txn, user.id, Purpose::PasswordReset).await?;
    }
    let event = superuser_created(&user, Some(&existing), new_password);
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok((user, false))
}

/// Whether an account with this email exists (for `create-superuser`'s prompt).
pub async fn email_exists(db: &impl ConnectionTrait, email: &str) -> AppResult<bool> {
    let count = users::Entity::find()
        .filter(users::Column::Email.eq(email.trim().to_lowercase()))
        .count(db)
        .await?;
    Ok(count > 0)
}

/// Counts users (for the first-run hint in the log).
pub async fn count(db: &impl ConnectionTrait) -> AppResult<u64> {
    Ok(users::Entity::find().count(db).await?)
}
