//! `login`: the password proof. It finds the account, asks the login throttle, checks the
//! password, and opens the session through `sessions::start` only if the account is still the
//! one it checked. Every refusal looks the same from outside and is recorded.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::login_throttle::{self, Account};
use super::open::{self, IssuedTokens};
use crate::auth::password;
use crate::auth::viewer::ClientInfo;
use crate::db::entities::account_links;
use crate::db::entities::sessions::Method;
use crate::db::{self, entities::users};
use crate::error::{AppError, AppResult, Challenge, FieldErrors};
use crate::metrics;
use crate::services::audit::{self, Action, Event};
use crate::services::identity::links as identity_links;
use crate::services::mfa::challenges;
use crate::services::rules::validation;
use crate::state::AppState;

/// `login`: by email (contains `@`) or username. Unknown user, wrong password, deactivated
/// and deleted accounts all answer the same error after the same amount of hashing work, and
/// count alike against the throttle (`login_throttle`), which refuses before any hashing. An
/// account without a password (made by a provider sign-in) is one more wrong password.
///
/// With `link_token` (from `AccountLinkRequired`), the sign-in also links the provider
/// identity waiting under it to the account, in the transaction that opens the session, or,
/// for an account with a second factor, in the one that checks it. A token that is unknown,
/// used, expired, or names another account is `BAD_USER_INPUT` on `linkToken`, and nothing
/// opens.
pub async fn login(
    state: &AppState,
    login: &str,
    password: &str,
    link_token: Option<&str>,
    client: &ClientInfo,
) -> AppResult<SignIn> {
    let login = login.trim();
    // Longer than anything stored or allowed: refused before any counter or hash is touched.
    let mut errors = FieldErrors::default();
    if login.chars().count() > validation::MAX_EMAIL {
        errors.add(
            "login",
            format!("must be at most {} characters", validation::MAX_EMAIL),
        );
    }
    if password.chars().count() > password::MAX_PASSWORD_CHARS {
        errors.add(
            "password",
            format!(
                "must be at most {} characters",
                password::MAX_PASSWORD_CHARS
            ),
        );
    }
    errors.into_result()?;
    state.rate_limits.address(client.ip)?;
    let link = match link_token {
        Some(token) if token.len() > crate::services::identity::flows::MAX_TOKEN_LEN => {
            return Err(identity_links::bad_link_token());
        }
        Some(token) => Some(identity_links::pending(&state.db, token, db::now()).await?),
        None => None,
    };
    let candidate = account_named(&state.db, login).await?;
    let account = match &candidate {
        Some(user) => Account::User(user.id),
        None => Account::Unknown(login),
    };
    let named = candidate.as_ref().map(|user| user.id);
    let attempt =
        match login_throttle::begin(&state.db, &account, login, client.ip, db::now()).await {
            Ok(attempt) => attempt,
            Err(refusal) => {
                if matches!(refusal, AppError::TooManyRequests { .. }) {
                    metrics::login("throttled");
                    metrics::throttled("login");
                    refused_login(state, Action::LoginThrottled, named, login, client).await;
                }
                return Err(refusal);
            }
        };
    match check_and_open(state, candidate, password, link.as_ref(), client).await {
        Ok(opened) => {
            metrics::login("succeeded");
            if link.is_some() {
                // The notice of the identity linked.
                state.mail.wake();
            }
            if let Err(error) = attempt.succeeded(&state.db).await {
                // The session is open; the counter merely stays a failure too many.
                tracing::warn!(error = %error.message(), "could not reset the login throttle");
            }
            Ok(opened)
        }
        Err(Verdict::Refused) => {
            metrics::login("failed");
            refused_login(state, Action::LoginFailed, named, login, client).await;
            Err(AppError::Unauthenticated("invalid credentials"))
        }
        Err(Verdict::None(error)) => {
            if let Err(undo) = attempt.abandon(&state.db).await {
                tracing::warn!(error = %undo.message(), "could not take back a login attempt");
            }
            Err(error)
        }
    }
}

/// The account `login` names: the one with that email (it contains `@`) or username, in any
/// case, deleted and deactivated ones included.
pub async fn account_named(
    db: &impl sea_orm::ConnectionTrait,
    login: &str,
) -> AppResult<Option<users::Model>> {
    // Nothing stored is empty or holds control characters (which PostgreSQL would refuse to
    // compare): such a login names nobody.
    if login.is_empty() || login.chars().any(char::is_control) {
        return Ok(None);
    }
    let column = if login.contains('@') {
        users::Column::Email
    } else {
        users::Column::UsernameKey
    };
    Ok(users::Entity::find()
        .filter(column.eq(login.to_lowercase()))
        .one(db)
        .await?)
}

/// What a right password leads to.
pub enum SignIn {
    /// A session: the account holds no second factor.
    Session(Box<users::Model>, IssuedTokens),
    /// No session yet: the account's second factor is awaited under this challenge.
    SecondFactor(Challenge),
}

/// What a refused login records instead of a login name that is no valid email or username.
const NOT_A_LOGIN_NAME: &str = "[not a login name]";

