//! The viewer: who is making this request, resolved at most once per request.
//!
//! The `Authorization` header is read by the HTTP layer into `RequestAuth`; the token is
//! verified and checked against the database only when a field first asks for the viewer.
//! That check is one query joining the session to its user (session live, user active and
//! not deleted), so logout, deactivation, deletion and role changes apply on the next request.
//! Roles and permissions come from that row and from the database, never from token claims.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::{Context, QueryPathSegment};
use sea_orm::sea_query::JoinType;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, RelationTrait};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::db::entities::{sessions, users};
use crate::error::{AppError, AppResult};
use crate::services;
use crate::state::AppState;

/// An authenticated, live user and the session their token belongs to.
#[derive(Debug)]
pub struct Viewer {
    pub user: users::Model,
    pub session_id: Uuid,
    permissions: OnceCell<HashSet<String>>,
}

impl Viewer {
    /// The viewer of a session that was just opened or renewed.
    pub fn new(user: users::Model, session_id: Uuid) -> Self {
        Self {
            user,
            session_id,
            permissions: OnceCell::new(),
        }
    }

    pub fn id(&self) -> Uuid {
        self.user.id
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == users::Role::Admin
    }

    /// True when the viewer is an ADMIN or holds `codename` directly or through a group.
    /// Permissions are read from the database once per request.
    pub async fn has_permission(&self, state: &AppState, codename: &str) -> AppResult<bool> {
        if self.is_admin() {
            return Ok(true);
        }
        let held = self
            .permissions
            .get_or_try_init(|| services::permissions::codenames_of_user(&state.db, self.user.id))
            .await?;
        Ok(held.contains(codename))
    }

    /// Every codename the viewer holds (all of them for an ADMIN).
    pub async fn permission_codenames(&self, state: &AppState) -> AppResult<HashSet<String>> {
        if self.is_admin() {
            return services::permissions::all_codenames(&state.db).await;
        }
        self.permissions
            .get_or_try_init(|| services::permissions::codenames_of_user(&state.db, self.user.id))
            .await
            .cloned()
    }
}

/// What the client sent about itself, recorded on the sessions it opens.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip: Option<std::net::IpAddr>,
}

/// The request's credentials, and the viewer once resolved.
#[derive(Default)]
pub struct RequestAuth {
    /// The bearer token; `Some("")` when the header was present but empty or not `Bearer`.
    bearer: Option<String>,
    pub client: ClientInfo,
    resolved: OnceCell<Option<Arc<Viewer>>>,
    /// Sessions this request opened or renewed (`login`, `register`, ...), by the response key
    /// of the root field that did it: the payload under that field is shown to the session's
    /// own user, whatever token (or none) the request came with.
    issued: std::sync::Mutex<Vec<(String, Arc<Viewer>)>>,
}

impl RequestAuth {
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
            resolved: OnceCell::new(),
            issued: Default::default(),
        }
    }

    /// Records that the root field `response_key` opened a session for `viewer`.
    pub fn record_issued(&self, response_key: &str, viewer: Viewer) {
        self.issued
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((response_key.to_owned(), Arc::new(viewer)));
    }

    fn issued_under(&self, response_key: &str) -> Option<Arc<Viewer>> {
        self.issued
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .find(|(key, _)| key == response_key)
            .map(|(_, viewer)| viewer.clone())
    }

    /// `Ok(None)` for an anonymous request, `Ok(Some)` for a valid token of a live session,
    /// `UNAUTHENTICATED` for a header that is present but not a valid, live access token.
    pub async fn viewer(&self, state: &AppState) -> AppResult<Option<Arc<Viewer>>> {
        let Some(token) = &self.bearer else {
            return Ok(None);
        };
        let viewer = self
            .resolved
            .get_or_try_init(|| async {
                let Some(claims) = state.keys.verify_access(token) else {
                    return Ok::<_, AppError>(None);
                };
                let user = live_session_user(state, claims.user_id, claims.session_id).await?;
                Ok(user.map(|user| Arc::new(Viewer::new(user, claims.session_id))))
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

/// The user of session `session_id` when the session is live and the user active and not
/// deleted: one query.
async fn live_session_user(
    state: &AppState,
    user_id: Uuid,
    session_id: Uuid,
) -> AppResult<Option<users::Model>> {
    let now = crate::db::now();
    Ok(users::Entity::find()
        .join(JoinType::InnerJoin, users::Relation::Sessions.def())
        .filter(sessions::Column::Id.eq(session_id))
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .filter(sessions::Column::ExpiresAt.gt(now))
        .filter(users::Column::IsActive.eq(true))
        .filter(users::Column::DeletedAt.is_null())
        .one(&state.db)
        .await?)
}

/// The response key (alias or name) of the root field this context is under.
pub fn root_response_key<'a>(ctx: &'a Context<'_>) -> Option<&'a str> {
    let mut node = ctx.path_node.as_ref()?;
    while let Some(parent) = node.parent {
        node = parent;
    }
    match node.segment {
        QueryPathSegment::Name(name) => Some(name),
        QueryPathSegment::Index(_) => None,
    }
}

/// Small accessors every resolver uses instead of `ctx.data_unchecked`.
pub trait ContextExt {
    fn state(&self) -> &AppState;
    fn auth(&self) -> &RequestAuth;
    /// The viewer, or `UNAUTHENTICATED`.
    fn viewer(&self) -> impl std::future::Future<Output = AppResult<Arc<Viewer>>> + Send;
    /// The viewer if any; `UNAUTHENTICATED` only for a bad token.
    fn maybe_viewer(
        &self,
    ) -> impl std::future::Future<Output = AppResult<Option<Arc<Viewer>>>> + Send;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        self.data_unchecked::<AppState>()
    }

    fn auth(&self) -> &RequestAuth {
        self.data_unchecked::<RequestAuth>()
    }

    async fn viewer(&self) -> AppResult<Arc<Viewer>> {
        self.maybe_viewer()
            .await?
            .ok_or(AppError::Unauthenticated("authentication required"))
    }

    async fn maybe_viewer(&self) -> AppResult<Option<Arc<Viewer>>> {
        // Inside the payload of a root field that opened a session, the viewer is that
        // session's user: `login { user { deletedAt } }` is judged for who just logged in.
        if let Some(viewer) = root_response_key(self).and_then(|key| self.auth().issued_under(key))
        {
            return Ok(Some(viewer));
        }
        self.auth().viewer(self.state()).await
    }
}
