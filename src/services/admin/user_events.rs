//! The audit events of administering accounts: what changed, field by field, in the shape
//! API.md's audit log describes (`{"field": {"from": ..., "to": ...}}`).

use crate::auth::viewer::Viewer;
use crate::db::entities::users;
use crate::services::audit::{Action, Changes, Event};
use crate::services::rules::profile_fields::Role;

/// A role as API.md names it.
pub(super) fn role_name(role: Role) -> String {
    sea_orm::ActiveEnum::to_value(&role)
}

/// The events of one update of `before` into `after` by `actor`: one per kind of change, so a
/// filter on an action finds it. `email_verified_given`: the actor set `emailVerified`
/// (otherwise an email change resets it, which `EMAIL_CHANGED` implies).
pub(super) fn update_events(
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
pub(super) fn verification_sent(actor: &Viewer, user: &users::Model) -> Event {
    Event::new(Action::EmailVerificationSent)
        .by(actor)
        .user(user.id)
        .details(serde_json::json!({ "email": user.email }))
}

/// `SUPERUSER_CREATED` from the command line (no actor): `before` is the account it promoted,
/// `None` for a new one.
pub(super) fn superuser_created(
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
