//! Accounts as others see and change them: who may view whom, the administrator's operations
//! (create, edit, role, activation, deletion, restore) with the rules on who may change whom.
//! The actor arrives as a `Viewer`; every rule is
//! checked on the rows locked inside the transaction that writes, so a promotion or
//! demotion that commits meanwhile cannot be overtaken.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel};
use uuid::Uuid;

use super::user_events::{role_name, update_events, verification_sent};
use crate::auth::codenames;
use crate::auth::viewer::Viewer;
use crate::db::{
    self,
    entities::{user_groups, users},
};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::mail::outbox::{self, MailKind};
use crate::services::audit::{self, Action, Event};
use crate::services::rows::{link_rows, lookup};
use crate::services::rules::grants::Grantor;
use crate::services::rules::profile_fields::{self, NewAccount, ProfileChanges, Role};
use crate::services::rules::{last_admin, validation};
use crate::services::sessions::login_throttle;
use crate::services::sessions::{self, RevokeReason};
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

/// Whether `actor` may see account `id`: their own, or anyone's for an ADMIN or a holder of
/// `users.view`. The rule behind `user(id)` and the accounts audit events name.
pub async fn may_view(actor: &Viewer, id: Uuid) -> AppResult<bool> {
    Ok(id == actor.id() || actor.has_permission(codenames::USERS_VIEW).await?)
}

/// `user(id)`: the account, if `may_view`. Others are `FORBIDDEN` whether or not they exist
/// (and before the id is even parsed), so the answer tells nothing about who has an account.
pub async fn view(
    db: &impl ConnectionTrait,
    actor: &Viewer,
    id: &str,
) -> AppResult<Option<users::Model>> {
    let parsed = validation::id("id", id);
    let allowed = match &parsed {
        Ok(id) => may_view(actor, *id).await?,
        Err(_) => actor.has_permission(codenames::USERS_VIEW).await?,
    };
    if !allowed {
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
    let group_ids = validation::ids(&mut errors, "groupIds", group_ids);
    errors.into_result()?;
    let grantor = Grantor::of(actor).await?;
    let model = profile_fields::prepare_account(&state.passwords, account).await?;
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
    link_rows::insert(&txn, memberships).await?;
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
    let role = role_change(actor, changes.role)?;
    let mut errors = FieldErrors::default();
    let mut model = users::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(id),
        ..Default::default()
    };
    profile_fields::apply(&mut errors, &mut model, changes.profile);
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
    model.search_key = Set(profile_fields::search_key_of(&model, Some(&existing)));
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
    let asked_again = changes.email_verified == Some(false);
    let queued =
        mail_address_change(&txn, actor, &existing, &user, asked_again, &mut events).await?;
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

/// The role `update` sets: changing roles needs an ADMIN, but a form that sends an unchanged
/// USER role back is fine (and changes nothing).
fn role_change(actor: &Viewer, requested: Option<Role>) -> AppResult<Option<Role>> {
    Ok(match requested {
        Some(Role::User) if !actor.is_admin() => None,
        Some(role) => {
            actor.require_admin("only an ADMIN may change roles")?;
            Some(role)
        }
        None => None,
    })
}

/// Queues the mail an update of `before` into `after` calls for, and the events that say so;
/// `true` when it queued any. A new address is proved by its link, and the old one hears of
/// the change, so that a change its owner did not make does not go unnoticed.
/// `verification_asked`: the actor set `emailVerified: false`.
async fn mail_address_change(
    txn: &impl ConnectionTrait,
    actor: &Viewer,
    before: &users::Model,
    after: &users::Model,
    verification_asked: bool,
    events: &mut Vec<Event>,
) -> AppResult<bool> {
    let now = after.updated_at;
    let verification = MailKind::EmailVerification;
    if before.email != after.email {
        if !after.email_verified {
            outbox::enqueue(txn, verification, Some(after.id), &after.email, now).await?;
            events.push(verification_sent(actor, after));
        }
        let kind = MailKind::EmailChanged;
        outbox::enqueue(txn, kind, Some(after.id), &before.email, now).await?;
        return Ok(true);
    }
    if before.email_verified && !after.email_verified && verification_asked {
        // An administrator asks the owner to prove the address again.
        outbox::enqueue(txn, verification, Some(after.id), &after.email, now).await?;
        events.push(verification_sent(actor, after));
        return Ok(true);
    }
    Ok(false)
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
    // The second factor's failures are counted under a key of the account's own.
    let second_factor = crate::services::mfa::challenges::throttle_key(user.id);
    let mut names = vec![user.email.as_str(), second_factor.as_str()];
    names.extend(user.username_key.as_deref());
    let cleared = login_throttle::clear(&txn, user.id, &names).await?;
    if cleared {
        let event = Event::new(Action::LoginThrottleCleared).by(actor).user(id);
        audit::record(&txn, event).await?;
    }
    txn.commit().await?;
    Ok(cleared)
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
