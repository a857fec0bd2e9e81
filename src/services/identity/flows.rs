//! The round trip through a provider (API.md, "The flow"). Tokens never travel in a URL, and
//! a single-page app never holds a client secret:
//!
//! 1. `startOAuth` (`start`): the frontend's S256 `codeChallenge` and an exactly allowed
//!    `redirectUri`. Roster keeps the flow for 10 minutes: the `state` (256 bits, stored as its
//!    SHA-256), the OIDC `nonce`, its own PKCE verifier with the provider (sealed), the intent.
//! 2. The provider sends the browser to `/oauth/{slug}/callback` (`callback`): the `state` is
//!    spent by a conditional update, must belong to this provider, and the code is redeemed and
//!    its ID token (or GitHub's API) checked; `decisions` decides.
//! 3. The browser goes on to `redirectUri?code=` (a one-time code, 60 s, stored as its
//!    SHA-256) or `redirectUri?error=`.
//! 4. `completeOAuth` (`complete`): the code is spent by a conditional update, and only then
//!    the frontend's verifier compared with its challenge, so a code leaked through history or
//!    logs is useless, and a wrong guess spends it. Sessions open here, never in the callback.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use oauth2::PkceCodeChallenge;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    TransactionTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Asserted;
use super::decisions::{self, Decision, Phase};
use super::{Intent, ProviderCall, github, links, oidc, providers};
use crate::auth::tokens;
use crate::auth::viewer::{ClientInfo, Viewer};
use crate::db::entities::identity_providers::Kind;
use crate::db::entities::sessions::Method;
use crate::db::entities::{identity_providers, oauth_flows, user_identities, users};
use crate::db::{self};
use crate::error::{AppError, AppResult, FieldErrors, Reason};
use crate::metrics;
use crate::services::audit::{self, Action, Event};
use crate::services::mfa::{challenges, step_up};
use crate::services::sessions::{self, SignIn};
use crate::state::AppState;

/// How long a flow waits for the provider.
pub const FLOW_TTL: Duration = Duration::minutes(10);
/// How long the one-time code waits for `completeOAuth`.
pub const CODE_TTL: Duration = Duration::seconds(60);
/// Longer than any token Roster hands out (43 characters): refused before it is hashed.
pub const MAX_TOKEN_LEN: usize = 100;

/// What `startOAuth` returns.
pub struct Started {
    pub authorization_url: String,
    pub expires_at: DateTime<Utc>,
}

