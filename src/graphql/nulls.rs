//! Spec-conforming nulls for failed nullable fields.
//!
//! async-graphql 7 leaves a field that failed out of its parent object, and answers
//! `"data": null` when every root field failed. GraphQL says a nullable field that fails is
//! `null`, with its error in `errors`: `{ me { id deletedAt } }` from a non-admin must answer
//! `"deletedAt": null`, and `user(id:)` someone else's `"user": null`, each with `FORBIDDEN`.
//! Clients generated from the schema (Apollo, urql) expect every selected key to be there.
//!
//! This extension makes it so: when a field whose type is nullable fails, it keeps the error
//! for the response and resolves the field to `null`. A failed non-null field is left to
//! async-graphql as before.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo,
};
use async_graphql::{Response, ServerError, ServerResult, Value};

/// Installs `NullOnError` for every request.
pub struct NullOnErrorFactory;

impl ExtensionFactory for NullOnErrorFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(NullOnError::default())
    }
}

/// One request's errors of nullable fields that resolved to `null`.
#[derive(Default)]
struct NullOnError {
    errors: Mutex<Vec<ServerError>>,
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
        let kept = std::mem::take(&mut *self.errors.lock().unwrap_or_else(|p| p.into_inner()));
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
        let nullable = !info.return_type.ends_with('!') && !info.is_for_introspection;
        match next.run(ctx, info).await {
            Err(error) if nullable => {
                self.errors
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(error);
                Ok(Some(Value::Null))
            }
            other => other,
        }
    }
}
