//! Spec-conforming nulls for failed fields, with the help of the fields themselves.
//!
//! GraphQL says a failed field is `null` with its error in `errors`, and that the `null` of a
//! failed non-null field spreads to its nearest nullable parent, or to `data` itself. The
//! async-graphql version this crate pins (7.2, see `Cargo.toml`) does neither: it leaves a
//! failed field out of its parent (PR #1746, reverted upstream for 8.0), and answers `null`
//! for an object whose every field failed. So:
//!
//! - A nullable field that can fail answers `Ok(None)` and records its own error
//!   (`ContextExt::or_null`): the engine writes its `null`, in its place.
//! - A nullable field whose value has fields of its own records where it is
//!   (`ContextExt::nullable`): a null spreading from below lands there.
//! - After execution, `apply` turns each error that no field caught (a failed non-null
//!   field) into a `null` at the nearest recorded place above it, or `data: null`.
//!
//! No query is parsed twice and no types are looked up: the fields say where nulls go. The
//! unit tests pin the engine behaviour this relies on, so an upgrade that changes it fails
//! here first; `tests/api` checks the answers clients see.

use std::sync::Mutex;

use async_graphql::{Context, PathSegment, QueryPathSegment, Response, Value};

/// One request's record of caught errors and of the places a null may land.
#[derive(Default)]
pub struct FailedFieldNulls {
    caught: Mutex<Vec<Vec<PathSegment>>>,
    landings: Mutex<Vec<Vec<PathSegment>>>,
}

impl FailedFieldNulls {
    /// Records `error` as the error of the (nullable) field of `ctx`, which answers `null`.
    pub fn caught(&self, ctx: &Context<'_>, error: async_graphql::Error) {
        let mut error = error.into_server_error(ctx.item.pos);
        error.path = path_of(ctx);
        lock(&self.caught).push(error.path.clone());
        ctx.add_error(error);
    }

    /// Records the (nullable) field of `ctx` as a place where a null from below may land.
    pub fn may_land(&self, ctx: &Context<'_>) {
        lock(&self.landings).push(path_of(ctx));
    }

