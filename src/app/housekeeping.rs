//! Housekeeping every replica runs: deleting rows that no longer decide anything (expired
//! login counters and link tokens, sent mail, old audit events, long-ended sessions). The
//! deletes are idempotent, so replicas need not agree on who does it.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::mail::{link_tokens, outbox};
use crate::services::audit;
use crate::services::mfa::{challenges, factors};
use crate::services::sessions::{self, login_throttle};

/// How often expired rows are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// How long rows that no longer decide anything are kept.
pub struct Retention {
    /// Audit events (`None`: for ever).
    audit: Option<chrono::Duration>,
    /// Sessions after they ended or expired.
    sessions: chrono::Duration,
}

impl Retention {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            audit: (settings.audit_retention_days > 0)
                .then(|| chrono::Duration::days(i64::from(settings.audit_retention_days))),
            sessions: chrono::Duration::days(i64::from(settings.session_retention_days)),
        }
    }
}

/// Deletes the login throttle's expired counters, expired link tokens, old outbox rows, old
/// audit events and long-ended sessions now and then; every replica may, the deletes are
/// idempotent.
pub async fn prune_periodically(db: DatabaseConnection, retention: Retention) {
    let mut ticks = tokio::time::interval(PRUNE_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let now = crate::db::now();
        let results = [
            ("login counters", login_throttle::prune(&db, now).await),
            ("link tokens", link_tokens::prune(&db, now).await),
            ("sign-in challenges", challenges::prune(&db, now).await),
            (
                "TOTP enrolments",
                factors::prune_enrollments(&db, now).await,
            ),
            ("outbox rows", outbox::prune(&db, now).await),
            (
                "passkey ceremonies",
                crate::services::passkeys::ceremonies::prune(&db, now).await,
            ),
            (
                "provider sign-ins and link tokens",
                crate::services::identity::prune(&db, now).await,
            ),
            (
                "audit events",
                match retention.audit {
                    Some(keep) => audit::prune(&db, now - keep).await,
                    None => Ok(0),
                },
            ),
            (
                "sessions",
                sessions::prune(&db, now - retention.sessions).await,
            ),
        ];
        for (what, result) in results {
            match result {
                Ok(0) => {}
                Ok(deleted) => tracing::debug!(deleted, "pruned expired {what}"),
                Err(error) => tracing::warn!(error = %error.message(), "pruning {what} failed"),
            }
        }
    }
}
