//! Waiting on the mail outbox and the delivery task that empties it: until queued mail is
//! settled, until mail has been tried, until each server's task has looked again. Each waits
//! by polling, 20 s at most.

use std::time::Duration;

use roster::db::entities::mail_outbox;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::TestApp;

const POLL: Duration = Duration::from_millis(50);
const POLLS: usize = 400;

/// Waits until no queued mail is left unsent and untried.
pub async fn wait_settled(app: &TestApp) {
    for _ in 0..POLLS {
        let pending = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::SentAt.is_null())
            .filter(mail_outbox::Column::FailedAt.is_null())
            .all(app.db())
            .await
            .unwrap();
        if pending.is_empty() {
            return;
        }
        tokio::time::sleep(POLL).await;
    }
    panic!("queued mail was not delivered within 20 s");
}

/// Outbox rows that have been tried at least once and are not claimed now.
async fn tried(db: &DatabaseConnection) -> Vec<mail_outbox::Model> {
    mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Attempts.gte(1))
        .filter(mail_outbox::Column::ClaimedUntil.is_null())
        .filter(mail_outbox::Column::SentAt.is_null())
        .all(db)
        .await
        .unwrap()
}

/// Waits until `count` mails have failed at least once and wait for their retry.
pub async fn wait_tried(db: &DatabaseConnection, count: usize) -> Vec<mail_outbox::Model> {
    for _ in 0..POLLS {
        let rows = tried(db).await;
        if rows.len() >= count {
            return rows;
        }
        tokio::time::sleep(POLL).await;
    }
    panic!("{count} mails were not tried within 20 s");
}

/// Rings each server's delivery task and waits until each has finished a pass that began
/// after the bell, twice: the first pass may be one that was under way (it ends, with
/// whatever it was sending), the second starts afresh. What any task would do on its own
/// next look (every 2 s) it has done by then, without the test waiting for its clock.
pub async fn wait_for_delivery_passes(apps: &[&TestApp]) {
    for _ in 0..2 {
        let before: Vec<usize> = apps.iter().map(|app| app.delivery_passes()).collect();
        for app in apps {
            app.state.mail.wake();
        }
        let mut polls = 0;
        while apps
            .iter()
            .zip(&before)
            .any(|(app, before)| app.delivery_passes() <= *before)
        {
            polls += 1;
            assert!(
                polls < 4000,
                "a delivery task did not finish a pass within 20 s"
            );
            // Finer than `POLL`: a pass takes a few milliseconds.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}
