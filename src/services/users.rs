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
use crate::services::audit::{self, Action, Changes, Event};
use crate::services::grants::Grantor;
use crate::services::outbox::{self, MailKind};
use crate::services::profile::{self, NewAccount, ProfileChanges, Role};
use crate::services::sessions::{self, RevokeReason};
use crate::services::{input, last_admin, links, login_throttle, lookup};
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
    /// The account's owner proved who they are for this change (`updateProfile` checked the
    /// current password): only then may one's own email change.
    pub owner_proved: bool,
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
    if account.email_verified {
        // Vouching for an address nobody proved is an ADMIN's call, as in `updateUser`.
        actor.require_admin("only an ADMIN may mark an address as verified")?;
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
    let mut events = vec![
        Event::new(Action::UserCreated)
            .by(actor)
            .user(user.id)
            .details(serde_json::json!({
                "email": user.email,
                "username": user.username,
                "role": role_name(user.role),
                "isActive": user.is_active,
                "emailVerified": user.email_verified,
                "groupIds": group_ids,
            })),
    ];
    if !user.email_verified {
        outbox::enqueue(
            &txn,
            MailKind::EmailVerification,
            Some(user.id),
            &user.email,
            user.created_at,
        )
        .await?;
        events.push(verification_sent(actor, &user));
    }
    audit::record_all(&txn, events).await?;
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
    let verified_changed = changes
        .email_verified
        .is_some_and(|verified| verified != existing.email_verified);
    if email_changed || verified_changed {
        let claim = AddressChange {
            email_changed,
            verified: changes.email_verified,
            owner_proved: changes.owner_proved,
        };
        may_change_address(&txn, actor, &existing, claim).await?;
    }
    match changes.email_verified {
        Some(verified) => model.email_verified = Set(verified),
        None if email_changed => model.email_verified = Set(false),
        None => {}
    }
    if email_changed {
        // Unproven until verified: no reset link goes there meanwhile (`delivery`).
        model.email_from_change = Set(true);
    }
    let user = model.update(&txn).await?;
    let mut events = update_events(actor, &existing, &user, changes.email_verified.is_some());
    let mut queued = false;
    if email_changed {
        // The new address is proved by its link; the old one hears of the change, so that a
        // change its owner did not make does not go unnoticed.
        if !user.email_verified {
            let kind = MailKind::EmailVerification;
            outbox::enqueue(&txn, kind, Some(id), &user.email, now).await?;
            events.push(verification_sent(actor, &user));
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
        events.push(verification_sent(actor, &user));
        queued = true;
    }
    audit::record_all(&txn, events).await?;
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
    let was_deleted = user.deleted_at.is_some();
    if permanent {
        users::Entity::delete_by_id(id).exec(&txn).await?;
    } else if !was_deleted {
        let now = db::now();
        let mut active = user.into_active_model();
        active.deleted_at = Set(Some(now));
        active.updated_at = Set(now);
        active.update(&txn).await?;
        sessions::revoke_all(&txn, id, RevokeReason::Deleted).await?;
    }
    if permanent || !was_deleted {
        // Deleting one's own account (`deleteAccount`, or an ADMIN's `deleteUser` of itself)
        // is the account holder's act; anyone else's is administration.
        let action = if id == actor.id() {
            Action::AccountDeleted
        } else {
            Action::UserDeleted
        };
        let event = Event::new(action)
            .by(actor)
            .user(id)
            .details(serde_json::json!({ "permanent": permanent }));
        audit::record(&txn, event).await?;
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
        let user = active.update(&txn).await?;
        let event = Event::new(Action::UserRestored).by(actor).user(id);
        audit::record(&txn, event).await?;
        user
    } else {
        user
    };
    txn.commit().await?;
    Ok(user)
}

/// `clearLoginThrottle` (ADMIN): forgets the failed logins counted against account `id`
/// under any of its login names, audited as `LOGIN_THROTTLE_CLEARED`. `false`, and no event,
/// when there was nothing to forget.
pub async fn clear_login_throttle(state: &AppState, actor: &Viewer, id: Uuid) -> AppResult<bool> {
    actor.require_admin("only an ADMIN may clear the login throttle")?;
    let txn = db::begin_write(&state.db).await?;
    let user = lookup::user_locked(&txn, id).await?;
    let mut names = vec![user.email.as_str()];
    names.extend(user.username_key.as_deref());
    let cleared = login_throttle::clear(&txn, user.id, &names).await?;
    if cleared {
        let event = Event::new(Action::LoginThrottleCleared).by(actor).user(id);
        audit::record(&txn, event).await?;
    }
    txn.commit().await?;
    Ok(cleared)
}

/// A role as API.md names it.
fn role_name(role: Role) -> String {
    sea_orm::ActiveEnum::to_value(&role)
}

/// The events of one update of `before` into `after` by `actor`: one per kind of change, so a
/// filter on an action finds it. `email_verified_given`: the actor set `emailVerified`
/// (otherwise an email change resets it, which `EMAIL_CHANGED` implies).
fn update_events(
    actor: &Viewer,
    before: &users::Model,
    after: &users::Model,
    email_verified_given: bool,
) -> Vec<Event> {
    let event = |action: Action| Event::new(action).by(actor).user(after.id);
    let mut events = Vec::new();
    if before.email != after.email {
        let mut email = Changes::default();
        email.field("email", &before.email, &after.email);
        if !email_verified_given {
            // A new address is unverified until its link is opened.
            email.field(
                "emailVerified",
                &before.email_verified,
                &after.email_verified,
            );
        }
        events.push(event(Action::EmailChanged).details(email.into_details()));
    }
    let mut profile = Changes::default();
    profile.field("username", &before.username, &after.username);
    profile.field("firstName", &before.first_name, &after.first_name);
    profile.field("lastName", &before.last_name, &after.last_name);
    profile.field("phoneNumber", &before.phone_number, &after.phone_number);
    profile.field("address", &before.address, &after.address);
    profile.field("company", &before.company, &after.company);
    profile.field("designation", &before.designation, &after.designation);
    if email_verified_given {
        profile.field(
            "emailVerified",
            &before.email_verified,
            &after.email_verified,
        );
    }
    if !profile.is_empty() {
        // One's own profile (`updateProfile`, or an ADMIN's `updateUser` of itself) is the
        // account holder's edit; anyone else's is administration.
        let action = if after.id == actor.id() {
            Action::ProfileUpdated
        } else {
            Action::UserUpdated
        };
        events.push(event(action).details(profile.into_details()));
    }
    if before.role != after.role {
        let mut role = Changes::default();
        role.field("role", &role_name(before.role), &role_name(after.role));
        events.push(event(Action::RoleChanged).details(role.into_details()));
    }
    match (before.is_active, after.is_active) {
        (false, true) => events.push(event(Action::UserActivated)),
        (true, false) => events.push(event(Action::UserDeactivated)),
        _ => {}
    }
    events
}

/// `EMAIL_VERIFICATION_SENT` for a verification mail to `user`'s address, queued by `actor`.
fn verification_sent(actor: &Viewer, user: &users::Model) -> Event {
    Event::new(Action::EmailVerificationSent)
        .by(actor)
        .user(user.id)
        .details(serde_json::json!({ "email": user.email }))
}

/// `SUPERUSER_CREATED` from the command line (no actor): `before` is the account it promoted,
/// `None` for a new one.
fn superuser_created(
    user: &users::Model,
    before: Option<&users::Model>,
    password_set: bool,
) -> Event {
    let mut changes = Changes::default();
    if let Some(before) = before {
        changes.field("role", &role_name(before.role), &role_name(user.role));
        changes.field("isActive", &before.is_active, &user.is_active);
        changes.field(
            "emailVerified",
            &before.email_verified,
            &user.email_verified,
        );
        changes.field(
            "deleted",
            &before.deleted_at.is_some(),
            &user.deleted_at.is_some(),
        );
    }
    let mut details = changes.into_details();
    details["created"] = before.is_none().into();
    details["passwordSet"] = password_set.into();
    Event::new(Action::SuperuserCreated)
        .user(user.id)
        .details(details)
}

/// A change of an account's address or of whether it is verified.
struct AddressChange {
    email_changed: bool,
    /// `emailVerified` as given.
    verified: Option<bool>,
    owner_proved: bool,
}

/// Whether `actor` may change the email or `emailVerified` of `target` (locked in `txn`).
/// An address is a credential: whoever controls it can reset the password. So:
/// - one's own email changes only with proof (`updateProfile` with the current password);
///   `updateUser` on oneself cannot change it;
/// - only an ADMIN vouches for an address (`emailVerified: true`), one's own included;
/// - a non-ADMIN may change another account's address only when that account holds nothing
///   the actor lacks (an ADMIN's is refused by `may_change` already): else taking over its
///   address would grant the actor what the account holds.
async fn may_change_address(
    txn: &impl ConnectionTrait,
    actor: &Viewer,
    target: &users::Model,
    change: AddressChange,
) -> AppResult<()> {
    let AddressChange {
        email_changed,
        verified,
        owner_proved,
    } = change;
    if email_changed && target.id == actor.id() && !owner_proved {
        return Err(AppError::Forbidden(
            "change your own email with updateProfile, which asks for your current password",
        ));
    }
    if actor.is_admin() {
        return Ok(());
    }
    if verified == Some(true) && (email_changed || !target.email_verified) {
        return Err(AppError::Forbidden(
            "only an ADMIN may mark an address as verified",
        ));
    }
    if target.id != actor.id() {
        let held = actor.permission_codenames().await?;
        let target_holds = crate::auth::viewer::codenames_of_user(txn, target.id).await?;
        if !target_holds.is_subset(&held) {
            return Err(AppError::Forbidden(
                "you may not change the address of an account holding permissions you lack",
            ));
        }
    }
    Ok(())
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
    let select = users::Entity::find().filter(users::Column::Email.eq(&email));
    let existing = db::locking(select, &txn, sea_orm::sea_query::LockType::Update)
        .one(&txn)
        .await?;
    if let Some(existing) = existing {
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
        let event = superuser_created(&user, Some(&existing), new_password);
        audit::record(&txn, event).await?;
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
    audit::record(&txn, superuser_created(&user, None, true)).await?;
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
