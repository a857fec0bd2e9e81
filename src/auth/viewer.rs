//! The viewer: who is making this request. A plain value that services receive as the actor;
//! how a resolver finds it lives with the schema (`graphql::context`).
//!
//! The `Authorization` header is read by the HTTP layer into `Credentials`; the token is
//! verified and checked against the database only when something first asks for the viewer.
//! That check is one query joining the session to its user (session live, user active and
//! not deleted), so logout, deactivation, deletion and role changes apply on the next request.
//! Roles and permissions come from that row and from the database, never from token claims.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};

use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, QueryFilter, QuerySelect, QueryTrait, RelationTrait, Statement, Value,
};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::auth::tokens::{AccessClaims, TokenKeys};
use crate::config::RequireMfa;
use crate::db::entities::{
    group_permissions, permissions, sessions, signing_keys, user_groups, user_permissions, users,
};
use crate::error::{AppError, AppResult};

/// An authenticated, live user and the session their token belongs to.
pub struct Viewer {
    pub user: users::Model,
    pub session_id: Uuid,
    /// Where the request came from (recorded on the audit events the viewer causes).
    pub client: ClientInfo,
    db: DatabaseConnection,
    permissions: OnceCell<HashSet<String>>,
    /// `--require-verified-email` and an unverified address: the viewer holds no role and no
    /// permission, wherever in a response they are asked about.
    unverified_restricted: bool,
    /// `--require-mfa` covers the account and it holds no second factor: likewise, until it
    /// sets one up.
    enrolment_pending: bool,
}

/// What `--require-verified-email` and `--require-mfa` withhold from an account's token until
/// the account complies: every role and permission (and, at the root, every field but
/// self-service: `graphql::account_gate`).
#[derive(Debug, Clone, Copy)]
pub struct AccountRules {
    pub require_verified_email: bool,
    pub require_mfa: RequireMfa,
}

impl Viewer {
    /// The viewer of session `session_id` of `user`, reading its permissions from `db` when
    /// first asked.
    pub fn new(user: users::Model, session_id: Uuid, db: DatabaseConnection) -> Self {
        Self {
            user,
            session_id,
            client: ClientInfo::default(),
            db,
            permissions: OnceCell::new(),
            unverified_restricted: false,
            enrolment_pending: false,
        }
    }

    /// The viewer, as seen making a request from `client`.
    pub fn from_client(mut self, client: ClientInfo) -> Self {
        self.client = client;
        self
    }

    /// Under `rules`, an unverified address (`--require-verified-email`), or a covered account
    /// without a second factor (`--require-mfa`), leaves the viewer no role and no permission:
    /// its token serves only the viewer's own account.
    pub fn restricted_by(mut self, rules: AccountRules) -> Self {
        self.unverified_restricted = rules.require_verified_email && !self.user.email_verified;
        self.enrolment_pending = rules.require_mfa.covers(self.user.role) && !self.user.mfa_enabled;
        self
    }

    /// Whether `--require-verified-email` took the viewer's privileges away.
    pub fn is_unverified_restricted(&self) -> bool {
        self.unverified_restricted
    }

    /// Whether `--require-mfa` took the viewer's privileges away until it sets up a second
    /// factor.
    pub fn must_enrol(&self) -> bool {
        self.enrolment_pending
    }

    fn is_restricted(&self) -> bool {
        self.unverified_restricted || self.enrolment_pending
    }

    pub fn id(&self) -> Uuid {
        self.user.id
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == users::Role::Admin && !self.is_restricted()
    }

    /// True when the viewer is an ADMIN or holds `codename` directly or through a group.
    /// Permissions are read from the database once per viewer (that is, per request).
    pub async fn has_permission(&self, codename: &str) -> AppResult<bool> {
        if self.is_admin() {
            return Ok(true);
        }
        if self.is_restricted() {
            return Ok(false);
        }
        Ok(self.held().await?.contains(codename))
    }

    /// Every codename the viewer holds (all of them for an ADMIN).
    pub async fn permission_codenames(&self) -> AppResult<HashSet<String>> {
        if self.is_admin() {
            return all_codenames(&self.db).await;
        }
        if self.is_restricted() {
            return Ok(HashSet::new());
        }
        self.held().await.cloned()
    }

    /// `FORBIDDEN` with `message` unless the viewer is an ADMIN.
    pub fn require_admin(&self, message: &'static str) -> AppResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden(message))
        }
    }

    async fn held(&self) -> AppResult<&HashSet<String>> {
        self.permissions
            .get_or_try_init(|| codenames_of_user(&self.db, self.user.id))
            .await
    }
}

/// What the client sent about itself, recorded on the sessions it opens.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip: Option<std::net::IpAddr>,
}

/// Where a request's viewer is kept once resolved (`None`: the token named no live session).
type ViewerCell = Arc<OnceCell<Option<Arc<Viewer>>>>;

