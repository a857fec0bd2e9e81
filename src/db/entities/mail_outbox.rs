//! `mail_outbox`: the mails to send, written with the change that causes them and delivered
//! after commit (`mail::outbox`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What to compose (`mail::outbox::MailKind`).
    pub kind: String,
    pub user_id: Option<Uuid>,
    pub recipient: String,
    pub created_at: DateTimeUtc,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// Until when the replica that claimed the row may deliver it alone.
    pub claimed_until: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    /// When delivery was given up (too old to be of use).
    pub failed_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    /// The client address (as the login throttle counts it) that asked for a reset mail.
    pub requested_from: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