    /// Spreads the null of every error no field caught to the nearest recorded place above
    /// it, or to `data`.
    pub fn apply(&self, response: &mut Response) {
        let caught = lock(&self.caught);
        let mut escaped = response
            .errors
            .iter()
            .map(|error| &error.path)
            .filter(|path| !path.is_empty() && !caught.contains(path))
            .peekable();
        if escaped.peek().is_none() {
            return;
        }
        let landings = lock(&self.landings);
        let mut targets: Vec<&[PathSegment]> = Vec::new();
        for path in escaped {
            let nearest = landings
                .iter()
                .filter(|landing| landing.len() < path.len() && path.starts_with(landing))
                .max_by_key(|landing| landing.len());
            match nearest {
                Some(landing) => targets.push(landing),
                None => {
                    response.data = Value::Null;
                    return;
                }
            }
        }
        // Outermost first; a place inside a null already placed has nothing left to do.
        targets.sort_by_key(|path| path.len());
        let mut placed: Vec<&[PathSegment]> = Vec::new();
        for target in targets {
            if placed.iter().all(|outer| !target.starts_with(outer)) {
                set_null(&mut response.data, target);
                placed.push(target);
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The response path of the field `ctx` resolves.
fn path_of(ctx: &Context<'_>) -> Vec<PathSegment> {
    let Some(node) = ctx.path_node.as_ref() else {
        return Vec::new();
    };
    let mut path: Vec<PathSegment> = std::iter::once(node)
        .chain(node.parents())
        .map(|node| match node.segment {
            QueryPathSegment::Name(name) => PathSegment::Field(name.to_owned()),
            QueryPathSegment::Index(index) => PathSegment::Index(index),
        })
        .collect();
    path.reverse();
    path
}

/// Sets the value at `path` (a field that resolved, so every step exists) to null.
fn set_null(data: &mut Value, path: &[PathSegment]) {
    let mut current = data;
    for segment in path {
        let next = match (segment, current) {
            (PathSegment::Field(key), Value::Object(map)) => map.get_mut(key.as_str()),
            (PathSegment::Index(index), Value::List(items)) => items.get_mut(*index),
            _ => None,
        };
        match next {
            Some(value) => current = value,
            None => return,
        }
    }
    *current = Value::Null;
}

#[cfg(test)]
mod tests {
    //! The engine behaviour `FailedFieldNulls` is built on. If an upgrade of async-graphql
    //! fails one of these, revisit this module before relaxing the test.

    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema, SimpleObject};

    struct Query;

    #[derive(SimpleObject)]
    struct Leaf {
        ok: i32,
    }

    struct Failing;

    #[Object]
    impl Failing {
        async fn bad(&self) -> async_graphql::Result<i32> {
            Err("no".into())
        }
    }

    #[Object]
    impl Query {
        async fn ok(&self) -> i32 {
            1
        }
        async fn bad(&self) -> async_graphql::Result<i32> {
            Err("no".into())
        }
        async fn nullable_bad(&self) -> async_graphql::Result<Option<i32>> {
            Err("no".into())
        }
        async fn failing(&self) -> Failing {
            Failing
        }
        async fn leaf(&self) -> Option<Leaf> {
            Some(Leaf { ok: 2 })
        }
    }

    async fn data(query: &str) -> serde_json::Value {
        let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
        let response = schema.execute(query).await;
        serde_json::to_value(&response.data).unwrap()
    }

    #[tokio::test]
    async fn the_engine_leaves_failed_fields_out() {
        // A failed field, nullable or not, is left out of its parent, with its error.
        let response = Schema::new(Query, EmptyMutation, EmptySubscription)
            .execute("{ ok bad nullableBad }")
            .await;
        assert_eq!(
            serde_json::to_value(&response.data).unwrap(),
            serde_json::json!({ "ok": 1 })
        );
        assert_eq!(response.errors.len(), 2);
        // An object whose every field failed is null.
        assert_eq!(
            data("{ failing { bad } leaf { ok } }").await,
            serde_json::json!({ "failing": null, "leaf": { "ok": 2 } })
        );
        // `data` itself is null only when every root field failed.
        assert_eq!(data("{ bad }").await, serde_json::Value::Null);
    }

    /// Every nullable field whose value has fields of its own. Each must answer through
    /// `ContextExt::or_null` or `::nullable`, or a null from below would spread past it.
    #[test]
    fn every_nullable_object_field_is_known() {
        use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};

        let document = async_graphql::parser::parse_schema(crate::graphql::sdl()).unwrap();
        let types: Vec<_> = document
            .definitions
            .iter()
            .filter_map(|definition| match definition {
                TypeSystemDefinition::Type(ty) => Some(&ty.node),
                _ => None,
            })
            .collect();
        let is_object = |name: &str| {
            types.iter().any(|ty| {
                ty.name.node == name
                    && matches!(ty.kind, TypeKind::Object(_) | TypeKind::Interface(_))
            })
        };
        fn named(ty: &Type) -> &str {
            match &ty.base {
                BaseType::Named(name) => name.as_str(),
                BaseType::List(inner) => named(inner),
            }
        }
        let mut found = Vec::new();
        for ty in &types {
            if let TypeKind::Object(object) = &ty.kind {
                for field in &object.fields {
                    let field_type = &field.node.ty.node;
                    if field_type.nullable && is_object(named(field_type)) {
                        found.push(format!("{}.{}", ty.name.node, field.node.name.node));
                    }
                }
            }
        }
        found.sort();
        assert_eq!(
            found,
            [
                "AuditEvent.actor",
                "AuditEvent.user",
                "Query.group",
                "Query.me",
                "Query.user",
                "User.directPermissions",
                "User.identities",
                "User.passkeys",
                "User.totpFactors"
            ],
            "a new nullable object field: answer it through ContextExt::or_null (or \
             ::nullable), then list it here"
        );
    }
}
