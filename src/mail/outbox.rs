//! The mail outbox. A service that changes something a mail must follow writes the mail's row
//! in its own transaction (`enqueue`), so the mail exists exactly when the change does; the
//! delivery task (`mail::delivery`) sends it after commit. Rows say what to compose, not
//! the composed text: a link's token is made when the mail is sent, so no token waits in the
//! database in the clear.
//!
//! Claiming is a conditional update on the row's attempt count and lease, so of two replicas
//! that see the same row, one sends it. A replica that dies holding a claim loses it when the
//! lease runs out, and the mail goes out then (at least once, never silently lost). Sent rows
//! are kept for a day, which is what the hourly limits count.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::db::entities::mail_outbox;
use crate::error::AppResult;

/// What to compose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// A verification link to the account's current address.
    EmailVerification,
    /// A reset link, to the account with this address if there is one (decided when sent,
    /// so that asking costs the same whether or not the address has an account).
    PasswordReset,
    /// A notice to the previous address of an account whose email changed.
    EmailChanged,
    /// A notice that one of the account's recovery codes was used.
    RecoveryCodeUsed,
    /// A notice that an administrator removed the account's second factors.
    MfaReset,
    /// A notice that an identity provider was linked to the account (a new way in).
    IdentityLinked,
    /// A notice that an identity provider was unlinked from the account.
    IdentityUnlinked,
    /// A notice that a passkey was added to the account (a new way in).
    PasskeyAdded,
    /// A notice that a passkey was removed from the account.
    PasskeyRemoved,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmailVerification => "email_verification",
            Self::PasswordReset => "password_reset",
            Self::EmailChanged => "email_changed",
            Self::RecoveryCodeUsed => "recovery_code_used",
            Self::MfaReset => "mfa_reset",
            Self::IdentityLinked => "identity_linked",
            Self::IdentityUnlinked => "identity_unlinked",
            Self::PasskeyAdded => "passkey_added",
            Self::PasskeyRemoved => "passkey_removed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::EmailVerification,
            Self::PasswordReset,
            Self::EmailChanged,
            Self::RecoveryCodeUsed,
            Self::MfaReset,
            Self::IdentityLinked,
            Self::IdentityUnlinked,
            Self::PasskeyAdded,
            Self::PasskeyRemoved,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// How long a claim lasts: longer than one send may take (`delivery::SEND_TIMEOUT`).
pub const LEASE: Duration = Duration::seconds(60);
/// After this long unsent, a mail is given up: its link would have expired anyway.
pub const GIVE_UP_AFTER: Duration = Duration::hours(24);
/// How long sent and given-up rows are kept.
const KEEP: Duration = Duration::hours(24);

/// Queues a mail inside the caller's transaction.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    kind: MailKind,
    user_id: Option<Uuid>,
    recipient: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    row(kind, user_id, recipient, now).insert(db).await?;
    Ok(())
}

/// Queues a password-reset mail to `recipient`, asked for from client address
/// `requested_from` (as the login throttle counts addresses).
pub async fn enqueue_reset(
    db: &impl ConnectionTrait,
    recipient: &str,
    requested_from: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut row = row(MailKind::PasswordReset, None, recipient, now);
    row.requested_from = Set(Some(requested_from.to_owned()));
    row.insert(db).await?;
    Ok(())
}

fn row(
    kind: MailKind,
    user_id: Option<Uuid>,
    recipient: &str,
    now: DateTime<Utc>,
) -> mail_outbox::ActiveModel {
    mail_outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.as_str().to_owned()),
        user_id: Set(user_id),
        recipient: Set(recipient.to_owned()),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        sent_at: Set(None),
        failed_at: Set(None),
        last_error: Set(None),
        requested_from: Set(None),
    }
}

/// Password-reset mails to `recipient` asked for from `requested_from` since `since`.
pub async fn resets_requested_since(
    db: &impl ConnectionTrait,
    recipient: &str,
    requested_from: &str,
    since: DateTime<Utc>,
) -> AppResult<u64> {
    Ok(mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Recipient.eq(recipient))
        .filter(mail_outbox::Column::Kind.eq(MailKind::PasswordReset.as_str()))
        .filter(mail_outbox::Column::RequestedFrom.eq(requested_from))
        .filter(mail_outbox::Column::CreatedAt.gt(since))
        .count(db)
        .await?)
}

/// Mails of `kind` queued for `user_id` since `since`, oldest first (their times).
pub async fn queued_for_user_since(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    kind: MailKind,
    since: DateTime<Utc>,
) -> AppResult<Vec<DateTime<Utc>>> {
    Ok(mail_outbox::Entity::find()
        .select_only()
        .column(mail_outbox::Column::CreatedAt)
        .filter(mail_outbox::Column::UserId.eq(user_id))
        .filter(mail_outbox::Column::Kind.eq(kind.as_str()))
        .filter(mail_outbox::Column::CreatedAt.gt(since))
        .order_by_asc(mail_outbox::Column::CreatedAt)
        .into_tuple::<DateTime<Utc>>()
        .all(db)
        .await?)
}

