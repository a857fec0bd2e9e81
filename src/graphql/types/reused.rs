//! Objects that appear many times in one response, resolved once. An admin page of 50 users
//! in 2 groups each shows 100 groups of which 20 differ, and each group's fields (its
//! permissions and theirs) were resolved anew every time: most of the page's fields. A
//! `Reused` object is resolved once per request for each selection of it and copied wherever
//! the same object is selected the same way again.
//!
//! The same object and the same selection (the same field of the document), judged by the
//! request's viewer, give the same answer within one query: what a group shows does not depend on
//! which member's list it sits in. Only queries keep them (`graphql::Api::run`): a mutation's
//! root fields change what the next one sees. A resolution that reported any error is not
//! kept, so every occurrence reports its own, at its own path.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::graphql::context::ViewedBy;

/// `T`, resolved once per request for each (id, selection).
pub struct Reused<T> {
    inner: T,
    /// The id; `None`: resolved every time.
    id: Option<Uuid>,
}

impl<T> Reused<T> {
    /// `inner`, the object of id `id` (unique among `T`s), shown to `viewed_by`. Only what the
    /// request's viewer sees is kept; what a session opened by the request sees (`login {
    /// user { groups } }`, a mutation anyway) is resolved where it appears.
    pub fn new(inner: T, id: Uuid, viewed_by: &ViewedBy) -> Self {
        let id = match viewed_by {
            ViewedBy::Request => Some(id),
            ViewedBy::Session(_) => None,
        };
        Self { inner, id }
    }

    /// `inner`, resolved where it appears: for an object that cannot appear twice (the
    /// groups of a single user), remembering it would cost more than it saves.
    pub fn once(inner: T) -> Self {
        Self { inner, id: None }
    }
}

/// An object's id, and the address of the field selecting it.
type Key = (Uuid, usize);

/// What `Reused` objects resolved to in this request (`None`: with errors); request data.
#[derive(Default)]
pub struct Resolved {
    values: Mutex<HashMap<Key, Arc<OnceCell<Option<Value>>>>>,
}

impl<T: OutputType> OutputType for Reused<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.inner.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let (Some(id), Some(resolved)) = (self.id, ctx.data_opt::<Resolved>()) else {
            return self.inner.resolve(ctx, field).await;
        };
        // The field's node in the document: the same for every item of a list, and for every
        // list that one fragment's field selects.
        let key = (id, std::ptr::from_ref(field) as usize);
        let cell = resolved
            .values
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(key)
            .or_default()
            .clone();
        // The items of a list resolve at once: the first occurrence resolves, the others wait
        // for its value rather than each resolving too.
        let mut own = None;
        let slot = &mut own;
        let kept = cell
            .get_or_init(move || async move {
                let errors_before = error_count(ctx);
                let result = self.inner.resolve(ctx, field).await;
                // Errors are only ever added: the same count means none came from here.
                let clean = error_count(ctx) == errors_before;
                let kept = result.as_ref().ok().filter(|_| clean).cloned();
                *slot = Some(result);
                kept
            })
            .await;
        match (own, kept) {
            (Some(result), _) => result,
            (None, Some(value)) => Ok(value.clone()),
            (None, None) => self.inner.resolve(ctx, field).await,
        }
    }
}

fn error_count(ctx: &ContextSelectionSet<'_>) -> usize {
    ctx.query_env
        .errors
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .len()
}
