//! The delivery task: sends what the outbox holds, after the transactions that queued it have
//! committed. Every replica runs one; a service that queues mail wakes its own replica's task
//! (`MailQueue::wake`), and the task also looks every few seconds for retries that fell due
//! and for mail a dead replica had claimed.
//!
//! Links are made here, when a mail is sent: the token is issued (voiding the account's older
//! ones of that purpose) in a transaction of its own, and only then is the mail handed to the
//! server. A send that fails leaves that token unused and undelivered; the retry issues another.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tokio::sync::Notify;

use crate::db::{
    self,
    entities::{mail_outbox, users},
};
use crate::error::AppResult;
use crate::mail::compose::{self, Mail};
use crate::mail::link_tokens::{self, Purpose};
use crate::mail::mailer::{Mailer, SendError};
use crate::mail::outbox::{self, MailKind, Outcome};
use crate::services::mfa::recovery_codes;

/// The longest the task sleeps between looks at the outbox.
const POLL: Duration = Duration::from_secs(2);
/// The shortest pause between looks, so that nothing can make the task spin.
const MIN_PAUSE: Duration = Duration::from_millis(20);
/// The longest one send may take, SMTP conversation and all: well inside the claim's lease
/// (`outbox::LEASE`), so a claim never runs out while its mail is being sent.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// The mailer and the bell that wakes this replica's delivery task.
pub struct MailQueue {
    mailer: Mailer,
    wake: Notify,
}

impl MailQueue {
    pub fn new(mailer: Mailer) -> Arc<Self> {
        Arc::new(Self {
            mailer,
            wake: Notify::new(),
        })
    }

