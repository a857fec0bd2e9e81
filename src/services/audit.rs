//! The audit log: one small service every other service calls, inside the transaction of the
//! change it records (no change without its event, no event without its change). An event says
//! who acted (`actor`), on what (`user`, `group`, `permission`), in which session, from where,
//! and what changed (`details`, JSON; never a password, token, hash or secret). A `Reader` is
//! shown of each event only what is theirs to see.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use uuid::Uuid;

use crate::auth::viewer::{ClientInfo, Viewer};
use crate::db::{self, entities::audit_events};
use crate::error::AppResult;

macro_rules! actions {
    ($($variant:ident => $name:literal,)*) => {
        /// What an event records, named as API.md's `AuditAction`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            pub fn parse(text: &str) -> Option<Action> {
                match text {
                    $($name => Some(Action::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

actions! {
    Registered => "REGISTERED",
    LoginSucceeded => "LOGIN_SUCCEEDED",
    LoginFailed => "LOGIN_FAILED",
    LoginThrottled => "LOGIN_THROTTLED",
    Logout => "LOGOUT",
    RefreshTokenReused => "REFRESH_TOKEN_REUSED",
    SessionRevoked => "SESSION_REVOKED",
    PasswordChanged => "PASSWORD_CHANGED",
    PasswordResetRequested => "PASSWORD_RESET_REQUESTED",
    PasswordReset => "PASSWORD_RESET",
    EmailVerificationSent => "EMAIL_VERIFICATION_SENT",
    EmailVerified => "EMAIL_VERIFIED",
    EmailChanged => "EMAIL_CHANGED",
    ProfileUpdated => "PROFILE_UPDATED",
    AccountDeleted => "ACCOUNT_DELETED",
    UserCreated => "USER_CREATED",
    UserUpdated => "USER_UPDATED",
    RoleChanged => "ROLE_CHANGED",
    UserActivated => "USER_ACTIVATED",
    UserDeactivated => "USER_DEACTIVATED",
    UserDeleted => "USER_DELETED",
    UserRestored => "USER_RESTORED",
    UserGroupsChanged => "USER_GROUPS_CHANGED",
    UserPermissionsChanged => "USER_PERMISSIONS_CHANGED",
    GroupCreated => "GROUP_CREATED",
    GroupUpdated => "GROUP_UPDATED",
    GroupDeleted => "GROUP_DELETED",
    GroupPermissionsChanged => "GROUP_PERMISSIONS_CHANGED",
    PermissionCreated => "PERMISSION_CREATED",
    PermissionDeleted => "PERMISSION_DELETED",
    SuperuserCreated => "SUPERUSER_CREATED",
    LoginThrottleCleared => "LOGIN_THROTTLE_CLEARED",
}

/// The longest user agent an event keeps.
const MAX_USER_AGENT: usize = 512;

/// One event, built up by the service that records it.
#[derive(Debug, Clone)]
pub struct Event {
    action: Action,
    actor_id: Option<Uuid>,
    user_id: Option<Uuid>,
    group_id: Option<Uuid>,
    permission_id: Option<Uuid>,
    session_id: Option<Uuid>,
    ip_address: Option<String>,
    user_agent: Option<String>,
    details: Option<serde_json::Value>,
}

impl Event {
    pub fn new(action: Action) -> Self {
        Self {
            action,
            actor_id: None,
            user_id: None,
            group_id: None,
            permission_id: None,
            session_id: None,
            ip_address: None,
            user_agent: None,
            details: None,
        }
    }

    /// Acted by `viewer`, in the session and from the client of its request.
    pub fn by(self, viewer: &Viewer) -> Self {
        self.actor(viewer.id())
            .session(viewer.session_id)
            .client(&viewer.client)
    }

    /// Who acted.
    pub fn actor(mut self, id: Uuid) -> Self {
        self.actor_id = Some(id);
        self
    }

    /// The account acted on.
    pub fn user(mut self, id: Uuid) -> Self {
        self.user_id = Some(id);
        self
    }

    pub fn group(mut self, id: Uuid) -> Self {
        self.group_id = Some(id);
        self
    }

    pub fn permission(mut self, id: Uuid) -> Self {
        self.permission_id = Some(id);
        self
    }

    pub fn session(mut self, id: Uuid) -> Self {
        self.session_id = Some(id);
        self
    }

    /// Where the request came from.
    pub fn client(mut self, client: &ClientInfo) -> Self {
        self.ip_address = client.ip.map(|ip| ip.to_string());
        self.user_agent = client.user_agent.as_ref().map(|agent| {
            agent
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_USER_AGENT)
                .collect()
        });
        self
    }

    /// What changed, as JSON. Callers pass field names and values a user may see, never a
    /// password, token or hash.
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

/// What changed, field by field, as `details`: `{"field":{"from":…,"to":…}}` for each field
/// whose value differs.
#[derive(Debug, Default)]
pub struct Changes(serde_json::Map<String, serde_json::Value>);

impl Changes {
    /// Notes field `name` when `from` and `to` differ.
    pub fn field<T: PartialEq + serde::Serialize>(&mut self, name: &str, from: &T, to: &T) {
        if from != to {
            self.0.insert(
                name.to_owned(),
                serde_json::json!({ "from": from, "to": to }),
            );
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_details(self) -> serde_json::Value {
        serde_json::Value::Object(self.0)
    }
}

/// How a set of links (groups, permissions) changed, as `details`: `{"added":[…],"removed":[…]}`
/// with ids in a stable order; `None` when `from` and `to` hold the same ids.
pub fn set_change(
    from: impl IntoIterator<Item = Uuid>,
    to: impl IntoIterator<Item = Uuid>,
) -> Option<serde_json::Value> {
    use std::collections::BTreeSet;
    let from: BTreeSet<Uuid> = from.into_iter().collect();
    let to: BTreeSet<Uuid> = to.into_iter().collect();
    if from == to {
        return None;
    }
    let added: Vec<&Uuid> = to.difference(&from).collect();
    let removed: Vec<&Uuid> = from.difference(&to).collect();
    Some(serde_json::json!({ "added": added, "removed": removed }))
}

/// Writes each of `events` in the caller's transaction.
pub async fn record_all(db: &impl ConnectionTrait, events: Vec<Event>) -> AppResult<()> {
    for event in events {
        record(db, event).await?;
    }
    Ok(())
}

/// Writes `event` in the caller's transaction (or on its own, for what changes nothing else:
/// a failed login).
pub async fn record(db: &impl ConnectionTrait, event: Event) -> AppResult<()> {
    audit_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        occurred_at: Set(db::now()),
        action: Set(event.action.as_str().to_owned()),
        actor_id: Set(event.actor_id),
        user_id: Set(event.user_id),
        group_id: Set(event.group_id),
        permission_id: Set(event.permission_id),
        session_id: Set(event.session_id),
        ip_address: Set(event.ip_address),
        user_agent: Set(event.user_agent),
        details: Set(event.details.map(|details| details.to_string())),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Events deleted per statement when pruning: a long-idle log's backlog goes in bounded steps
/// rather than one statement that holds SQLite's write lock for long.
const PRUNE_BATCH: u64 = 5_000;

/// Deletes events older than `before`, in batches; returns how many.
pub async fn prune(
    db: &sea_orm::DatabaseConnection,
    before: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut total = 0;
    loop {
        let oldest: Vec<Uuid> = audit_events::Entity::find()
            .select_only()
            .column(audit_events::Column::Id)
            .filter(audit_events::Column::OccurredAt.lt(before))
            .order_by_asc(audit_events::Column::OccurredAt)
            .limit(PRUNE_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if oldest.is_empty() {
            return Ok(total);
        }
        total += audit_events::Entity::delete_many()
            .filter(audit_events::Column::Id.is_in(oldest))
            .exec(db)
            .await?
            .rows_affected;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_by_its_api_name() {
        assert_eq!(Action::ALL.len(), 32);
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(*action));
        }
        assert_eq!(Action::parse("LOGIN"), None);
    }

    fn hidden(details: serde_json::Value) -> serde_json::Value {
        serde_json::from_str(&hide_accounts(&details.to_string())).unwrap()
    }

    #[test]
    fn values_under_keys_that_name_accounts_are_hidden_at_any_depth() {
        use serde_json::json;
        assert_eq!(
            hidden(
                json!({ "email": { "from": "a@example.com", "to": "b@example.com" },
                "emailVerified": { "from": true, "to": false } })
            ),
            json!({ "email": { "from": "[hidden]", "to": "[hidden]" },
                "emailVerified": { "from": true, "to": false } })
        );
        assert_eq!(
            hidden(
                json!({ "email": "ada@example.com", "username": "ada", "role": "USER",
                "groupIds": ["0190"] })
            ),
            json!({ "email": "[hidden]", "username": "[hidden]", "role": "USER",
                "groupIds": ["0190"] })
        );
        assert_eq!(
            hidden(
                json!({ "login": "ada_l", "username": { "from": null, "to": "ada" },
                "firstName": { "from": "Ada", "to": "Augusta" } })
            ),
            json!({ "login": "[hidden]", "username": { "from": null, "to": "[hidden]" },
                "firstName": { "from": "Ada", "to": "Augusta" } })
        );
        // A key added later that holds an address or a username is hidden too.
        assert_eq!(
            hidden(json!({ "providerEmail": "x", "Usernames": ["a", "b"] })),
            json!({ "providerEmail": "[hidden]", "Usernames": ["[hidden]", "[hidden]"] })
        );
    }

    #[test]
    fn email_addresses_are_hidden_wherever_they_are() {
        use serde_json::json;
        assert_eq!(
            hidden(json!({ "name": "ops@example.com",
                "description": { "to": "Ask <Ops@Example.com>, or bob@x.org." },
                "list": [{ "note": "mail a@b" }] })),
            json!({ "name": "[hidden]", "description": { "to": "Ask <[hidden]>, or [hidden]" },
                "list": [{ "note": "mail [hidden]" }] })
        );
        // Not addresses: a lone `@`, a handle, an address cut in half, numbers, booleans.
        let kept = json!({ "name": "@ada and ada@ and a @ b", "count": 3, "on": true });
        assert_eq!(hidden(kept.clone()), kept);
        assert_eq!(hide_accounts("not json ada@example.com"), r#""[hidden]""#);
    }

    fn event(actor_id: Option<Uuid>) -> audit_events::Model {
        audit_events::Model {
            id: Uuid::now_v7(),
            occurred_at: db::now(),
            action: "USER_UPDATED".into(),
            actor_id,
            user_id: Some(Uuid::from_u128(1)),
            group_id: None,
            permission_id: None,
            session_id: Some(Uuid::now_v7()),
            ip_address: Some("192.0.2.1".into()),
            user_agent: Some("curl/8".into()),
            details: Some(r#"{"email":{"from":"a@example.com","to":"b@example.com"}}"#.into()),
        }
    }

    #[test]
    fn an_owner_sees_neither_who_else_acted_nor_from_where() {
        let owner = Uuid::from_u128(1);
        let by_someone_else = event(Some(Uuid::from_u128(2)));
        let mut shown = by_someone_else.clone();
        Reader::Owner(owner).hide(&mut shown);
        assert_eq!(
            (
                shown.actor_id,
                shown.session_id,
                &shown.ip_address,
                &shown.user_agent
            ),
            (None, None, &None, &None)
        );
        assert_eq!(shown.details, by_someone_else.details);
        // Their own acts, and anonymous attempts on their account, stay whole.
        for whole in [event(Some(owner)), event(None)] {
            let mut shown = whole.clone();
            Reader::Owner(owner).hide(&mut shown);
            assert_eq!(shown, whole);
        }
    }

    #[test]
    fn an_auditor_without_accounts_sees_details_without_them() {
        let whole = event(Some(Uuid::from_u128(2)));
        let mut shown = whole.clone();
        Reader::AuditorWithoutAccounts.hide(&mut shown);
        assert_eq!(
            shown.details.as_deref(),
            Some(r#"{"email":{"from":"[hidden]","to":"[hidden]"}}"#)
        );
        assert_eq!(
            (shown.actor_id, &shown.ip_address),
            (whole.actor_id, &whole.ip_address)
        );
        let mut shown = whole.clone();
        Reader::Auditor.hide(&mut shown);
        assert_eq!(shown, whole);
    }
}

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
fn ordering() -> crate::services::pagination::Ordering<audit_events::Entity> {
    use crate::services::pagination::{Ordering, SortValue};
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
    args: &crate::services::pagination::PageArgs,
    reader: Reader,
) -> AppResult<crate::services::pagination::Page<audit_events::Model>> {
    let mut page =
        crate::services::pagination::paginate(db, select(filter), &ordering(), args).await?;
    for (_, event) in &mut page.rows {
        reader.hide(event);
    }
    Ok(page)
}

/// How many events `filter` selects.
pub async fn count(db: &impl ConnectionTrait, filter: &Filter) -> AppResult<u64> {
    crate::services::pagination::count(db, select(filter)).await
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
        Ok(if viewer.has_permission("users.view").await? {
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
    fn hide(self, event: &mut audit_events::Model) {
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