/// One request's credentials, and its viewer once resolved.
#[derive(Default)]
pub struct Credentials {
    /// The bearer token; `Some("")` when the header was present but empty or not `Bearer`.
    bearer: Option<String>,
    pub client: ClientInfo,
    /// In a mutation, each root field (by its response key) reads the viewer anew: a field
    /// before it may have ended the session or changed the viewer's rights. A query reads it
    /// once.
    per_root_field: bool,
    /// The viewer, resolved when first asked for, and the root field it was resolved for.
    resolved: std::sync::Mutex<(Option<String>, ViewerCell)>,
}

impl Credentials {
    /// `authorization` is the raw header value, if the header was sent.
    pub fn new(authorization: Option<&str>, client: ClientInfo) -> Self {
        let bearer = authorization.map(|value| {
            let value = value.trim();
            match value.split_once(' ') {
                Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                    token.trim().to_owned()
                }
                _ => String::new(),
            }
        });
        Self {
            bearer,
            client,
            per_root_field: false,
            resolved: Default::default(),
        }
    }

    /// For a mutation: each root field reads the viewer anew, so that one running after
    /// `logout`, `deleteAccount` or a change of the viewer's role, groups or permissions sees
    /// what that change left (`UNAUTHENTICATED`, `FORBIDDEN`).
    pub fn per_root_field(mut self, mutation: bool) -> Self {
        self.per_root_field = mutation;
        self
    }

    /// The cell holding the viewer for root field `root_field`: the request's one, or in a
    /// mutation a new one whenever the root field changes.
    fn cell(&self, root_field: Option<&str>) -> ViewerCell {
        let mut resolved = self
            .resolved
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.per_root_field && resolved.0.as_deref() != root_field {
            *resolved = (root_field.map(str::to_owned), Arc::default());
        }
        resolved.1.clone()
    }

    /// `Ok(None)` for an anonymous request, `Ok(Some)` for a valid token of a live session,
    /// `UNAUTHENTICATED` for a header that is present but not a valid, live access token.
    /// `rules`: what the account must comply with (see `Viewer::restricted_by`).
    /// `root_field`: the response key of the root field asking (see `per_root_field`).
    pub async fn viewer(
        &self,
        db: &DatabaseConnection,
        keys: &TokenKeys,
        rules: AccountRules,
        root_field: Option<&str>,
    ) -> AppResult<Option<Arc<Viewer>>> {
        let Some(token) = &self.bearer else {
            return Ok(None);
        };
        let cell = self.cell(root_field);
        let viewer = cell
            .get_or_try_init(|| async {
                let Some(claims) = keys.verify_access(token) else {
                    return Ok::<_, AppError>(None);
                };
                let user = live_session_user(db, &claims, keys.grace_secs()).await?;
                if user.is_none() && claims.kid.is_some() {
                    // Perhaps its key was revoked or retired on another replica: reload the
                    // keys now rather than at the next tick (signing with it would fail too).
                    keys.ring().mark_stale();
                }
                Ok(user.map(|user| {
                    let viewer = Viewer::new(user, claims.session_id, db.clone())
                        .from_client(self.client.clone());
                    Arc::new(viewer.restricted_by(rules))
                }))
            })
            .await?;
        match viewer {
            Some(viewer) => Ok(Some(viewer.clone())),
            None => Err(AppError::Unauthenticated(
                "invalid, expired or revoked access token",
            )),
        }
    }
}

/// The session check: the user of the token's session when the session is live, the user
/// active and not deleted, and the key pair that signed the token (if one did) still accepted
/// in the database, so that a revoked or retired key is refused on every replica from the
/// next request. One statement, on every request that has a token.
async fn live_session_user(
    db: &DatabaseConnection,
    claims: &AccessClaims,
    grace_secs: i64,
) -> AppResult<Option<users::Model>> {
    let now = crate::db::now();
    let backend = db.get_database_backend();
    let statement = Statement::from_sql_and_values(
        backend,
        SessionCheck::sql(backend, claims.kid.is_some()),
        SessionCheck::values(claims, now, grace_secs),
    );
    Ok(users::Model::find_by_statement(statement).one(db).await?)
}

/// The session check's SQL is the same on every request, only its values change: it is built
/// once per backend and kind of token (with a `kid` or without), and each request binds its
/// values (building the statement anew was a tenth of a `me` request's instructions).
/// `tests::the_session_check_is_what_its_query_builds` keeps `values` in step with `query`.
struct SessionCheck;

