//! Accounts as others see and change them: who may view whom, the administrator's operations
//! (create, edit, role, activation, deletion, restore) with the rules on who may change whom,
//! and `create-superuser` for the operator. The actor arrives as a `Viewer`; every rule is
//! checked on the rows locked inside the transaction that writes, so a promotion or
//! demotion that commits meanwhile cannot be overtaken.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use crate::auth::password;
use crate::auth::viewer::Viewer;
use crate::db::{
    self,
    entities::{user_groups, users},
};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::grants::Grantor;
use crate::services::outbox::{self, MailKind};
use crate::services::profile::{self, NewAccount, ProfileChanges, Role};
use crate::services::sessions::{self, RevokeReason};
use crate::services::{input, last_admin, links, lookup};
use crate::state::AppState;

/// What `updateUser` (and `setUserRole`, `setUserActive`) change.
#[derive(Debug, Default, Clone)]
pub struct UserChanges {
    pub profile: ProfileChanges,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    /// Set by an administrator; when the email changes and this is not given, the new
    /// address is unverified.
    pub email_verified: Option<bool>,
}

/// `user(id)`: the actor's own account, or anyone's for an ADMIN or a holder of `users.view`.
/// Others are `FORBIDDEN` whether or not they exist (and before the id is even parsed), so
/// the answer tells nothing about who has an account.
pub async fn view(
    db: &impl ConnectionTrait,
    actor: &Viewer,
    id: &str,
) -> AppResult<Option<users::Model>> {
    let parsed = input::id("id", id);
    let is_self = parsed.as_ref().is_ok_and(|&id| id == actor.id());
    if !is_self && !actor.has_permission("users.view").await? {
        return Err(AppError::Forbidden("you may only view your own account"));
    }
    lookup::user(db, parsed?).await
}

/// `createUser`: a new account and its groups, in one transaction. Only an ADMIN may create an
/// ADMIN, and the actor must hold what the groups grant.
pub async fn create(
    state: &AppState,
    actor: &Viewer,
    account: NewAccount,
    group_ids: &[String],
) -> AppResult<users::Model> {
    if account.role == Role::Admin {
        actor.require_admin("only an ADMIN may create an ADMIN")?;
    }
    let mut errors = FieldErrors::default();
    let group_ids = input::ids(&mut errors, "groupIds", group_ids);
    errors.into_result()?;
    let grantor = Grantor::of(actor).await?;
    let model = profile::prepare_account(&state.passwords, account).await?;
    let txn = db::begin_write(&state.db).await?;
    lookup::groups_shared(&txn, &group_ids).await?;
    grantor.check_groups(&txn, &group_ids).await?;
    let user = model.insert(&txn).await?;
    let memberships = group_ids
        .iter()
        .map(|&group_id| user_groups::ActiveModel {
            user_id: Set(user.id),
            group_id: Set(group_id),
        })
        .collect();
    links::insert(&txn, memberships).await?;
    if !user.email_verified {
        outbox::enqueue(
            &txn,
            MailKind::EmailVerification,
            Some(user.id),
            &user.email,
            user.created_at,
        )
        .await?;
    }
    txn.commit().await?;
    if !user.email_verified {
        state.mail.wake();
    }
    Ok(user)
}

