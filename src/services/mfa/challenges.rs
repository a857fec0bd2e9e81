//! The second step of signing in. Once a first factor checks out for an account that holds a
//! second one, no session opens: a challenge does (`issue`), an opaque token valid for
//! `CHALLENGE_TTL`, and `verifySecondFactor` (`verify`) opens the session with the second
//! factor. A challenge is used once, allows `MAX_ATTEMPTS` codes, and is void once the
//! account's `credentials_version` moves on (a password change or reset, a deactivation, a
//! deletion, a reset of its second factors). Failures count in the login throttle.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::second_factor::{self, Proving, SecondFactor};
use super::step_up;
use crate::auth::tokens;
use crate::auth::viewer::ClientInfo;
use crate::db::entities::sessions::Method;
use crate::db::entities::{identity_providers, sign_in_challenges, users};
use crate::db::{self};
use crate::error::{AppError, AppResult, Challenge, Reason};
use crate::metrics;
use crate::services::audit::{self, Action, Event};
use crate::services::identity::links as identity_links;
use crate::services::sessions::login_throttle::{self, Account};
use crate::services::sessions::{self, IssuedTokens};
use crate::state::AppState;

/// The address second-factor failures are counted from: none in particular (see
/// `throttle_key`).
pub const THROTTLED_FROM: Option<std::net::IpAddr> = None;

/// How long a challenge waits for its second factor.
pub const CHALLENGE_TTL: Duration = Duration::minutes(5);
/// Codes a challenge takes before it is spent.
pub const MAX_ATTEMPTS: i32 = 5;

/// Opens a challenge for `user_id`, whose `first` factor was just proved, inside the caller's
/// transaction (after any change it makes to the account's credentials, whose version the
/// challenge keeps).
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    first: Method,
    now: DateTime<Utc>,
) -> AppResult<Challenge> {
    issue_linking(db, user_id, first, None, now).await
}

/// `issue`, for a sign-in whose first factor `provider` proved.
pub async fn issue_for_provider(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    provider: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Challenge> {
    insert(db, user_id, Method::Oidc, None, Some(provider), now).await
}

/// `issue`, for a sign-in that also links the provider identity waiting as `account_link`
/// once the second factor is given.
pub async fn issue_linking(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    first: Method,
    account_link: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<Challenge> {
    insert(db, user_id, first, account_link, None, now).await
}

async fn insert(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    first: Method,
    account_link: Option<Uuid>,
    provider: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<Challenge> {
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("a challenge for an account that is gone"))?;
    let (token, token_hash) = tokens::new_link_token()?;
    let expires_at = now + CHALLENGE_TTL;
    sign_in_challenges::Entity::insert(sign_in_challenges::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user_id),
        token_hash: Set(token_hash),
        first_factor: Set(first.name().to_owned()),
        credentials_version: Set(user.credentials_version),
        attempts: Set(0),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        account_link_id: Set(account_link),
        provider_id: Set(provider),
    })
    .exec(db)
    .await?;
    Ok(Challenge {
        token,
        expires_at,
        methods: step_up::second_factor_methods(db, &user).await?,
    })
}

/// `verifySecondFactor`: with a live challenge and a second factor of its account, opens the
/// session, whose methods are the challenge's first factor and this one (`AAL2`).
pub async fn verify(
    state: &AppState,
    token: &str,
    factor: SecondFactor<'_>,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    state.rate_limits.address(client.ip)?;
    let now = db::now();
    let (challenge, user) = open_challenge(&state.db, token, now).await?;
    let throttle_key = throttle_key(user.id);
    let attempt = match login_throttle::begin(
        &state.db,
        &Account::User(user.id),
        &throttle_key,
        THROTTLED_FROM,
        now,
    )
    .await
    {
        Ok(attempt) => attempt,
        Err(refusal) => {
            if matches!(refusal, AppError::TooManyRequests { .. }) {
                metrics::throttled("second_factor");
            }
            return Err(refusal);
        }
    };
    let outcome = attempt_with(state, &challenge, &user, factor, client, now).await;
    match &outcome {
        Ok(_) => {
            if let Err(error) = attempt.succeeded(&state.db).await {
                tracing::warn!(error = %error.message(), "could not reset the login throttle");
            }
            state.mail.wake();
        }
        Err(AppError::Refused(Reason::InvalidSecondFactor)) => {}
        Err(_) => {
            if let Err(undo) = attempt.abandon(&state.db).await {
                tracing::warn!(error = %undo.message(), "could not take back an attempt");
            }
        }
    }
    outcome
}