/// Claims up to `limit` mails that are due, for `LEASE`. Each row is claimed by a conditional
/// update on what was read (attempt count, lease), so a row another replica claimed
/// meanwhile is skipped.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> AppResult<Vec<mail_outbox::Model>> {
    let due = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::SentAt.is_null())
        .filter(mail_outbox::Column::FailedAt.is_null())
        .filter(mail_outbox::Column::NextAttemptAt.lte(now))
        .filter(free(now))
        .order_by_asc(mail_outbox::Column::NextAttemptAt)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for row in due {
        let won = mail_outbox::Entity::update_many()
            .col_expr(mail_outbox::Column::Attempts, Expr::value(row.attempts + 1))
            .col_expr(mail_outbox::Column::ClaimedUntil, Expr::value(now + LEASE))
            .filter(mail_outbox::Column::Id.eq(row.id))
            .filter(mail_outbox::Column::Attempts.eq(row.attempts))
            .filter(mail_outbox::Column::SentAt.is_null())
            .filter(free(now))
            .exec(db)
            .await?
            .rows_affected
            == 1;
        if won {
            claimed.push(mail_outbox::Model {
                attempts: row.attempts + 1,
                claimed_until: Some(now + LEASE),
                ..row
            });
        }
    }
    Ok(claimed)
}

/// Unclaimed, or claimed by a replica whose lease ran out.
fn free(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(mail_outbox::Column::ClaimedUntil.is_null())
        .add(mail_outbox::Column::ClaimedUntil.lte(now))
}

/// How a claimed mail ended.
pub enum Outcome<'a> {
    Sent {
        user_id: Option<Uuid>,
    },
    /// Not to be sent after all (the account is gone, the address changed, over a limit).
    Skipped(&'a str),
    /// Try again after the backoff, unless the mail is too old.
    Retry(&'a str),
    /// No try will do better.
    Failed(&'a str),
}

/// Records how a claimed mail ended and releases the claim, if it is still this claim (the
/// attempt count fences it: a claim that outlived its lease and was taken over changes
/// nothing). Returns whether it was.
pub async fn settle(
    db: &impl ConnectionTrait,
    row: &mail_outbox::Model,
    outcome: Outcome<'_>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let mut update = mail_outbox::Entity::update_many()
        .col_expr(
            mail_outbox::Column::ClaimedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(mail_outbox::Column::Id.eq(row.id))
        .filter(mail_outbox::Column::Attempts.eq(row.attempts));
    let error = |text: &str| -> Option<String> { Some(text.chars().take(500).collect()) };
    update = match outcome {
        Outcome::Sent { user_id } => update
            .col_expr(mail_outbox::Column::SentAt, Expr::value(now))
            .col_expr(
                mail_outbox::Column::UserId,
                Expr::value(user_id.or(row.user_id)),
            ),
        Outcome::Skipped(reason) => update
            .col_expr(mail_outbox::Column::FailedAt, Expr::value(now))
            .col_expr(mail_outbox::Column::LastError, Expr::value(error(reason))),
        Outcome::Retry(reason) if now - row.created_at < GIVE_UP_AFTER => update
            .col_expr(
                mail_outbox::Column::NextAttemptAt,
                Expr::value(now + backoff(row.attempts)),
            )
            .col_expr(mail_outbox::Column::LastError, Expr::value(error(reason))),
        Outcome::Retry(reason) | Outcome::Failed(reason) => update
            .col_expr(mail_outbox::Column::FailedAt, Expr::value(now))
            .col_expr(mail_outbox::Column::LastError, Expr::value(error(reason))),
    };
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// The wait before attempt `attempts + 1`: 1 s, 2 s, 4 s, ... up to 5 minutes, so a mail
/// server that comes back gets the mail within seconds of a short outage.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 20) - 1;
    Duration::seconds((1i64 << exponent).min(300))
}

/// When the next queued mail that nobody holds falls due, if any (what the delivery task
/// sleeps until). A mail another replica holds is that replica's until its lease runs out,
/// which the task's regular look catches.
pub async fn next_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> AppResult<Option<DateTime<Utc>>> {
    Ok(mail_outbox::Entity::find()
        .select_only()
        .column(mail_outbox::Column::NextAttemptAt)
        .filter(mail_outbox::Column::SentAt.is_null())
        .filter(mail_outbox::Column::FailedAt.is_null())
        .filter(free(now))
        .order_by_asc(mail_outbox::Column::NextAttemptAt)
        .into_tuple::<DateTime<Utc>>()
        .one(db)
        .await?)
}

/// Deletes sent and given-up rows older than a day; returns how many.
pub async fn prune(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    Ok(mail_outbox::Entity::delete_many()
        .filter(mail_outbox::Column::CreatedAt.lt(now - KEEP))
        .filter(
            Condition::any()
                .add(mail_outbox::Column::SentAt.is_not_null())
                .add(mail_outbox::Column::FailedAt.is_not_null()),
        )
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_second_to_five_minutes() {
        let waits: Vec<i64> = (1..=11).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
    }

    #[test]
    fn kinds_round_trip() {
        for kind in [
            MailKind::EmailVerification,
            MailKind::PasswordReset,
            MailKind::EmailChanged,
            MailKind::RecoveryCodeUsed,
            MailKind::MfaReset,
            MailKind::IdentityLinked,
            MailKind::IdentityUnlinked,
            MailKind::PasskeyAdded,
            MailKind::PasskeyRemoved,
        ] {
            assert_eq!(MailKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(MailKind::parse("spam"), None);
    }
}
