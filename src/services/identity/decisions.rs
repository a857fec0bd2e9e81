//! Who an asserted identity is (API.md, "Decisions"). An identity is the provider plus its
//! subject, never an email:
//!
//! - linked already: it signs in to its account (deactivated or deleted:
//!   `account_unavailable`); under intent LINK, it must be the viewer's (`identity_in_use`);
//! - not linked, under LINK: linked to the viewer;
//! - not linked, with an email the provider asserts as verified: no account has it -> a new
//!   account (email verified, no password) if the provider allows sign-up; an account has it,
//!   verified -> linked at once under `autoLinkVerifiedEmail`, else `AccountLinkRequired`; an
//!   account has it unverified -> never linked (`account_unavailable`: whoever registered the
//!   address first never proved it, and may not be its owner);
//! - no verified email: never created or linked (`email_not_verified`).
//!
//! The callback decides without writing (`Phase::Callback`), so that its refusals are the
//! `error=` reasons of the redirect. Nothing is written until `completeOAuth` has checked the
//! frontend's verifier: only then is the decision made again and applied (`Phase::Complete`), in
//! the transaction that opens the session. A flow finished in someone else's browser (a LINK
//! flow an attacker started and sent to a victim, say) thus links or creates nothing.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::links;
use super::providers;
use super::{Asserted, Intent};
use crate::auth::viewer::ClientInfo;
use crate::db::entities::identity_providers::Kind;
use crate::db::entities::{identity_providers, oauth_flows, user_identities, users};
use crate::error::{AppError, AppResult};
use crate::services::audit::{self, Action, Event};
use crate::services::rules::profile_fields;
use crate::services::sessions;

/// What the callback hands to `completeOAuth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Sign in to this account (new or existing).
    Session(Uuid),
    /// An account has the verified email: the person proves it with a sign-in and a link token.
    LinkRequired(Uuid),
    /// Linked to the viewer who asked (intent LINK).
    Linked(Uuid),
}

/// A refusal, as the redirect's `error=` names it.
pub type Refusal = &'static str;

/// When a decision is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// At the callback: decide, write nothing, check the email's domain (with all the claims
    /// at hand).
    Callback,
    /// At `completeOAuth`, once the verifier matched: decide again and write.
    Complete,
}