/// The live challenge `token` names, with its account as the challenge found it; else
/// `CHALLENGE_EXPIRED`.
pub async fn open_challenge(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<(sign_in_challenges::Model, users::Model)> {
    let expired = || AppError::from(Reason::ChallengeExpired);
    let challenge = sign_in_challenges::Entity::find()
        .filter(sign_in_challenges::Column::TokenHash.eq(tokens::hash_token(token)))
        .one(db)
        .await?
        .filter(|challenge| is_open(challenge, now))
        .ok_or_else(expired)?;
    let user = users::Entity::find_by_id(challenge.user_id)
        .one(db)
        .await?
        .filter(|user| still_the_account(user, &challenge))
        .ok_or_else(expired)?;
    Ok((challenge, user))
}

/// One attempt at `challenge`, in one transaction: the attempt counted, the factor checked, and
/// either the session opened and the challenge spent, or the failure recorded.
async fn attempt_with(
    state: &AppState,
    challenge: &sign_in_challenges::Model,
    user: &users::Model,
    factor: SecondFactor<'_>,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> AppResult<(users::Model, IssuedTokens)> {
    let txn = db::begin_write(&state.db).await?;
    // Counted first, conditionally: of attempts racing for the last try, one gets it.
    let counted = sign_in_challenges::Entity::update_many()
        .col_expr(
            sign_in_challenges::Column::Attempts,
            Expr::col(sign_in_challenges::Column::Attempts).add(1),
        )
        .filter(sign_in_challenges::Column::Id.eq(challenge.id))
        .filter(sign_in_challenges::Column::UsedAt.is_null())
        .filter(sign_in_challenges::Column::Attempts.lt(MAX_ATTEMPTS))
        .filter(sign_in_challenges::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?
        .rows_affected;
    if counted != 1 {
        return Err(Reason::ChallengeExpired.into());
    }
    let used = Event::new(Action::RecoveryCodeUsed)
        .actor(user.id)
        .client(client);
    let proving = Proving::SignIn {
        challenge_id: challenge.id,
    };
    if !second_factor::prove(&txn, state, user, factor, used, proving, now).await? {
        let event = Event::new(Action::SecondFactorFailed)
            .user(user.id)
            .client(client)
            .details(serde_json::json!({ "method": factor.method().name() }));
        audit::record(&txn, event).await?;
        txn.commit().await?;
        metrics::login("second_factor_failed");
        return Err(Reason::InvalidSecondFactor.into());
    }
    let spent = sign_in_challenges::Entity::update_many()
        .col_expr(sign_in_challenges::Column::UsedAt, Expr::value(now))
        .filter(sign_in_challenges::Column::Id.eq(challenge.id))
        .filter(sign_in_challenges::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    // The account as the challenge knew it, still: same credentials, active, undeleted.
    let unchanged = users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.id))
        .filter(users::Column::CredentialsVersion.eq(challenge.credentials_version))
        .filter(users::Column::IsActive.eq(true))
        .filter(users::Column::DeletedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if spent != 1 || unchanged != 1 {
        txn.rollback().await?;
        return Err(Reason::ChallengeExpired.into());
    }
    let first = Method::ALL
        .into_iter()
        .find(|method| method.name() == challenge.first_factor)
        .ok_or_else(|| AppError::internal("a challenge with an unknown first factor"))?;
    let proof = [first, factor.method()];
    if let Some(link_id) = challenge.account_link_id {
        // The link token's identity, linked now that the account is fully proved. A token
        // spent or expired meanwhile links nothing and costs no sign-in: the person links the
        // provider from their account instead.
        // Under a savepoint: a link that fails (on PostgreSQL, a unique violation aborts
        // what it runs in) takes nothing else with it.
        let savepoint = txn.begin().await?;
        match identity_links::redeem(&savepoint, link_id, user.id, client, now).await {
            Ok(_) => savepoint.commit().await?,
            Err(error) => {
                savepoint.rollback().await?;
                tracing::info!(error = %error.cause(), "a sign-in's pending link was not made");
            }
        }
    }
    let mut details = serde_json::json!({ "methods": Method::join(&proof) });
    if let Some(provider) = challenge.provider_id {
        // A provider sign-in: the event names it, as the one of a sign-in without a second
        // factor does.
        let slug = identity_providers::Entity::find_by_id(provider)
            .one(&txn)
            .await?
            .map(|provider| provider.slug);
        details["method"] = serde_json::json!(first.name());
        details["provider"] = serde_json::json!(slug);
    }
    let tokens = sessions::signed_in(
        &txn,
        &state.keys,
        user.id,
        client,
        &proof,
        Some(details),
        now,
    )
    .await?;
    txn.commit().await?;
    metrics::login("succeeded");
    let user = users::Model {
        last_login_at: Some(now),
        ..user.clone()
    };
    Ok((user, tokens))
}

/// What the login throttle counts an account's wrong second factors under: a key of the
/// account's own, not a login name, so that a right password (which ends a run of wrong ones)
/// does not end a run of wrong codes.
///
/// The run is the account's, from every address together (`THROTTLED_FROM`): whoever tries
/// codes holds the password or a session already, so spreading the guesses over many addresses
/// must not buy more of them. After `login_throttle::CONSECUTIVE` wrong codes each further one
/// doubles the wait, up to 15 minutes, and only a right code ends the run.
pub fn throttle_key(user_id: Uuid) -> String {
    format!("second-factor:{user_id}")
}

/// Unused, unexpired and not out of attempts.
fn is_open(challenge: &sign_in_challenges::Model, now: DateTime<Utc>) -> bool {
    challenge.used_at.is_none() && challenge.expires_at > now && challenge.attempts < MAX_ATTEMPTS
}

/// The account as the challenge found it: same credentials, active and undeleted.
fn still_the_account(user: &users::Model, challenge: &sign_in_challenges::Model) -> bool {
    user.credentials_version == challenge.credentials_version
        && user.is_active
        && user.deleted_at.is_none()
}

/// Deletes challenges that expired before `before`. Returns how many.
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> AppResult<u64> {
    Ok(sign_in_challenges::Entity::delete_many()
        .filter(sign_in_challenges::Column::ExpiresAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
