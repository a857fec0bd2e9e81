//! `register`: a new account, its first session, its first audit events and the mail that
//! confirms its address, in one transaction.

use sea_orm::{ActiveModelTrait, ActiveValue::Set};

use crate::auth::viewer::ClientInfo;
use crate::db::entities::sessions::Method;
use crate::db::{self, entities::users};
use crate::error::AppResult;
use crate::services::audit::{self, Action, Event};
use crate::services::rules::profile_fields::{self, NewAccount, Role};
use crate::services::sessions::{self, IssuedTokens};
use crate::state::AppState;

/// `register`: a new USER account and its first session, in one transaction.
pub async fn register(
    state: &AppState,
    account: NewAccount,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    state.rate_limits.address(client.ip)?;
    let mut model = profile_fields::prepare_account(
        &state.passwords,
        NewAccount {
            role: Role::User,
            is_active: true,
            email_verified: false,
            ..account
        },
    )
    .await?;
    let now = db::now();
    model.last_login_at = Set(Some(now));
    let txn = db::begin_write(&state.db).await?;
    let user = model.insert(&txn).await?;
    let tokens =
        sessions::start(&txn, &state.keys, user.id, client, &[Method::Password], now).await?;
    let event = Event::new(Action::Registered)
        .actor(user.id)
        .user(user.id)
        .session(tokens.session_id)
        .client(client);
    audit::record(&txn, event).await?;
    let said_by = |event: Event| {
        event
            .actor(user.id)
            .session(tokens.session_id)
            .client(client)
    };
    super::queue_verification(&txn, &user, now, said_by).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok((user, tokens))
}
