//! Spec-conforming nulls for failed fields.
//!
//! async-graphql 7 leaves a field that failed out of its parent object (and answers
//! `"data": null` only when every root field failed). GraphQL says instead that a failed field
//! is `null`, with its error in `errors`, and that when the field is non-null the `null`
//! spreads to the nearest nullable position above it, or to `data` itself. So `{ me { id
//! deletedAt } }` from a non-admin answers `"deletedAt": null`, `user(id:)` of someone else
//! `"user": null`, and `{ me { id } users { totalCount } }` from a non-admin `"data": null`.
//! Clients generated from the schema (Apollo, urql) rely on every selected key being there.
//!
//! `repair` mends a response after execution, and only when an error carries a path: it
//! parses the query again, follows each such path through the document and the schema's types
//! to the nearest nullable position, and sets it to `null`. Requests without field errors pay
//! nothing. (An async-graphql extension could do the same, but any extension at all sends
//! every field through a slower path: a list of 100 users took 60% longer.)

use std::sync::OnceLock;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::Registry;
use async_graphql::{Name, OutputType, PathSegment, Positioned, Response, Value};

use crate::graphql::{Mutation, Query};

/// The schema's types, as async-graphql registers them, built once.
fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = Registry {
            query_type: Query::type_name().into_owned(),
            mutation_type: Some(Mutation::type_name().into_owned()),
            ..Default::default()
        };
        Query::create_type_info(&mut registry);
        Mutation::create_type_info(&mut registry);
        registry
    })
}

/// Repairs `response`, the answer to `query`, as the module documentation says.
pub fn repair(query: &str, operation_name: Option<&str>, response: &mut Response) {
    if response.errors.iter().all(|error| error.path.is_empty()) {
        return;
    }
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return;
    };
    let registry = registry();
    let Some((root_type, selection_set)) = operation(registry, &document, operation_name) else {
        return;
    };
    let walk = Walk {
        registry,
        document: &document,
    };
    let Response { data, errors, .. } = response;
    // Each error's path, the part of it that leads to where its null lands, and the keys the
    // document selects beside that place (to put a missing key back in its place).
    let mut landings: Vec<(&[PathSegment], &[PathSegment], Vec<&str>)> = Vec::new();
    for error in errors.iter().filter(|error| !error.path.is_empty()) {
        match walk.nearest_nullable(root_type, selection_set, &error.path) {
            Some((Some(length), siblings)) => {
                landings.push((&error.path, &error.path[..length], siblings));
            }
            Some((None, _)) => {
                *data = Value::Null;
                return;
            }
            // A path this walk does not understand: leave that error's field as it is.
            None => {}
        }
    }
    // async-graphql answers `null` for an object (or all of `data`) whose every field failed.
    // An object with an error below it did resolve, so it becomes an object again first.
    for (path, _, _) in &landings {
        reopen(data, &path[..path.len() - 1]);
    }
    // Then the nulls, outermost first; one inside a null already placed has nothing to do.
    landings.sort_by_key(|(_, landing, _)| landing.len());
    let mut placed: Vec<&[PathSegment]> = Vec::new();
    for (_, landing, siblings) in landings {
        if placed.iter().all(|outer| !landing.starts_with(outer)) {
            set_null(data, landing, &siblings);
            placed.push(landing);
        }
    }
}

/// Turns each `null` at or along `parents` (from `data` down) back into an empty object.
fn reopen(data: &mut Value, parents: &[PathSegment]) {
    let mut current = data;
    for segment in parents {
        if matches!(current, Value::Null) {
            *current = Value::Object(Default::default());
        }
        let next = match (segment, current) {
            (PathSegment::Field(key), Value::Object(map)) => map.get_mut(key.as_str()),
            (PathSegment::Index(index), Value::List(items)) => items.get_mut(*index),
            _ => None,
        };
        let Some(value) = next else {
            return;
        };
        current = value;
    }
    if matches!(current, Value::Null) {
        *current = Value::Object(Default::default());
    }
}

