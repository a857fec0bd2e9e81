//! Spec-conforming nulls for failed fields.
//!
//! async-graphql 7 leaves a field that failed out of its parent object (and answers
//! `"data": null` only when every root field failed). GraphQL says instead that a failed field
//! is `null`, with its error in `errors`, and that when the field is non-null the `null`
//! spreads to the nearest nullable field above it, or to `data` itself. So `{ me { id
//! deletedAt } }` from a non-admin answers `"deletedAt": null`, `user(id:)` of someone else
//! `"user": null`, and `{ me { id } users { totalCount } }` from a non-admin `"data": null`.
//! Clients generated from the schema (Apollo, urql) rely on every selected key being there.
//!
//! This extension makes it so. A failed nullable field resolves to `null` and its error is kept
//! for the response. A failed non-null field is left to async-graphql (which records the
//! error) and remembered; the nearest nullable field above it then resolves to `null`, or, if
//! there is none, `data` becomes `null`. (Every list in Roster's schema has non-null items, so
//! the nearest nullable position is always a field.)

use std::sync::{Arc, Mutex, MutexGuard};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo,
};
use async_graphql::{QueryPathNode, Response, ServerError, ServerResult, Value};

/// Installs `NullOnError` for every request.
pub struct NullOnErrorFactory;

impl ExtensionFactory for NullOnErrorFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(NullOnError::default())
    }
}

/// A response path: field names (response keys) and list indexes.
type Path = Vec<String>;

#[derive(Default)]
struct NullOnError {
    /// Errors of nullable fields that resolved to `null`, for the response.
    errors: Mutex<Vec<ServerError>>,
    /// Paths of failed non-null fields whose `null` has not yet reached a nullable field.
    spreading: Mutex<Vec<Path>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The response path of `node`, from the root.
fn path_of(node: &QueryPathNode<'_>) -> Path {
    node.to_string_vec()
}

#[async_graphql::async_trait::async_trait]
impl Extension for NullOnError {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        if !lock(&self.spreading).is_empty() {
            // A non-null root field failed: the whole `data` is null.
            response.data = Value::Null;
        }
        let kept = std::mem::take(&mut *lock(&self.errors));
        if !kept.is_empty() {
            response.errors.extend(kept);
            // Keep the order of the fields in the document, as async-graphql does.
            response
                .errors
                .sort_by_key(|error| error.locations.first().map(|l| (l.line, l.column)));
        }
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.is_for_introspection {
            return next.run(ctx, info).await;
        }
        let nullable = !info.return_type.ends_with('!');
        let path_node = info.path_node;
        let result = next.run(ctx, info).await;
        match result {
            Err(error) if nullable => {
                lock(&self.errors).push(error);
                Ok(Some(Value::Null))
            }
            Err(error) => {
                lock(&self.spreading).push(path_of(path_node));
                Err(error)
            }
            Ok(value) if nullable => {
                let mut spreading = lock(&self.spreading);
                if spreading.is_empty() {
                    return Ok(value);
                }
                let here = path_of(path_node);
                let before = spreading.len();
                spreading
                    .retain(|failed| !(failed.len() > here.len() && failed.starts_with(&here)));
                Ok(if spreading.len() < before {
                    Some(Value::Null)
                } else {
                    value
                })
            }
            ok => ok,
        }
    }
}
