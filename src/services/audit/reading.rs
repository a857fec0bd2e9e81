//! Reading the audit log: the `auditEvents` filter, its pages newest first, and the rule of
//! what each reader is shown of an event (`Reader`).

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::actions::Action;
use crate::auth::codenames;
use crate::auth::viewer::Viewer;
use crate::db::entities::audit_events;
use crate::error::AppResult;
use crate::services::rows::pages::{self, Ordering, Page, PageArgs, SortValue};

/// The `auditEvents` filter. `since` is inclusive, `until` exclusive.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub actions: Option<Vec<Action>>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

fn select(filter: &Filter) -> sea_orm::Select<audit_events::Entity> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut select = audit_events::Entity::find();
    if let Some(actor) = filter.actor_id {
        select = select.filter(audit_events::Column::ActorId.eq(actor));
    }
    if let Some(user) = filter.user_id {
        select = select.filter(audit_events::Column::UserId.eq(user));
    }
    if let Some(actions) = &filter.actions {
        select =
            select.filter(audit_events::Column::Action.is_in(actions.iter().map(|a| a.as_str())));
    }
    if let Some(since) = filter.since {
        select = select.filter(audit_events::Column::OccurredAt.gte(since));
    }
    if let Some(until) = filter.until {
        select = select.filter(audit_events::Column::OccurredAt.lt(until));
    }
    select
}

/// Newest first: the order every index of the table ends in.
fn ordering() -> Ordering<audit_events::Entity> {
    Ordering {
        tag: "audit:occurred_at",
        key: sea_orm::sea_query::Expr::col((
            audit_events::Entity,
            audit_events::Column::OccurredAt,
        )),
        time_key: true,
        key_of: |event| SortValue::Time(event.occurred_at),
        id: audit_events::Column::Id,
        id_of: |event| event.id,
        descending: true,
    }
}

/// One page of the events `filter` selects, newest first, each as `reader` is shown it.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &Filter,
    args: &PageArgs,
    reader: Reader,
) -> AppResult<Page<audit_events::Model>> {
    let mut page = pages::paginate(db, select(filter), &ordering(), args).await?;
    for (_, event) in &mut page.rows {
        reader.hide(event);
    }
    Ok(page)
}

/// How many events `filter` selects.
pub async fn count(db: &impl ConnectionTrait, filter: &Filter) -> AppResult<u64> {
    pages::count(db, select(filter)).await
}

/// Who reads the log, and so what of each event they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// `auditEvents` by an ADMIN or a holder of `users.view`: everything.
    Auditor,
    /// `auditEvents` by a holder of `audit.view` alone: the accounts are not theirs to see, so
    /// `details` shows no email address and no username (`hide_accounts`).
    AuditorWithoutAccounts,
    /// `myAuditEvents` by this account: of an event someone else acted, not who it was, nor
    /// their session, address or user agent. Anonymous attempts on the account (failed logins,
    /// reset requests) keep where they came from: that is the owner's to know.
    Owner(Uuid),
}

impl Reader {
    /// How `viewer` reads `auditEvents` (which the caller has already let them read).
    pub async fn of_log(viewer: &Viewer) -> AppResult<Reader> {
        Ok(if viewer.has_permission(codenames::USERS_VIEW).await? {
            Reader::Auditor
        } else {
            Reader::AuditorWithoutAccounts
        })
    }

    /// How `viewer` reads their own account's events.
    pub fn owner(viewer: &Viewer) -> Reader {
        Reader::Owner(viewer.id())
    }

    /// Blanks what of `event` this reader may not see.
    pub(super) fn hide(self, event: &mut audit_events::Model) {
        match self {
            Reader::Auditor => {}
            Reader::AuditorWithoutAccounts => {
                event.details = event.details.take().map(|details| hide_accounts(&details));
            }
            Reader::Owner(owner) => {
                if event.actor_id.is_some_and(|actor| actor != owner) {
                    event.actor_id = None;
                    event.session_id = None;
                    event.ip_address = None;
                    event.user_agent = None;
                }
            }
        }
    }
}

/// What `details` shows in place of an email address or a username to a reader who may not see
/// accounts.
pub const HIDDEN: &str = "[hidden]";

/// `details` (JSON text) with every email address and username replaced by `HIDDEN`: every
/// string under a key that names an account (`email`, `username`, `login`, and any key holding
/// "email" or "username", at any depth, so `{"email":{"from":…,"to":…}}` too), and every
/// email address in any other string, so that an event added later hides its addresses
/// without a change here. Text that is not JSON (nothing writes such) shows as `HIDDEN`.
pub fn hide_accounts(details: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(details) {
        Ok(mut value) => {
            hide_in(&mut value, false);
            value.to_string()
        }
        Err(_) => serde_json::Value::from(HIDDEN).to_string(),
    }
}

/// Hides in `value`: every string when `names_account` (it sits under such a key), otherwise
/// the email addresses in strings.
fn hide_in(value: &mut serde_json::Value, names_account: bool) {
    use serde_json::Value;
    match value {
        Value::String(text) if names_account => *text = HIDDEN.to_owned(),
        Value::String(text) => {
            if let Some(hidden) = hide_addresses(text) {
                *text = hidden;
            }
        }
        Value::Array(items) => {
            for item in items {
                hide_in(item, names_account);
            }
        }
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                hide_in(field, names_account || key_names_account(key));
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Whether the values under `key` are email addresses or usernames.
fn key_names_account(key: &str) -> bool {
    let key = key.to_lowercase();
    key == "login" || key.contains("email") || key.contains("username")
}

/// `text` with each word that looks like an email address (something, `@`, something)
/// replaced by `HIDDEN`; `None` when it holds none. Words end at white space and at the
/// punctuation that surrounds addresses in prose (`<ada@example.com>,`).
fn hide_addresses(text: &str) -> Option<String> {
    let is_boundary = |c: char| c.is_whitespace() || "<>()[]{},;:\"'`".contains(c);
    let mut shown = String::with_capacity(text.len());
    let mut hid_any = false;
    // Each piece is a word and the boundary that ended it (none at the very end).
    for piece in text.split_inclusive(is_boundary) {
        let (word, boundary) = match piece.char_indices().last() {
            Some((at, c)) if is_boundary(c) => piece.split_at(at),
            _ => (piece, ""),
        };
        let is_address = word
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
        if is_address {
            shown.push_str(HIDDEN);
            hid_any = true;
        } else {
            shown.push_str(word);
        }
        shown.push_str(boundary);
    }
    hid_any.then_some(shown)
}