    /// Tells the delivery task that mail was queued (call after the commit).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Delivers queued mail, with links to `public_url`, until the task is aborted. Each pass
/// runs as a task of its own, so that even a bug that panics in one pass stops only that pass
/// (its claim runs out and the mail is tried again), never delivery itself.
pub async fn run(db: DatabaseConnection, queue: Arc<MailQueue>, public_url: String) {
    let public_url: Arc<str> = public_url.into();
    loop {
        let pass = tokio::spawn({
            let (db, queue, public_url) = (db.clone(), queue.clone(), public_url.clone());
            async move { deliver_due(&db, &queue.mailer, &public_url).await }
        });
        let wait = match pass.await {
            // The rest of the queue would fail alike: it waits for the next look.
            Ok(Ok(Pass::ServerUnavailable)) => POLL,
            Ok(Ok(Pass::Done)) => match outbox::next_due(&db, db::now()).await {
                Ok(Some(due)) => (due - db::now()).to_std().unwrap_or_default().min(POLL),
                Ok(None) | Err(_) => POLL,
            },
            Ok(Err(error)) => {
                tracing::warn!(error = %error.message(), "mail delivery pass failed; retrying soon");
                POLL
            }
            Err(panic) => {
                tracing::error!(error = %panic, "mail delivery pass panicked; retrying soon");
                POLL
            }
        };
        let wait = wait.max(MIN_PAUSE);
        tokio::select! {
            () = queue.wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// How a delivery pass ended.
pub enum Pass {
    /// Nothing is due any more.
    Done,
    /// The mail server could not be reached (or asked to try later): the pass stopped
    /// rather than try every queued mail against it.
    ServerUnavailable,
}

/// Claims and sends every mail that is due, one at a time (so each claim's lease starts when
/// its send does), until none is left or the server is unavailable.
pub async fn deliver_due(
    db: &DatabaseConnection,
    mailer: &Mailer,
    public_url: &str,
) -> AppResult<Pass> {
    loop {
        let claimed = outbox::claim_due(db, db::now(), 1).await?;
        if claimed.is_empty() {
            return Ok(Pass::Done);
        }
        for row in claimed {
            let outcome = deliver(db, mailer, public_url, &row).await;
            let settled = match &outcome {
                Ok(Delivered::Sent(user_id)) => Outcome::Sent { user_id: *user_id },
                Ok(Delivered::Skipped(reason)) => Outcome::Skipped(reason),
                Err(Failure::Send(SendError::Transient(text))) => Outcome::Retry(text),
                Err(Failure::Send(SendError::Permanent(text))) => Outcome::Failed(text),
                Err(Failure::Database(_)) => Outcome::Retry("database error while composing"),
            };
            log_outcome(&row, &outcome, mailer.logs_only());
            crate::metrics::mail(match &settled {
                Outcome::Sent { .. } => "sent",
                Outcome::Skipped(_) => "skipped",
                Outcome::Retry(_) => "retry",
                Outcome::Failed(_) => "failed",
            });
            if !outbox::settle(db, &row, settled, db::now()).await? {
                tracing::warn!(id = %row.id, "mail claim had run out and was taken over");
            }
            if matches!(outcome, Err(Failure::Send(SendError::Transient(_)))) {
                return Ok(Pass::ServerUnavailable);
            }
        }
    }
}

enum Delivered {
    /// Handed to the server; for a reset, the account it was for.
    Sent(Option<uuid::Uuid>),
    Skipped(&'static str),
}

enum Failure {
    Send(SendError),
    Database(crate::error::AppError),
}

impl From<crate::error::AppError> for Failure {
    fn from(error: crate::error::AppError) -> Self {
        Self::Database(error)
    }
}

impl From<sea_orm::DbErr> for Failure {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Database(error.into())
    }
}

/// Composes one claimed mail (issuing its token) and sends it.
async fn deliver(
    db: &DatabaseConnection,
    mailer: &Mailer,
    public_url: &str,
    row: &mail_outbox::Model,
) -> Result<Delivered, Failure> {
    let Some(kind) = MailKind::parse(&row.kind) else {
        return Ok(Delivered::Skipped("unknown kind"));
    };
    let account = match (kind, row.user_id) {
        (MailKind::PasswordReset, _) => {
            users::Entity::find()
                .filter(users::Column::Email.eq(&row.recipient))
                .one(db)
                .await?
        }
        (_, Some(user_id)) => users::Entity::find_by_id(user_id).one(db).await?,
        (_, None) => None,
    };
    let Some(user) = account.filter(|user| user.is_active && user.deleted_at.is_none()) else {
        // For a reset: no account to help, and nothing is sent (the request said nothing).
        return Ok(Delivered::Skipped("no active account"));
    };
    let mail = match kind {
        MailKind::EmailVerification => {
            if user.email != row.recipient {
                return Ok(Delivered::Skipped("the address changed since"));
            }
            if user.email_verified {
                return Ok(Delivered::Skipped("already verified"));
            }
            let token = issue(db, &user, Purpose::EmailVerification).await?;
            let link = compose::link(public_url, "verify-email", &token);
            compose::verification(
                &user.email,
                &link,
                Purpose::EmailVerification.lifetime().num_hours(),
            )
        }
        MailKind::PasswordReset => {
            if user.email_from_change && !user.email_verified {
                // An address an email change set proves nothing until its own link is opened:
                // a reset link there would let whoever changed it take the account over.
                return Ok(Delivered::Skipped("the address is unproven"));
            }
            let token = issue(db, &user, Purpose::PasswordReset).await?;
            let link = compose::link(public_url, "reset-password", &token);
            compose::password_reset(
                &user.email,
                &link,
                Purpose::PasswordReset.lifetime().num_minutes(),
            )
        }
        MailKind::EmailChanged => compose::email_changed(&row.recipient, &user.email),
        MailKind::RecoveryCodeUsed => {
            let remaining = recovery_codes::remaining(db, user.id).await?.unwrap_or(0);
            compose::recovery_code_used(&row.recipient, remaining)
        }
        // To the address the account had when it happened, not one changed since.
        MailKind::MfaReset => compose::mfa_reset(&row.recipient),
        MailKind::IdentityLinked => compose::identity_linked(&row.recipient),
        MailKind::IdentityUnlinked => compose::identity_unlinked(&row.recipient),
        MailKind::PasskeyAdded => compose::passkey_added(&row.recipient),
        MailKind::PasskeyRemoved => compose::passkey_removed(&row.recipient),
    };
    send(mailer, row, &mail).await?;
    Ok(Delivered::Sent(Some(user.id)))
}

async fn issue(
    db: &DatabaseConnection,
    user: &users::Model,
    purpose: Purpose,
) -> AppResult<String> {
    let txn = db::begin_write(db).await?;
    let token = link_tokens::issue(&txn, user.id, purpose, &user.email, db::now()).await?;
    txn.commit().await?;
    Ok(token)
}

async fn send(mailer: &Mailer, row: &mail_outbox::Model, mail: &Mail) -> Result<(), Failure> {
    match tokio::time::timeout(SEND_TIMEOUT, mailer.send(row.id, mail)).await {
        Ok(sent) => sent.map_err(Failure::Send),
        Err(_) => Err(Failure::Send(SendError::Transient(format!(
            "no answer within {} s",
            SEND_TIMEOUT.as_secs()
        )))),
    }
}

fn log_outcome(row: &mail_outbox::Model, outcome: &Result<Delivered, Failure>, logs_only: bool) {
    let (id, kind, attempt) = (row.id, row.kind.as_str(), row.attempts);
    match outcome {
        Ok(Delivered::Sent(_)) if logs_only => {
            tracing::debug!(%id, kind, "mail written to the log (not sent)")
        }
        Ok(Delivered::Sent(_)) => tracing::info!(%id, kind, attempt, "mail sent"),
        Ok(Delivered::Skipped(reason)) => tracing::info!(%id, kind, reason, "mail not sent"),
        Err(Failure::Send(SendError::Transient(error))) => {
            tracing::warn!(%id, kind, attempt, error, "mail server unavailable; will retry")
        }
        Err(Failure::Send(SendError::Permanent(error))) => {
            tracing::warn!(%id, kind, attempt, error, "mail refused; given up")
        }
        Err(Failure::Database(error)) => {
            tracing::warn!(%id, kind, attempt, error = %error.message(), "mail not composed; will retry")
        }
    }
}