/// Records a failed or throttled login: anonymous (no actor), naming the account tried if it
/// exists, with the login name as typed when it is a valid email or username, else
/// `NOT_A_LOGIN_NAME` (so a password typed into the wrong box is never stored). A failure to
/// record it is logged, never turned into another answer.
async fn refused_login(
    state: &AppState,
    action: Action,
    named: Option<uuid::Uuid>,
    login: &str,
    client: &ClientInfo,
) {
    let tried = if validation::is_login_name(login) {
        login
    } else {
        NOT_A_LOGIN_NAME
    };
    let mut event = Event::new(action)
        .client(client)
        .details(serde_json::json!({ "login": tried }));
    if let Some(id) = named {
        event = event.user(id);
    }
    if let Err(error) = audit::record(&state.db, event).await {
        tracing::warn!(error = %error.message(), "could not record a refused login");
    }
}

/// Why `check_and_open` opened no session.
enum Verdict {
    /// Wrong password, or an account that may not log in: a failure.
    Refused,
    /// No verdict was reached (no hashing slot, a database error): not a failure.
    None(AppError),
}

impl<E: Into<AppError>> From<E> for Verdict {
    fn from(error: E) -> Self {
        Self::None(error.into())
    }
}

/// The password check and the session, for a login the throttle let through.
///
/// The password is checked outside any lock; the session opens only if, inside the
/// transaction that opens it, the account is still the one that was checked: same
/// `credentials_version` (which every password write, deactivation and deletion bump, even
/// one undone again meanwhile), active and undeleted. Nothing else on the row matters, so
/// a profile, role or membership change at the same moment never costs a correct login. That
/// update locks the row, so a credential change either commits first and this login fails, or
/// waits and then ends the new session with the others.
///
/// A hash made with weaker argon2 parameters than today's is replaced in the same update,
/// while the password is at hand (`password::needs_rehash`).
async fn check_and_open(
    state: &AppState,
    candidate: Option<users::Model>,
    password: &str,
    link: Option<&account_links::Model>,
    client: &ClientInfo,
) -> Result<SignIn, Verdict> {
    let Some(user) = candidate else {
        state.passwords.verify_dummy(password).await?;
        return Err(Verdict::Refused);
    };
    let password_ok = state
        .passwords
        .verify_stored(password, user.password_hash.as_deref())
        .await?;
    let Some(stored_hash) = user.password_hash.clone().filter(|_| password_ok) else {
        return Err(Verdict::Refused);
    };
    if !user.is_active || user.deleted_at.is_some() {
        return Err(Verdict::Refused);
    }
    if link.is_some_and(|link| link.user_id != user.id) {
        // The password is right, for another account than the one the provider's email
        // names: nothing is linked, nothing opens.
        return Err(Verdict::None(identity_links::bad_link_token()));
    }
    let rehashed = if password::needs_rehash(&stored_hash) {
        // A better hash is a bonus: failing to make one (no hashing slot) costs no login.
        state.passwords.hash(password).await.ok()
    } else {
        None
    };
    let now = db::now();
    let txn = db::begin_write(&state.db).await?;
    // Every write of a password bumps `credentials_version` (it ends the sessions), so the
    // version alone tells whether the password checked is still the account's.
    let unchanged = users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.id))
        .filter(users::Column::CredentialsVersion.eq(user.credentials_version))
        .filter(users::Column::IsActive.eq(true))
        .filter(users::Column::DeletedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !unchanged {
        txn.rollback().await?;
        return Err(Verdict::Refused);
    }
    let mut password_hash = user.password_hash.clone();
    if let Some(hash) = rehashed {
        // Conditional on the hash checked: of two logins rehashing at once, one writes.
        let replaced = users::Entity::update_many()
            .col_expr(users::Column::PasswordHash, Expr::value(&hash))
            .filter(users::Column::Id.eq(user.id))
            .filter(users::Column::PasswordHash.eq(&stored_hash))
            .exec(&txn)
            .await?
            .rows_affected;
        if replaced == 1 {
            password_hash = Some(hash);
        }
    }
    if user.mfa_enabled {
        // The password is right, and proves only half: no session until the second factor
        // (which also links the identity waiting under the link token, if any).
        let link_id = link.map(|link| link.id);
        let challenge =
            challenges::issue_linking(&txn, user.id, Method::Password, link_id, now).await?;
        txn.commit().await?;
        return Ok(SignIn::SecondFactor(challenge));
    }
    if let Some(link) = link
        && let Err(error) = identity_links::redeem(&txn, link.id, user.id, client, now).await
    {
        txn.rollback().await?;
        return Err(Verdict::None(error));
    }
    let proof = [Method::Password];
    let tokens = open::signed_in(&txn, &state.keys, user.id, client, &proof, None, now).await?;
    txn.commit().await?;
    let user = users::Model {
        last_login_at: Some(now),
        password_hash,
        ..user
    };
    Ok(SignIn::Session(Box::new(user), tokens))
}
