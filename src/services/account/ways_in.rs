//! The ways into an account besides its password: its identities at enabled providers and its
//! passkeys. No operation removes an account's last way to sign in (`LAST_SIGN_IN_METHOD`):
//! what removes one (`identity`, `passkeys`) asks here first, with the account's row locked, so
//! that two removals at once cannot each leave the other as the last. It reads their tables
//! itself, below both domains.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::db::entities::{identity_providers, passkeys, user_identities, users};
use crate::error::{AppError, AppResult, Reason};

/// `CONFLICT` `LAST_SIGN_IN_METHOD`, saying what the account could do first.
pub fn last_sign_in_method(message: &str) -> AppError {
    Reason::LastSignInMethod(message.to_owned()).into()
}

/// A way in about to go.
#[derive(Debug, Clone, Copy)]
pub enum Leaving {
    /// A linked identity, by its id.
    Identity(Uuid),
    /// Every identity at a provider, by the provider's id.
    Provider(Uuid),
    /// A passkey, by its id.
    Passkey(Uuid),
}

/// Whether `user` would be left with no way in once `leaving` is gone: no password, no
/// identity at an enabled provider, no passkey.
pub async fn would_be_last(
    db: &impl ConnectionTrait,
    user: &users::Model,
    leaving: Leaving,
) -> AppResult<bool> {
    if user.password_hash.is_some() {
        return Ok(false);
    }
    let identities = user_identities::Entity::find()
        .filter(user_identities::Column::UserId.eq(user.id))
        .all(db)
        .await?;
    let enabled: Vec<Uuid> = identity_providers::Entity::find()
        .filter(identity_providers::Column::Enabled.eq(true))
        .filter(
            identity_providers::Column::Id
                .is_in(identities.iter().map(|identity| identity.provider_id)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|provider| provider.id)
        .collect();
    let identities = identities
        .iter()
        .filter(|identity| {
            enabled.contains(&identity.provider_id)
                && match leaving {
                    Leaving::Identity(id) => identity.id != id,
                    Leaving::Provider(id) => identity.provider_id != id,
                    Leaving::Passkey(_) => true,
                }
        })
        .count();
    let passkeys = passkeys::Entity::find()
        .filter(passkeys::Column::UserId.eq(user.id))
        .all(db)
        .await?
        .iter()
        .filter(|passkey| !matches!(leaving, Leaving::Passkey(id) if passkey.id == id))
        .count();
    Ok(identities + passkeys == 0)
}
