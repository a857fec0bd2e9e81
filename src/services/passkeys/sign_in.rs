//! Signing in with a passkey, without a password: `startPasskeySignIn` returns the options for
//! `navigator.credentials.get()`, `finishPasskeySignIn` checks the answer and opens an `AAL2`
//! session (methods `PASSKEY`): a user-verified passkey is two factors in one, so an account
//! with an authenticator app needs nothing more.
//!
//! With a login name, the options list that account's passkeys; for a login that names no
//! account with passkeys they list the same number and kind of ids a real account would have,
//! derived from the login under a server secret, so the answer never tells whether the
//! account exists. Without a login name, the browser offers every discoverable passkey it holds
//! for this RP ID, and the credential the person picks names the account.

use uuid::Uuid;
use webauthn_rs::prelude::PublicKeyCredential;
use webauthn_rs_proto::AllowCredentials;

use super::assertion::{self, Expecting, Verdict};
use super::ceremonies::{self, Binding, Purpose};
use super::{Ceremony, store};
use crate::auth::viewer::ClientInfo;
use crate::db::entities::sessions::Method;
use crate::db::{self, entities::users};
use crate::error::{AppError, AppResult, FieldErrors, Reason};
use crate::metrics;
use crate::services::rules::validation;
use crate::services::sessions::{self, IssuedTokens};
use crate::state::AppState;

/// The one refusal of a sign-in assertion, whatever was wrong.
const NOT_ACCEPTED: &str = "passkey not accepted";

/// `startPasskeySignIn`.
pub async fn start(
    state: &AppState,
    login: Option<&str>,
    client: &ClientInfo,
) -> AppResult<Ceremony> {
    let login = login.map(str::trim).filter(|login| !login.is_empty());
    if login.is_some_and(|login| login.chars().count() > validation::MAX_EMAIL) {
        return Err(FieldErrors::single(
            "login",
            format!("must be at most {} characters", validation::MAX_EMAIL),
        ));
    }
    state.rate_limits.address(client.ip)?;
    let webauthn = state.passkeys.webauthn()?;
    let now = db::now();
    let cannot_start = |e| AppError::internal(format!("WebAuthn could not start: {e}"));
    let (mut options, expecting) = match login {
        None => {
            let (options, state) = webauthn
                .start_discoverable_authentication()
                .map_err(cannot_start)?;
            (options, Expecting::Discoverable { state })
        }
        Some(login) => {
            let account = sessions::account_named(&state.db, login)
                .await?
                .filter(|user| user.is_active && user.deleted_at.is_none());
            // The same work whether or not the account exists or holds passkeys: a query for
            // its passkeys, and the fake ids. Those of an existing account are its own (the
            // same for its email and its username, as real ones are).
            let held =
                store::list(&state.db, account.as_ref().map_or(Uuid::nil(), |u| u.id)).await?;
            let fake_ids = state.passkeys.fake_credential_ids(
                &account
                    .as_ref()
                    .map_or_else(|| login.to_lowercase(), |user| user.id.to_string()),
            )?;
            match account {
                Some(user) if !held.is_empty() => {
                    let passkeys = held
                        .iter()
                        .map(store::credential)
                        .collect::<AppResult<Vec<_>>>()?;
                    let (options, state) = webauthn
                        .start_passkey_authentication(&passkeys)
                        .map_err(cannot_start)?;
                    let expecting = Expecting::Listed {
                        user_id: user.id,
                        state,
                    };
                    (options, expecting)
                }
                _ => {
                    // A ceremony of its own (a fresh challenge), listing ids nobody holds.
                    let (mut options, _) = webauthn
                        .start_discoverable_authentication()
                        .map_err(cannot_start)?;
                    options.public_key.extensions = None;
                    options.public_key.allow_credentials = fake_ids
                        .into_iter()
                        .map(|id| AllowCredentials {
                            type_: "public-key".to_owned(),
                            id,
                            transports: None,
                        })
                        .collect();
                    (options, Expecting::Nothing)
                }
            }
        }
    };
    super::plain_request(&mut options);
    let started = ceremonies::keep(
        &state.db,
        Purpose::SignIn,
        Binding::default(),
        &expecting,
        now,
    )
    .await?;
    Ceremony::new(started, &options)
}

/// `finishPasskeySignIn`: the answer to the sign-in ceremony `ceremony_id`. Every refused
/// assertion is `UNAUTHENTICATED` "passkey not accepted" (the audit log says why); an unknown,
/// used or expired ceremony is `CHALLENGE_EXPIRED`.
pub async fn finish(
    state: &AppState,
    ceremony_id: &str,
    credential: &serde_json::Value,
    client: &ClientInfo,
) -> AppResult<(users::Model, IssuedTokens)> {
    state.rate_limits.address(client.ip)?;
    let answer: PublicKeyCredential = assertion::parse(credential)?;
    let now = db::now();
    let Some(expecting) = ceremonies::spend::<Expecting>(
        &state.db,
        ceremony_id,
        Purpose::SignIn,
        Binding::default(),
        now,
    )
    .await?
    else {
        return Err(Reason::ChallengeExpired.into());
    };
    let txn = db::begin_write(&state.db).await?;
    let (user_id, reason) = match assertion::check(&txn, state, expecting, &answer, now).await? {
        Verdict::Accepted(passkey) => match sessions::admit(&txn, passkey.user_id, now).await? {
            Some(user) => {
                let details = serde_json::json!({
                    "method": Method::Passkey.name(),
                    "passkeyId": passkey.id,
                });
                let proof = [Method::Passkey];
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
                return Ok((user, tokens));
            }
            None => (Some(passkey.user_id), "account_unavailable"),
        },
        Verdict::Rejected { user_id, reason } => (user_id, reason),
    };
    txn.rollback().await?;
    metrics::login("failed");
    assertion::record_rejection(&state.db, user_id, reason, Purpose::SignIn.name(), client).await;
    Err(AppError::Unauthenticated(NOT_ACCEPTED))
}
