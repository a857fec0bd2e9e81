//! What resolvers read from async-graphql's context: the shared state, the request's
//! credentials and loader, and the viewer, through `ContextExt` instead of
//! `ctx.data_unchecked`. `ViewedBy` says whose eyes a part of the response is judged by.

use std::future::Future;
use std::sync::Arc;

use async_graphql::{Context, QueryPathSegment};

use crate::auth::viewer::{Credentials, Viewer};
use crate::error::{AppError, AppResult};
use crate::graphql::failed_field_nulls::FailedFieldNulls;
use crate::graphql::loaders::DbLoader;
use crate::state::AppState;

/// Small accessors every resolver uses.
pub trait ContextExt {
    fn state(&self) -> &AppState;
    fn credentials(&self) -> &Credentials;
    fn loader(&self) -> &DbLoader;
    /// The viewer, or `UNAUTHENTICATED`.
    fn viewer(&self) -> impl Future<Output = AppResult<Arc<Viewer>>> + Send;
    /// The viewer if any; `UNAUTHENTICATED` only for a bad token.
    fn maybe_viewer(&self) -> impl Future<Output = AppResult<Option<Arc<Viewer>>>> + Send;
    /// For a nullable field: its value, or `None` with the error recorded at this field, so
    /// the field answers `null` beside its error as GraphQL says (see `failed_field_nulls`).
    fn or_null<T, E: Into<async_graphql::Error>>(&self, result: Result<Option<T>, E>) -> Option<T>;
    /// For a nullable field whose value has fields of its own: records this field as where
    /// the null of a failing non-null field below lands (see `failed_field_nulls`).
    fn nullable<T>(&self, value: Option<T>) -> Option<T>;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        self.data_unchecked::<AppState>()
    }

    fn credentials(&self) -> &Credentials {
        self.data_unchecked::<Credentials>()
    }

    fn loader(&self) -> &DbLoader {
        self.data_unchecked::<DbLoader>()
    }

    async fn viewer(&self) -> AppResult<Arc<Viewer>> {
        self.maybe_viewer()
            .await?
            .ok_or(AppError::Unauthenticated("authentication required"))
    }

    async fn maybe_viewer(&self) -> AppResult<Option<Arc<Viewer>>> {
        let state = self.state();
        // The root field this one is under (its response key): a mutation's root fields each
        // read the viewer anew (`Credentials::per_root_field`).
        let root_field = self.path_node.as_ref().map(|node| {
            match node.parents().last().unwrap_or(node).segment {
                QueryPathSegment::Name(key) => key,
                QueryPathSegment::Index(_) => "",
            }
        });
        self.credentials()
            .viewer(&state.db, &state.keys, state.account_rules(), root_field)
            .await
    }

    fn or_null<T, E: Into<async_graphql::Error>>(&self, result: Result<Option<T>, E>) -> Option<T> {
        match result {
            Ok(value) => self.nullable(value),
            Err(error) => {
                self.data_unchecked::<Arc<FailedFieldNulls>>()
                    .caught(self, error.into());
                None
            }
        }
    }

    fn nullable<T>(&self, value: Option<T>) -> Option<T> {
        if value.is_some() {
            self.data_unchecked::<Arc<FailedFieldNulls>>()
                .may_land(self);
        }
        value
    }
}

/// Whose eyes a part of the response is judged by: the request's viewer, or the user of a
/// session the request itself just opened. `login { user { deletedAt } }` is answered for who
/// just logged in, whatever token (or none) the request came with. Output types carry it
/// down to the fields that check it.
#[derive(Clone, Default)]
pub enum ViewedBy {
    #[default]
    Request,
    Session(Arc<Viewer>),
}

impl ViewedBy {
    /// The viewer these eyes belong to, or `UNAUTHENTICATED`.
    pub async fn viewer(&self, ctx: &Context<'_>) -> AppResult<Arc<Viewer>> {
        match self {
            ViewedBy::Request => ctx.viewer().await,
            ViewedBy::Session(viewer) => Ok(viewer.clone()),
        }
    }
}