/// Decides for `asserted` at `provider` in `flow`, inside `txn`; at `Phase::Complete`, also
/// writes what the decision takes (a new account, a link, the identity's use). Returns the
/// decision, or a refusal.
pub async fn decide(
    txn: &DatabaseTransaction,
    provider: &identity_providers::Model,
    flow: &oauth_flows::Model,
    asserted: &Asserted,
    phase: Phase,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> AppResult<Result<Decision, Refusal>> {
    let writes = phase == Phase::Complete;
    if phase == Phase::Callback && !domain_allowed(provider, asserted) {
        return Ok(Err("email_domain_not_allowed"));
    }
    let linked = user_identities::Entity::find()
        .filter(user_identities::Column::ProviderId.eq(provider.id))
        .filter(user_identities::Column::Subject.eq(&asserted.subject))
        .one(txn)
        .await?;
    let verified_email = asserted
        .email
        .as_deref()
        .filter(|_| asserted.email_verified);
    if flow.intent == Intent::Link.name() {
        let Some(viewer_id) = flow.user_id else {
            return Ok(Err("account_unavailable"));
        };
        let Some(user) = live_account(txn, viewer_id).await? else {
            return Ok(Err("account_unavailable"));
        };
        // The session that asked must still be live, and stays so while this links (its row
        // locked): a LINK started before a logout or a password change links nothing.
        let Some(session_id) = flow.session_id else {
            return Ok(Err("account_unavailable"));
        };
        match sessions::lock_live(txn, session_id, user.id, now).await {
            Ok(_) => {}
            Err(AppError::Unauthenticated(_)) => return Ok(Err("account_unavailable")),
            Err(error) => return Err(error),
        }
        return match linked {
            Some(identity) if identity.user_id == user.id => {
                if writes {
                    touch(txn, &identity, asserted, now).await?;
                }
                Ok(Ok(Decision::Linked(user.id)))
            }
            Some(_) => Ok(Err("identity_in_use")),
            None => {
                if verified_email.is_none() {
                    return Ok(Err("email_not_verified"));
                }
                if writes {
                    links::link(
                        txn,
                        provider,
                        user.id,
                        &asserted.subject,
                        verified_email,
                        client,
                        now,
                    )
                    .await?;
                }
                Ok(Ok(Decision::Linked(user.id)))
            }
        };
    }
    if let Some(identity) = linked {
        let Some(user) = live_account(txn, identity.user_id).await? else {
            return Ok(Err("account_unavailable"));
        };
        if writes {
            touch(txn, &identity, asserted, now).await?;
        }
        return Ok(Ok(Decision::Session(user.id)));
    }
    let Some(email) = verified_email else {
        return Ok(Err("email_not_verified"));
    };
    let holder = users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(txn)
        .await?;
    match holder {
        None => {
            if !provider.allow_sign_up {
                return Ok(Err("sign_up_disabled"));
            }
            let Ok(model) = profile_fields::provider_account(email) else {
                // An address the provider accepts and Roster would not (too long, say).
                return Ok(Err("email_not_verified"));
            };
            if !writes {
                // The account is made once the frontend proves the flow is its own.
                return Ok(Ok(Decision::Session(Uuid::nil())));
            }
            let user = model.insert(txn).await?;
            // The identity that made the account: nothing to tell its owner.
            links::link_notifying(
                txn,
                provider,
                user.id,
                &asserted.subject,
                Some(email),
                client,
                now,
                false,
            )
            .await?;
            let event = Event::new(Action::Registered)
                .actor(user.id)
                .user(user.id)
                .client(client)
                .details(serde_json::json!({ "method": "OIDC", "provider": provider.slug }));
            audit::record(txn, event).await?;
            Ok(Ok(Decision::Session(user.id)))
        }
        Some(user) if !user.is_active || user.deleted_at.is_some() || !user.email_verified => {
            Ok(Err("account_unavailable"))
        }
        Some(user) if provider.auto_link_verified_email => {
            if writes {
                links::link(
                    txn,
                    provider,
                    user.id,
                    &asserted.subject,
                    Some(email),
                    client,
                    now,
                )
                .await?;
            }
            Ok(Ok(Decision::Session(user.id)))
        }
        Some(user) => Ok(Ok(Decision::LinkRequired(user.id))),
    }
}

/// `allowedEmailDomains`: when set, a verified email in one of them, and for GOOGLE a hosted
/// domain (`hd`) among them as well (a personal Gmail address is no company account).
fn domain_allowed(provider: &identity_providers::Model, asserted: &Asserted) -> bool {
    let allowed = providers::allowed_email_domains(provider);
    if allowed.is_empty() {
        return true;
    }
    let email_domain = asserted
        .email
        .as_deref()
        .filter(|_| asserted.email_verified)
        .and_then(|email| email.rsplit_once('@'))
        .map(|(_, domain)| domain.to_owned());
    let email_ok = email_domain.is_some_and(|domain| allowed.contains(&domain));
    let hosted_ok = match provider.kind {
        Kind::Google => asserted
            .hosted_domain
            .as_ref()
            .is_some_and(|hd| allowed.contains(hd)),
        Kind::Oidc | Kind::Github => true,
    };
    email_ok && hosted_ok
}

/// The account, if active and undeleted.
async fn live_account(txn: &DatabaseTransaction, id: Uuid) -> AppResult<Option<users::Model>> {
    Ok(users::Entity::find_by_id(id)
        .one(txn)
        .await?
        .filter(|user| user.is_active && user.deleted_at.is_none()))
}

/// Records an identity's use, and the email its provider reports now.
async fn touch(
    txn: &DatabaseTransaction,
    identity: &user_identities::Model,
    asserted: &Asserted,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut update = user_identities::Entity::update_many()
        .col_expr(user_identities::Column::LastUsedAt, Expr::value(now))
        .filter(user_identities::Column::Id.eq(identity.id));
    if let Some(email) = &asserted.email {
        update = update.col_expr(user_identities::Column::Email, Expr::value(email.clone()));
    }
    update.exec(txn).await?;
    Ok(())
}
