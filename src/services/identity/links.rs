//! Identities linked to accounts: linking (by a LINK flow, by `autoLinkVerifiedEmail`, or by
//! a sign-in to the existing account with a link token), listing, unlinking, and the rule
//! that no operation removes an account's last way to sign in (a password, a linked identity).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use crate::auth::tokens;
use crate::auth::viewer::{ClientInfo, Viewer};
use crate::db::entities::user_identities;
use crate::db::{self, entities::account_links, entities::identity_providers};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::mail::outbox::{self, MailKind};
use crate::services::account::ways_in::{self, Leaving};
use crate::services::audit::{self, Action, Event};
use crate::services::mfa::step_up;
use crate::services::rows::lookup;
use crate::state::AppState;

/// How long a link token waits for the sign-in that proves the existing account.
pub const LINK_TTL: Duration = Duration::minutes(30);

/// The identities of `user_id`, oldest first, with their providers.
pub async fn of_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> AppResult<Vec<(user_identities::Model, identity_providers::Model)>> {
    let identities = user_identities::Entity::find()
        .filter(user_identities::Column::UserId.eq(user_id))
        .order_by_asc(user_identities::Column::LinkedAt)
        .all(db)
        .await?;
    if identities.is_empty() {
        return Ok(Vec::new());
    }
    let providers = identity_providers::Entity::find()
        .filter(
            identity_providers::Column::Id
                .is_in(identities.iter().map(|identity| identity.provider_id)),
        )
        .all(db)
        .await?;
    Ok(identities
        .into_iter()
        .filter_map(|identity| {
            let provider = providers
                .iter()
                .find(|provider| provider.id == identity.provider_id)?
                .clone();
            Some((identity, provider))
        })
        .collect())
}

/// Links `subject` at `provider` to `user_id` and records it, inside the caller's transaction.
/// The identity linked meanwhile by another sign-in is `CONFLICT` (the unique index on provider
/// and subject), which the caller's answer decides.
pub async fn link(
    txn: &impl ConnectionTrait,
    provider: &identity_providers::Model,
    user_id: Uuid,
    subject: &str,
    email: Option<&str>,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> AppResult<user_identities::Model> {
    link_notifying(txn, provider, user_id, subject, email, client, now, true).await
}

/// `link`, mailing the account's owner a notice when `notify` (not for the identity that made
/// the account).
#[allow(clippy::too_many_arguments)]
pub async fn link_notifying(
    txn: &impl ConnectionTrait,
    provider: &identity_providers::Model,
    user_id: Uuid,
    subject: &str,
    email: Option<&str>,
    client: &ClientInfo,
    now: DateTime<Utc>,
    notify: bool,
) -> AppResult<user_identities::Model> {
    let identity = user_identities::Model {
        id: Uuid::new_v4(),
        user_id,
        provider_id: provider.id,
        subject: subject.to_owned(),
        email: email.map(str::to_owned),
        linked_at: now,
        last_used_at: Some(now),
    };
    let inserted = user_identities::Entity::insert(user_identities::ActiveModel {
        id: Set(identity.id),
        user_id: Set(identity.user_id),
        provider_id: Set(identity.provider_id),
        subject: Set(identity.subject.clone()),
        email: Set(identity.email.clone()),
        linked_at: Set(identity.linked_at),
        last_used_at: Set(identity.last_used_at),
    })
    .exec_without_returning(txn)
    .await;
    if let Err(error) = inserted {
        return Err(match error.sql_err() {
            // Linked by a sign-in that committed first (the unique index on provider and
            // subject decides).
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
                message: "this identity was linked meanwhile".to_owned(),
                field: None,
            },
            _ => error.into(),
        });
    }
    let event = Event::new(Action::IdentityLinked)
        .actor(user_id)
        .user(user_id)
        .client(client)
        .details(serde_json::json!({ "provider": provider.slug, "email": email }));
    audit::record(txn, event).await?;
    if notify {
        // A new way into an existing account: its owner hears of it.
        let user = lookup::existing_user(txn, user_id).await?;
        outbox::enqueue(
            txn,
            MailKind::IdentityLinked,
            Some(user_id),
            &user.email,
            now,
        )
        .await?;
    }
    Ok(identity)
}