/// The root type and selection set of the operation that ran.
fn operation<'a>(
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<(&'a str, &'a SelectionSet)> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        _ => return None,
    };
    let root_type = match operation.node.ty {
        OperationType::Query => registry.query_type.as_str(),
        OperationType::Mutation => registry.mutation_type.as_deref()?,
        OperationType::Subscription => return None,
    };
    Some((root_type, &operation.node.selection_set.node))
}

struct Walk<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
}

impl<'a> Walk<'a> {
    /// How much of `path` leads to the nearest nullable position at or above its end:
    /// `Some(n)` for `path[..n]`, `None` when there is none (all of `data` is null); with the
    /// response keys selected beside that position, in document order. `None` when the path
    /// does not match the document.
    fn nearest_nullable(
        &self,
        root_type: &'a str,
        selection_set: &'a SelectionSet,
        path: &[PathSegment],
    ) -> Option<(Option<usize>, Vec<&'a str>)> {
        // The fields selected at the position reached, and, for each segment, those its key
        // was looked up among.
        let mut level = Vec::new();
        self.flatten(selection_set, &mut level);
        let mut levels = Vec::with_capacity(path.len());
        // The type of the position reached: a type name at the root, then a field's type
        // with list levels peeled off as indexes go into them.
        let mut ty: &str = root_type;
        let mut nullable = Vec::with_capacity(path.len());
        for segment in path {
            levels.push(level.clone());
            match segment {
                PathSegment::Field(key) => {
                    let matching: Vec<_> = level
                        .iter()
                        .filter(|field| field.node.response_key().node.as_str() == key)
                        .collect();
                    let name = &matching.first()?.node.name.node;
                    ty = &self
                        .registry
                        .concrete_type_by_name(ty)?
                        .field_by_name(name)?
                        .ty;
                    let mut next = Vec::new();
                    for field in matching {
                        self.flatten(&field.node.selection_set.node, &mut next);
                    }
                    level = next;
                }
                PathSegment::Index(_) => {
                    ty = ty
                        .trim_end_matches('!')
                        .strip_prefix('[')?
                        .strip_suffix(']')?;
                }
            }
            nullable.push(!ty.ends_with('!'));
        }
        let landing = nullable.iter().rposition(|&n| n).map(|at| at + 1);
        let mut siblings: Vec<&str> = Vec::new();
        for field in landing.map_or(&[][..], |length| &levels[length - 1]) {
            let key = field.node.response_key().node.as_str();
            if !siblings.contains(&key) {
                siblings.push(key);
            }
        }
        Some((landing, siblings))
    }

    /// The fields `set` selects, through fragments, in document order.
    fn flatten(&self, set: &'a SelectionSet, out: &mut Vec<&'a Positioned<Field>>) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => out.push(field),
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        self.flatten(&fragment.node.selection_set.node, out);
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.flatten(&inline.node.selection_set.node, out);
                }
            }
        }
    }
}
/// Sets the position `path` of `data` to null; a missing key goes back in its place among
/// `siblings` (the keys selected beside it, in document order).
fn set_null(data: &mut Value, path: &[PathSegment], siblings: &[&str]) {
    let Some((last, parents)) = path.split_last() else {
        *data = Value::Null;
        return;
    };
    let mut current = data;
    for segment in parents {
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
    match (last, current) {
        (PathSegment::Field(key), Value::Object(map)) => {
            if let Some(value) = map.get_mut(key.as_str()) {
                *value = Value::Null;
            } else {
                let rank = |k: &str| siblings.iter().position(|s| *s == k);
                let place = map
                    .keys()
                    .filter(|existing| rank(existing.as_str()) < rank(key))
                    .count();
                map.shift_insert(place, Name::new(key), Value::Null);
            }
        }
        (PathSegment::Index(index), Value::List(items)) => {
            if let Some(item) = items.get_mut(*index) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}