/// `startOAuth`. SIGN_IN is anonymous. LINK adds a way into the account, so it asks what a new
/// second factor asks: a `reauthenticate` within `--reauthentication-window` (a fresh sign-in
/// is no proof: a stolen token is usually fresh), or, for an account with neither a password
/// nor a second factor to reauthenticate with, a sign-in within the window. An account the
/// gates restrict (`--require-verified-email`, `--require-mfa`) links nothing.
pub async fn start(
    state: &AppState,
    viewer: Option<&Viewer>,
    slug: &str,
    redirect_uri: &str,
    code_challenge: &str,
    intent: Intent,
    client: &ClientInfo,
) -> AppResult<Started> {
    state.rate_limits.address(client.ip)?;
    let mut errors = FieldErrors::default();
    let provider = if slug.len() <= 40 {
        providers::enabled_by_slug(&state.db, slug).await?
    } else {
        None
    };
    if provider.is_none() {
        errors.add("provider", "no enabled identity provider has this slug");
    }
    let endpoints = state.identity.endpoints()?;
    if !endpoints
        .redirect_uris
        .iter()
        .any(|uri| uri == redirect_uri)
    {
        errors.add(
            "redirectUri",
            "is not one of the allowed redirect URIs (--oauth-redirect-uris), exactly",
        );
    }
    if !is_s256_challenge(code_challenge) {
        errors.add(
            "codeChallenge",
            "must be BASE64URL(SHA-256(codeVerifier)): 43 characters of A-Z, a-z, 0-9, - and _",
        );
    }
    errors.into_result()?;
    let provider = provider.expect("BUG: checked above");
    let (user_id, session_id) = match intent {
        Intent::SignIn => (None, None),
        Intent::Link => {
            let viewer = viewer.ok_or(AppError::Unauthenticated(
                "sign in first: linking a provider needs a session",
            ))?;
            if viewer.is_unverified_restricted() {
                return Err(AppError::EmailNotVerified);
            }
            if viewer.must_enrol() {
                return Err(Reason::MfaEnrollmentRequired.into());
            }
            step_up::require_presence(state, viewer).await?;
            (Some(viewer.id()), Some(viewer.session_id))
        }
    };
    let (flow_state, state_hash) = tokens::new_link_token()?;
    let (nonce, _) = tokens::new_link_token()?;
    let (provider_challenge, provider_verifier) = PkceCodeChallenge::new_random_sha256();
    let call = ProviderCall::new(state, &provider, &flow_state, &nonce)?;
    let authorization_url = match provider.kind {
        Kind::Oidc | Kind::Google => oidc::authorization_url(&call, provider_challenge).await?,
        Kind::Github => github::authorization_url(&call, provider_challenge)?,
    };
    let now = db::now();
    let id = Uuid::new_v4();
    let sealed_verifier = state
        .encryption
        .seal(provider_verifier.secret().as_bytes(), &verifier_context(id))?;
    let expires_at = now + FLOW_TTL;
    oauth_flows::Entity::insert(oauth_flows::ActiveModel {
        id: Set(id),
        state_hash: Set(state_hash),
        provider_id: Set(provider.id),
        intent: Set(intent.name().to_owned()),
        user_id: Set(user_id),
        session_id: Set(session_id),
        nonce: Set(nonce),
        provider_verifier: Set(sealed_verifier),
        code_challenge: Set(code_challenge.to_owned()),
        redirect_uri: Set(redirect_uri.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        state_used_at: Set(None),
        code_hash: Set(None),
        code_expires_at: Set(None),
        code_used_at: Set(None),
        subject: Set(None),
        email: Set(None),
    })
    .exec_without_returning(&state.db)
    .await?;
    Ok(Started {
        authorization_url,
        expires_at,
    })
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, serde::Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    /// RFC 9207: the issuer that answered, when the provider says.
    pub iss: Option<String>,
}

/// Where the callback sends the browser.
pub enum Landing {
    /// `redirectUri` with `code=` or `error=`.
    Redirect(String),
    /// No flow has this state: there is nowhere to send the browser back to.
    UnknownState,
}

/// The provider's redirect back to `/oauth/{slug}/callback`.
pub async fn callback(
    state: &AppState,
    slug: &str,
    params: CallbackParams,
    client: &ClientInfo,
) -> AppResult<Landing> {
    state.rate_limits.address(client.ip)?;
    let Some(flow_state) = params
        .state
        .clone()
        .filter(|state| state.len() <= MAX_TOKEN_LEN)
    else {
        return Ok(Landing::UnknownState);
    };
    let Some(flow) = oauth_flows::Entity::find()
        .filter(oauth_flows::Column::StateHash.eq(tokens::hash_token(&flow_state)))
        .one(&state.db)
        .await?
    else {
        return Ok(Landing::UnknownState);
    };
    let now = db::now();
    let back = |error: &str| Landing::Redirect(with_query(&flow.redirect_uri, "error", error));
    // Spent once, whatever follows: a replayed callback finds it spent.
    let spent = oauth_flows::Entity::update_many()
        .col_expr(oauth_flows::Column::StateUsedAt, Expr::value(now))
        .filter(oauth_flows::Column::Id.eq(flow.id))
        .filter(oauth_flows::Column::StateUsedAt.is_null())
        .filter(oauth_flows::Column::ExpiresAt.gt(now))
        .exec(&state.db)
        .await?
        .rows_affected;
    if spent != 1 {
        return Ok(back("expired"));
    }
    // From here on the flow is spent: whatever fails, the browser goes back to the frontend,
    // which hears `provider_error` (the cause is in the log).
    match finish(state, slug, &flow, &flow_state, params, client, now).await {
        Ok(landing) => Ok(landing),
        Err(error) => {
            tracing::error!(slug, error = %error.cause(), "a provider callback failed");
            Ok(back("provider_error"))
        }
    }
}

/// The callback once its flow is spent: the provider checked, its code redeemed, the decision
/// made (without writing), and the one-time code handed out.
async fn finish(
    state: &AppState,
    slug: &str,
    flow: &oauth_flows::Model,
    flow_state: &str,
    params: CallbackParams,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> AppResult<Landing> {
    let back = |error: &str| Landing::Redirect(with_query(&flow.redirect_uri, "error", error));
    let provider = identity_providers::Entity::find_by_id(flow.provider_id)
        .one(&state.db)
        .await?
        .filter(|provider| provider.enabled);
    let Some(provider) = provider.filter(|provider| provider.slug == slug) else {
        // A state from another provider's flow (a mix-up), or a provider disabled meanwhile.
        tracing::warn!(
            slug,
            "a provider callback with the state of another provider's flow"
        );
        return Ok(back("provider_error"));
    };
    if let Some(error) = &params.error {
        let reason = if error == "access_denied" {
            "access_denied"
        } else {
            "provider_error"
        };
        refused(state, &provider, None, reason, client).await;
        return Ok(back(reason));
    }
    let Some(code) = params.code.as_deref().filter(|code| code.len() <= 2048) else {
        return Ok(back("provider_error"));
    };
    let issuer = providers::issuer(&provider);
    if provider.kind != Kind::Github && params.iss.as_deref().is_some_and(|iss| iss != issuer) {
        tracing::warn!(slug, "a provider callback names another issuer");
        return Ok(back("provider_error"));
    }
    let verifier = state
        .encryption
        .open(&flow.provider_verifier, &verifier_context(flow.id))
        .and_then(|bytes| {
            String::from_utf8(bytes).map_err(|_| AppError::internal("a verifier is not text"))
        })?;
    let call = ProviderCall::new(state, &provider, flow_state, &flow.nonce)?;
    let redeemed = match provider.kind {
        Kind::Oidc | Kind::Google => oidc::redeem(&call, code, verifier).await,
        Kind::Github => github::redeem(&call, code, verifier).await,
    };
    let asserted = match redeemed {
        // A subject is what identities are keyed by: one that is empty or longer than the
        // column is no identity Roster can keep.
        Ok(asserted) if asserted.subject.is_empty() || asserted.subject.chars().count() > 255 => {
            tracing::warn!(slug, "a provider asserted an empty or overlong subject");
            refused(state, &provider, None, "provider_error", client).await;
            return Ok(back("provider_error"));
        }
        Ok(asserted) => asserted,
        Err(error) => {
            tracing::warn!(slug, error = %error.cause(), "a provider sign-in failed");
            refused(state, &provider, None, "provider_error", client).await;
            return Ok(back("provider_error"));
        }
    };
    // Decided now, so that a refusal is the redirect's `error=`; written nothing yet (see
    // `decisions`): `completeOAuth` decides again and writes, once the verifier matched.
    // A plain transaction: the decision only reads here (and is rolled back).
    let txn = state.db.begin().await?;
    let decided = decisions::decide(
        &txn,
        &provider,
        flow,
        &asserted,
        Phase::Callback,
        client,
        now,
    )
    .await;
    txn.rollback().await?;
    match decided {
        Ok(Ok(_)) => {}
        Ok(Err(reason)) => {
            let user = match flow.user_id {
                Some(id) => users::Entity::find_by_id(id)
                    .one(&state.db)
                    .await?
                    .map(|user| user.id),
                None => None,
            };
            refused(state, &provider, user, reason, client).await;
            return Ok(back(reason));
        }
        Err(error) => {
            tracing::warn!(slug, error = %error.cause(), "a provider sign-in could not be decided");
            return Ok(back("provider_error"));
        }
    }
    let verified_email = asserted.email.clone().filter(|_| asserted.email_verified);
    let (code, code_hash) = tokens::new_link_token()?;
    oauth_flows::Entity::update_many()
        .col_expr(oauth_flows::Column::CodeHash, Expr::value(code_hash))
        .col_expr(
            oauth_flows::Column::CodeExpiresAt,
            Expr::value(now + CODE_TTL),
        )
        .col_expr(
            oauth_flows::Column::Subject,
            Expr::value(asserted.subject.clone()),
        )
        .col_expr(oauth_flows::Column::Email, Expr::value(verified_email))
        .filter(oauth_flows::Column::Id.eq(flow.id))
        .exec(&state.db)
        .await?;
    Ok(Landing::Redirect(with_query(
        &flow.redirect_uri,
        "code",
        &code,
    )))
}

/// What `completeOAuth` returns.
pub enum Completed {
    /// A session, or the second factor it waits for.
    SignedIn(SignIn),
    /// An account has this email: sign in to it with `token` as `linkToken`.
    LinkRequired {
        token: String,
        email: String,
        provider: identity_providers::Model,
        expires_at: DateTime<Utc>,
    },
    /// Linked to the viewer who started the flow.
    Linked(user_identities::Model, identity_providers::Model),
}

/// `completeOAuth`: the one-time code, with the verifier of the flow's challenge. Only now is
/// anything written: the decision is made again and applied in the transaction that opens the
/// session (or the challenge of a second factor, or the link token). A LINK flow completes only
/// in the session that started it (`viewer`), so one finished in another person's browser links
/// nothing.
pub async fn complete(
    state: &AppState,
    viewer: Option<&Viewer>,
    code: &str,
    code_verifier: &str,
    client: &ClientInfo,
) -> AppResult<Completed> {
    state.rate_limits.address(client.ip)?;
    let invalid = || {
        FieldErrors::single(
            "code",
            "is invalid, expired or used, or the code verifier does not match",
        )
    };
    if code.len() > MAX_TOKEN_LEN || code_verifier.len() > 128 {
        return Err(invalid());
    }
    let now = db::now();
    let flow = oauth_flows::Entity::find()
        .filter(oauth_flows::Column::CodeHash.eq(tokens::hash_token(code)))
        .one(&state.db)
        .await?
        .ok_or_else(invalid)?;
    let spent = oauth_flows::Entity::update_many()
        .col_expr(oauth_flows::Column::CodeUsedAt, Expr::value(now))
        .filter(oauth_flows::Column::Id.eq(flow.id))
        .filter(oauth_flows::Column::CodeUsedAt.is_null())
        .filter(oauth_flows::Column::CodeExpiresAt.gt(now))
        .exec(&state.db)
        .await?
        .rows_affected;
    if spent != 1 || !verifier_matches(code_verifier, &flow.code_challenge) {
        return Err(invalid());
    }
    if flow.intent == Intent::Link.name() {
        let same_session = viewer.is_some_and(|viewer| {
            Some(viewer.id()) == flow.user_id && Some(viewer.session_id) == flow.session_id
        });
        if !same_session {
            return Err(FieldErrors::single(
                "code",
                "belongs to a link started in another session: link the provider again from \
                 the account page",
            ));
        }
    }
    let provider = identity_providers::Entity::find_by_id(flow.provider_id)
        .one(&state.db)
        .await?
        .filter(|provider| provider.enabled)
        .ok_or_else(invalid)?;
    let subject = flow.subject.clone().ok_or_else(invalid)?;
    let asserted = Asserted {
        subject,
        email_verified: flow.email.is_some(),
        email: flow.email.clone(),
        hosted_domain: None,
    };
    let txn = db::begin_write(&state.db).await?;
    let decided = decisions::decide(
        &txn,
        &provider,
        &flow,
        &asserted,
        Phase::Complete,
        client,
        now,
    )
    .await;
    let decision = match decided {
        Ok(Ok(decision)) => decision,
        Ok(Err(reason)) => {
            // Something changed since the callback (the account was deactivated, the identity
            // linked elsewhere): nothing is written.
            txn.rollback().await?;
            refused(state, &provider, None, reason, client).await;
            return Err(FieldErrors::single(
                "code",
                format!("this sign-in can no longer finish ({reason}): sign in again"),
            ));
        }
        Err(AppError::Conflict { .. }) => {
            // Another sign-in of the same person made the account or the link meanwhile.
            txn.rollback().await?;
            return Err(FieldErrors::single(
                "code",
                "another sign-in finished at the same time: sign in again",
            ));
        }
        Err(error) => return Err(error),
    };
    match decision {
        Decision::Session(user_id) => {
            let signed_in = open(&txn, state, &provider, user_id, client, now).await?;
            let Some(signed_in) = signed_in else {
                txn.rollback().await?;
                return Err(invalid());
            };
            txn.commit().await?;
            state.mail.wake();
            if matches!(signed_in, SignIn::Session(..)) {
                metrics::login("succeeded");
            }
            Ok(Completed::SignedIn(signed_in))
        }
        Decision::LinkRequired(user_id) => {
            let email = asserted.email.clone().ok_or_else(invalid)?;
            let (token, expires_at) =
                links::offer(&txn, &provider, user_id, &asserted.subject, &email, now).await?;
            txn.commit().await?;
            Ok(Completed::LinkRequired {
                token,
                email,
                provider,
                expires_at,
            })
        }
        Decision::Linked(user_id) => {
            let identity = user_identities::Entity::find()
                .filter(user_identities::Column::ProviderId.eq(provider.id))
                .filter(user_identities::Column::Subject.eq(&asserted.subject))
                .filter(user_identities::Column::UserId.eq(user_id))
                .one(&txn)
                .await?
                .ok_or_else(invalid)?;
            txn.commit().await?;
            state.mail.wake();
            Ok(Completed::Linked(identity, provider))
        }
    }
}

/// The session of a provider sign-in, or the challenge of an account with a second factor,
/// inside `txn`; `None` when the account is no longer active (a deactivation or deletion that
/// committed first: the conditional update waits for it and sees it).
async fn open(
    txn: &DatabaseTransaction,
    state: &AppState,
    provider: &identity_providers::Model,
    user_id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> AppResult<Option<SignIn>> {
    let Some(user) = sessions::admit(txn, user_id, now).await? else {
        return Ok(None);
    };
    if user.mfa_enabled {
        // The provider proved the first factor only.
        let challenge = challenges::issue_for_provider(txn, user.id, provider.id, now).await?;
        return Ok(Some(SignIn::SecondFactor(challenge)));
    }
    let details = serde_json::json!({ "method": "OIDC", "provider": provider.slug });
    let proof = [Method::Oidc];
    let tokens = sessions::signed_in(
        txn,
        &state.keys,
        user.id,
        client,
        &proof,
        Some(details),
        now,
    )
    .await?;
    Ok(Some(SignIn::Session(Box::new(user), tokens)))
}

/// Records a refused provider sign-in (`LOGIN_FAILED`, naming the method, provider and
/// reason); a failure to record it is logged, never turned into another answer.
async fn refused(
    state: &AppState,
    provider: &identity_providers::Model,
    user: Option<Uuid>,
    reason: &str,
    client: &ClientInfo,
) {
    metrics::login("failed");
    let mut event = Event::new(Action::LoginFailed)
        .client(client)
        .details(serde_json::json!({
            "method": "OIDC",
            "provider": provider.slug,
            "reason": reason,
        }));
    if let Some(id) = user {
        event = event.user(id);
    }
    if let Err(error) = audit::record(&state.db, event).await {
        tracing::warn!(error = %error.message(), "could not record a refused provider sign-in");
    }
}

/// What Roster's own PKCE verifier is sealed for: this flow's row.
pub fn verifier_context(id: Uuid) -> String {
    format!("oauth_flows.provider_verifier:{id}")
}

/// 43 characters of base64url: the length of a SHA-256 in base64url without padding.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// RFC 7636: the verifier is 43 to 128 unreserved characters, and its S256 is the challenge.
fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// `uri` with one more query parameter (its own query kept).
fn with_query(uri: &str, name: &str, value: &str) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().append_pair(name, value);
            url.into()
        }
        // Only URIs that parsed were allowed in: unreachable in practice.
        Err(_) => uri.to_owned(),
    }
}

/// Deletes flows that expired before `before`. Returns how many.
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> AppResult<u64> {
    Ok(oauth_flows::Entity::delete_many()
        .filter(oauth_flows::Column::ExpiresAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verifier_of_rfc_7636_appendix_b_matches_its_challenge() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(is_s256_challenge(challenge));
        assert!(verifier_matches(verifier, challenge));
        assert!(!verifier_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl",
            challenge
        ));
        // The challenge itself is no verifier of itself.
        assert!(!verifier_matches(challenge, challenge));
        assert!(!is_s256_challenge("plain-verifier"));
    }

    #[test]
    fn redirect_uris_keep_their_own_query() {
        assert_eq!(
            with_query("https://app.example/done?from=x", "code", "a b"),
            "https://app.example/done?from=x&code=a+b"
        );
    }
}