impl SessionCheck {
    /// The query, as sea-query builds it.
    fn query(
        claims: &AccessClaims,
        now: DateTime<Utc>,
        grace_secs: i64,
    ) -> sea_orm::Select<users::Entity> {
        let mut query = users::Entity::find()
            .join(JoinType::InnerJoin, users::Relation::Sessions.def())
            .filter(sessions::Column::Id.eq(claims.session_id))
            .filter(sessions::Column::UserId.eq(claims.user_id))
            .filter(sessions::Column::RevokedAt.is_null())
            .filter(sessions::Column::ExpiresAt.gt(now))
            .filter(users::Column::IsActive.eq(true))
            .filter(users::Column::DeletedAt.is_null());
        if let Some(kid) = &claims.kid {
            let accepted = Query::select()
                .expr(Expr::val(1))
                .from(signing_keys::Entity)
                .and_where(signing_keys::Column::Kid.eq(kid.as_str()))
                .cond_where(
                    Condition::any()
                        .add(signing_keys::Column::State.eq(signing_keys::State::Current))
                        .add(
                            Condition::all()
                                .add(signing_keys::Column::State.eq(signing_keys::State::Previous))
                                .add(
                                    signing_keys::Column::DeactivatedAt
                                        .gt(now - chrono::Duration::seconds(grace_secs)),
                                ),
                        ),
                )
                .to_owned();
            query = query.filter(Expr::exists(accepted));
        }
        query.limit(1)
    }

    /// The values `query` binds, in its order.
    fn values(claims: &AccessClaims, now: DateTime<Utc>, grace_secs: i64) -> Vec<Value> {
        let mut values = vec![
            claims.session_id.into(),
            claims.user_id.into(),
            now.into(),
            true.into(),
        ];
        if let Some(kid) = &claims.kid {
            values.extend([
                1i32.into(),
                kid.as_str().into(),
                signing_keys::State::Current.into(),
                signing_keys::State::Previous.into(),
                (now - chrono::Duration::seconds(grace_secs)).into(),
            ]);
        }
        values.push(1u64.into());
        values
    }

    /// `query`'s SQL on `backend`, for a token with a `kid` or without.
    fn sql(backend: DbBackend, kid: bool) -> String {
        static BUILT: [OnceLock<String>; 4] = [const { OnceLock::new() }; 4];
        let slot = match (backend, kid) {
            (DbBackend::Postgres, false) => 0,
            (DbBackend::Postgres, true) => 1,
            (_, false) => 2,
            (_, true) => 3,
        };
        BUILT[slot]
            .get_or_init(|| {
                let sample = AccessClaims {
                    user_id: Uuid::nil(),
                    session_id: Uuid::nil(),
                    kid: kid.then(String::new),
                };
                Self::query(&sample, crate::db::now(), 0).build(backend).sql
            })
            .clone()
    }
}

/// Codenames `user_id` holds directly or through any group: one query.
pub async fn codenames_of_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> AppResult<HashSet<String>> {
    let direct = Query::select()
        .column(user_permissions::Column::PermissionId)
        .from(user_permissions::Entity)
        .and_where(user_permissions::Column::UserId.eq(user_id))
        .to_owned();
    let through_groups = Query::select()
        .column((
            group_permissions::Entity,
            group_permissions::Column::PermissionId,
        ))
        .from(group_permissions::Entity)
        .inner_join(
            user_groups::Entity,
            Expr::col((user_groups::Entity, user_groups::Column::GroupId)).equals((
                group_permissions::Entity,
                group_permissions::Column::GroupId,
            )),
        )
        .and_where(ExprTrait::eq(
            Expr::col((user_groups::Entity, user_groups::Column::UserId)),
            user_id,
        ))
        .to_owned();
    let codenames: Vec<String> = permissions::Entity::find()
        .select_only()
        .column(permissions::Column::Codename)
        .filter(
            permissions::Column::Id
                .in_subquery(direct)
                .or(permissions::Column::Id.in_subquery(through_groups)),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(codenames.into_iter().collect())
}

/// Every codename that exists (what an ADMIN holds).
async fn all_codenames(db: &impl ConnectionTrait) -> AppResult<HashSet<String>> {
    let codenames: Vec<String> = permissions::Entity::find()
        .select_only()
        .column(permissions::Column::Codename)
        .into_tuple()
        .all(db)
        .await?;
    Ok(codenames.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_check_is_what_its_query_builds() {
        let now = crate::db::now();
        for kid in [None, Some("a-kid".to_owned())] {
            let claims = AccessClaims {
                user_id: Uuid::new_v4(),
                session_id: Uuid::new_v4(),
                kid,
            };
            for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
                let built = SessionCheck::query(&claims, now, 300).build(backend);
                assert_eq!(SessionCheck::sql(backend, claims.kid.is_some()), built.sql);
                assert_eq!(
                    Some(sea_orm::Values(SessionCheck::values(&claims, now, 300))),
                    built.values,
                    "{backend:?}, kid {:?}",
                    claims.kid
                );
            }
        }
    }
}