/// `updateUser`, `setUserRole`, `setUserActive`, and a user's own `updateProfile`: applies
/// `changes` to user `id`. Role changes need an ADMIN (a form that sends an unchanged USER role
/// back is fine), and only an ADMIN may change an ADMIN. Role and active changes run under the
/// last-admin rule; deactivation ends every session. Unique violations answer `CONFLICT` on
/// the field.
pub async fn update(
    state: &AppState,
    actor: &Viewer,
    id: Uuid,
    changes: UserChanges,
) -> AppResult<users::Model> {
    let role = match changes.role {
        Some(Role::User) if !actor.is_admin() => None,
        Some(role) => {
            actor.require_admin("only an ADMIN may change roles")?;
            Some(role)
        }
        None => None,
    };
    let mut errors = FieldErrors::default();
    let mut model = users::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(id),
        ..Default::default()
    };
    profile::apply(&mut errors, &mut model, changes.profile);
    errors.into_result()?;
    let may_demote = role == Some(Role::User) || changes.is_active == Some(false);
    if let Some(role) = role {
        model.role = Set(role);
    }
    if let Some(is_active) = changes.is_active {
        model.is_active = Set(is_active);
    }
    let now = db::now();
    model.updated_at = Set(now);

    let txn = db::begin_write(&state.db).await?;
    if may_demote {
        last_admin::lock(&txn).await?;
    }
    let existing = lookup::user_locked(&txn, id).await?;
    may_change(actor, &existing)?;
    model.search_key = Set(profile::search_key_of(&model, Some(&existing)));
    let email_changed = model
        .email
        .try_as_ref()
        .is_some_and(|email| *email != existing.email);
    match changes.email_verified {
        Some(verified) => model.email_verified = Set(verified),
        None if email_changed => model.email_verified = Set(false),
        None => {}
    }
    let user = model.update(&txn).await?;
    let mut queued = false;
    if email_changed {
        // The new address is proved by its link; the old one hears of the change, so that a
        // change its owner did not make does not go unnoticed.
        if !user.email_verified {
            let kind = MailKind::EmailVerification;
            outbox::enqueue(&txn, kind, Some(id), &user.email, now).await?;
        }
        let kind = MailKind::EmailChanged;
        outbox::enqueue(&txn, kind, Some(id), &existing.email, now).await?;
        queued = true;
    } else if existing.email_verified
        && !user.email_verified
        && changes.email_verified == Some(false)
    {
        // An administrator asks the owner to prove the address again.
        let kind = MailKind::EmailVerification;
        outbox::enqueue(&txn, kind, Some(id), &user.email, now).await?;
        queued = true;
    }
    if last_admin::counts(&existing) && !last_admin::counts(&user) {
        last_admin::ensure_remains(&txn).await?;
    }
    if existing.is_active && !user.is_active {
        sessions::revoke_all(&txn, id, RevokeReason::Deactivated).await?;
    }
    txn.commit().await?;
    if queued {
        state.mail.wake();
    }
    Ok(user)
}

/// `deleteUser`: a soft delete (sessions end, the email stays reserved), or with `permanent`
/// the row itself (links and sessions cascade); under the last-admin rule, and only an ADMIN
/// may delete an ADMIN.
pub async fn delete(state: &AppState, actor: &Viewer, id: Uuid, permanent: bool) -> AppResult<()> {
    let txn = db::begin_write(&state.db).await?;
    last_admin::lock(&txn).await?;
    let user = lookup::user_locked(&txn, id).await?;
    may_change(actor, &user)?;
    let was_counted = last_admin::counts(&user);
    if permanent {
        users::Entity::delete_by_id(id).exec(&txn).await?;
    } else if user.deleted_at.is_none() {
        let now = db::now();
        let mut active = user.into_active_model();
        active.deleted_at = Set(Some(now));
        active.updated_at = Set(now);
        active.update(&txn).await?;
        sessions::revoke_all(&txn, id, RevokeReason::Deleted).await?;
    }
    // Only removing an active ADMIN can break the rule; a plain user may leave even before
    // any ADMIN exists.
    if was_counted {
        last_admin::ensure_remains(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// `restoreUser`: undoes a soft delete; only an ADMIN may restore an ADMIN.
pub async fn restore(state: &AppState, actor: &Viewer, id: Uuid) -> AppResult<users::Model> {
    let txn = db::begin_write(&state.db).await?;
    let user = lookup::user_locked(&txn, id).await?;
    may_change(actor, &user)?;
    let user = if user.deleted_at.is_some() {
        let mut active = user.into_active_model();
        active.deleted_at = Set(None);
        active.updated_at = Set(db::now());
        active.update(&txn).await?
    } else {
        user
    };
    txn.commit().await?;
    Ok(user)
}

/// Only an ADMIN may change another ADMIN's account; anyone may change their own. `target` is
/// the row locked inside the caller's transaction.
fn may_change(actor: &Viewer, target: &users::Model) -> AppResult<()> {
    if target.role == Role::Admin && target.id != actor.id() {
        actor.require_admin("only an ADMIN may change an ADMIN's account")?;
    }
    Ok(())
}

/// `create-superuser`: creates an active ADMIN, or promotes, activates and undeletes the
/// existing account with that email (setting the password when one is given). Returns the
/// account and whether it is new.
pub async fn create_superuser(
    state: &AppState,
    email: &str,
    password: Option<&str>,
) -> AppResult<(users::Model, bool)> {
    let mut errors = FieldErrors::default();
    let email = input::email(&mut errors, "email", email);
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
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(&txn)
        .await?;
    if let Some(user) = existing {
        let mut active = user.into_active_model();
        let new_password = hash.is_some();
        if let Some(hash) = hash {
            active.password_hash = Set(hash);
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
        }
        txn.commit().await?;
        return Ok((user, false));
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
    let user = profile::prepare_account(&state.passwords, account)
        .await?
        .insert(&txn)
        .await?;
    txn.commit().await?;
    Ok((user, true))
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