/// A link token for `subject` at `provider` to the existing account `user_id`, which the
/// person proves by signing in to it with `linkToken`.
pub async fn offer(
    txn: &impl ConnectionTrait,
    provider: &identity_providers::Model,
    user_id: Uuid,
    subject: &str,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<(String, DateTime<Utc>)> {
    let (token, token_hash) = tokens::new_link_token()?;
    let expires_at = now + LINK_TTL;
    account_links::Entity::insert(account_links::ActiveModel {
        id: Set(Uuid::new_v4()),
        token_hash: Set(token_hash),
        provider_id: Set(provider.id),
        subject: Set(subject.to_owned()),
        email: Set(email.to_owned()),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    })
    .exec_without_returning(txn)
    .await?;
    Ok((token, expires_at))
}

/// The open link behind `token`, or `BAD_USER_INPUT` on `linkToken`.
pub async fn pending(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<account_links::Model> {
    account_links::Entity::find()
        .filter(account_links::Column::TokenHash.eq(tokens::hash_token(token)))
        .one(db)
        .await?
        .filter(|link| link.used_at.is_none() && link.expires_at > now)
        .ok_or_else(bad_link_token)
}

pub fn bad_link_token() -> AppError {
    FieldErrors::single(
        "linkToken",
        "is invalid, expired or used: sign in with the provider again",
    )
}

/// Spends the link `link_id` for `user_id` and links its identity, inside the sign-in's
/// transaction: a conditional update, so a link token links once. `BAD_USER_INPUT` on
/// `linkToken` when it was spent meanwhile, names another account, or its identity is linked
/// elsewhere by now.
pub async fn redeem(
    txn: &impl ConnectionTrait,
    link_id: Uuid,
    user_id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> AppResult<user_identities::Model> {
    let spent = account_links::Entity::update_many()
        .col_expr(account_links::Column::UsedAt, Expr::value(now))
        .filter(account_links::Column::Id.eq(link_id))
        .filter(account_links::Column::UserId.eq(user_id))
        .filter(account_links::Column::UsedAt.is_null())
        .filter(account_links::Column::ExpiresAt.gt(now))
        .exec(txn)
        .await?
        .rows_affected;
    if spent != 1 {
        return Err(bad_link_token());
    }
    let pending = account_links::Entity::find_by_id(link_id)
        .one(txn)
        .await?
        .ok_or_else(bad_link_token)?;
    let provider = identity_providers::Entity::find_by_id(pending.provider_id)
        .one(txn)
        .await?
        .filter(|provider| provider.enabled)
        .ok_or_else(bad_link_token)?;
    let taken = user_identities::Entity::find()
        .filter(user_identities::Column::ProviderId.eq(provider.id))
        .filter(user_identities::Column::Subject.eq(&pending.subject))
        .one(txn)
        .await?;
    match taken {
        Some(identity) if identity.user_id == user_id => Ok(identity),
        Some(_) => Err(bad_link_token()),
        None => link(
            txn,
            &provider,
            user_id,
            &pending.subject,
            Some(&pending.email),
            client,
            now,
        )
        .await
        .map_err(|error| match error {
            AppError::Conflict { .. } => bad_link_token(),
            other => other,
        }),
    }
}

/// `unlinkIdentity`: the viewer's own identity, after a recent sign-in or reauthentication.
/// `CONFLICT` `LAST_SIGN_IN_METHOD` when it is the account's only way in. The account's row is
/// locked first, so two unlinks at once cannot each leave the other as the last one and
/// remove both.
pub async fn unlink(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<bool> {
    state.rate_limits.user(viewer.id())?;
    step_up::require_recent(state, viewer).await?;
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    let user = lookup::user_locked(&txn, viewer.id()).await?;
    let Some(identity) = user_identities::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|identity| identity.user_id == user.id)
    else {
        return Err(AppError::NotFound("no such linked identity"));
    };
    if ways_in::would_be_last(&txn, &user, Leaving::Identity(identity.id)).await? {
        return Err(ways_in::last_sign_in_method(
            "this is the account's only way to sign in: set a password, link another provider \
             or add a passkey first",
        ));
    }
    user_identities::Entity::delete_by_id(identity.id)
        .exec(&txn)
        .await?;
    let provider = identity_providers::Entity::find_by_id(identity.provider_id)
        .one(&txn)
        .await?;
    let event = Event::new(Action::IdentityUnlinked)
        .by(viewer)
        .user(user.id)
        .details(serde_json::json!({
            "provider": provider.map(|provider| provider.slug),
            "email": identity.email,
        }));
    audit::record(&txn, event).await?;
    outbox::enqueue(
        &txn,
        MailKind::IdentityUnlinked,
        Some(user.id),
        &user.email,
        now,
    )
    .await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(true)
}

/// Whether any identity is linked through `provider_id`.
pub async fn any_through(db: &impl ConnectionTrait, provider_id: Uuid) -> AppResult<bool> {
    Ok(user_identities::Entity::find()
        .filter(user_identities::Column::ProviderId.eq(provider_id))
        .count(db)
        .await?
        > 0)
}

/// How many live accounts without a password would have no way in once `provider_id` is gone:
/// no identity at another enabled provider. Their rows are locked (on PostgreSQL), so that an
/// unlink at the same moment waits and then counts without this provider.
pub async fn accounts_only_reached_through(
    txn: &impl ConnectionTrait,
    provider_id: Uuid,
) -> AppResult<u64> {
    let mut through: Vec<Uuid> = user_identities::Entity::find()
        .filter(user_identities::Column::ProviderId.eq(provider_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|identity| identity.user_id)
        .collect();
    through.sort();
    through.dedup();
    let mut stranded = 0;
    for user_id in through {
        let user = lookup::user_locked(txn, user_id).await?;
        if user.deleted_at.is_none()
            && ways_in::would_be_last(txn, &user, Leaving::Provider(provider_id)).await?
        {
            stranded += 1;
        }
    }
    Ok(stranded)
}

/// Deletes link tokens that expired before `before`. Returns how many.
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> AppResult<u64> {
    Ok(account_links::Entity::delete_many()
        .filter(account_links::Column::ExpiresAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
