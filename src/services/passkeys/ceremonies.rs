//! Ceremonies: the server's half of a WebAuthn exchange, kept in the database between the
//! options a start mutation returns and the browser's answer a finish mutation brings. The
//! browser never holds the state, so it cannot replay or alter it; any replica finishes what
//! another started. A ceremony lasts `CEREMONY_TTL` and is spent by its first finish, right or
//! wrong (a delete that only one of two concurrent finishes gets), and only by the finish of
//! its purpose, for the account, session or sign-in challenge it was started for.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::db::entities::passkey_ceremonies;
use crate::error::{AppError, AppResult};

/// How long a ceremony waits for the browser's answer.
pub const CEREMONY_TTL: Duration = Duration::minutes(5);
/// Ceremonies of one purpose an account may have open at once (older ones are dropped).
const OPEN_PER_ACCOUNT: usize = 5;

/// Which finish may spend a ceremony.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `finishPasskeyRegistration`, in the session that started it.
    Registration,
    /// `finishPasskeySignIn`, by anyone.
    SignIn,
    /// `verifySecondFactor` of the sign-in challenge it was started for.
    SecondFactor,
    /// `reauthenticate`, in the session that started it.
    Reauthentication,
}

impl Purpose {
    /// As the table and the audit log name it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Registration => "REGISTRATION",
            Self::SignIn => "SIGN_IN",
            Self::SecondFactor => "SECOND_FACTOR",
            Self::Reauthentication => "REAUTHENTICATION",
        }
    }
}

/// What a ceremony is bound to, besides its purpose: each `Some` must match at the finish.
#[derive(Debug, Clone, Copy, Default)]
pub struct Binding {
    pub user_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub challenge_id: Option<Uuid>,
}

/// A ceremony started: its id and when it ends.
pub struct Started {
    pub id: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// Keeps `state` for a ceremony of `purpose` bound to `binding`. A ceremony bound to an
/// account drops that account's oldest open ones of the same purpose beyond
/// `OPEN_PER_ACCOUNT`, so an account holds a bounded number however often it starts.
pub async fn keep(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    binding: Binding,
    state: &impl Serialize,
    now: DateTime<Utc>,
) -> AppResult<Started> {
    if let Some(user_id) = binding.user_id {
        let stale: Vec<Uuid> = passkey_ceremonies::Entity::find()
            .filter(passkey_ceremonies::Column::UserId.eq(user_id))
            .filter(passkey_ceremonies::Column::Purpose.eq(purpose.name()))
            .order_by_desc(passkey_ceremonies::Column::CreatedAt)
            .all(db)
            .await?
            .into_iter()
            .skip(OPEN_PER_ACCOUNT - 1)
            .map(|ceremony| ceremony.id)
            .collect();
        if !stale.is_empty() {
            passkey_ceremonies::Entity::delete_many()
                .filter(passkey_ceremonies::Column::Id.is_in(stale))
                .exec(db)
                .await?;
        }
    }
    let id = Uuid::new_v4();
    let expires_at = now + CEREMONY_TTL;
    let state = serde_json::to_string(state).map_err(|e| AppError::internal(e.to_string()))?;
    passkey_ceremonies::Entity::insert(passkey_ceremonies::ActiveModel {
        id: Set(id),
        purpose: Set(purpose.name().to_owned()),
        user_id: Set(binding.user_id),
        session_id: Set(binding.session_id),
        challenge_id: Set(binding.challenge_id),
        state: Set(state),
        created_at: Set(now),
        expires_at: Set(expires_at),
    })
    .exec(db)
    .await?;
    Ok(Started { id, expires_at })
}

/// Spends the ceremony `id` (as typed) if it is live, of `purpose` and bound as `binding` says,
/// and returns its state: `None` when it is unknown, spent, expired or another's. Of two
/// concurrent spends, one gets it.
pub async fn spend<S: DeserializeOwned>(
    db: &impl ConnectionTrait,
    id: &str,
    purpose: Purpose,
    binding: Binding,
    now: DateTime<Utc>,
) -> AppResult<Option<S>> {
    let Ok(id) = Uuid::parse_str(id.trim()) else {
        return Ok(None);
    };
    let mut live = passkey_ceremonies::Entity::find_by_id(id)
        .filter(passkey_ceremonies::Column::Purpose.eq(purpose.name()))
        .filter(passkey_ceremonies::Column::ExpiresAt.gt(now));
    let mut spent = passkey_ceremonies::Entity::delete_many()
        .filter(passkey_ceremonies::Column::Id.eq(id))
        .filter(passkey_ceremonies::Column::ExpiresAt.gt(now));
    for (column, value) in [
        (passkey_ceremonies::Column::UserId, binding.user_id),
        (passkey_ceremonies::Column::SessionId, binding.session_id),
        (
            passkey_ceremonies::Column::ChallengeId,
            binding.challenge_id,
        ),
    ] {
        if let Some(value) = value {
            live = live.filter(column.eq(value));
            spent = spent.filter(column.eq(value));
        }
    }
    let Some(ceremony) = live.one(db).await? else {
        return Ok(None);
    };
    if spent.exec(db).await?.rows_affected != 1 {
        return Ok(None);
    }
    let state = serde_json::from_str(&ceremony.state)
        .map_err(|e| AppError::internal(format!("a stored ceremony does not read back: {e}")))?;
    Ok(Some(state))
}

/// Deletes ceremonies that expired before `before`. Returns how many.
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> AppResult<u64> {
    Ok(passkey_ceremonies::Entity::delete_many()
        .filter(passkey_ceremonies::Column::ExpiresAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
