//! What a request must pass before anything executes: a document that parses, and the cost
//! limits (aliases, depth, the size of the document once its fragments are spread, and a cost
//! in which a list multiplies what it selects). The batch limit is HTTP's (`http`), since a
//! batch is several requests; the codes a refusal carries are `graphql::errors`'.
//!
//! `check` parses and measures the document before async-graphql sees it (its own nesting
//! checks walk fragment spreads without memory, so a small document of fragments that each
//! spread the next twice would keep them busy for minutes) and hands the parsed document on.
//! The cost is async-graphql's complexity count (`limit_complexity`), with the multipliers
//! declared on the fields (`page_cost`, `list_cost`). Depth is counted here, so that
//! introspection (GraphiQL's and code generators' deep `ofType` chains) is exempt while it is
//! enabled. None of this is an async-graphql extension: with any extension installed, every
//! field of every response is resolved through the extension chain, which cost a listing
//! 15-20% of its CPU.
//!
//! `documents` remembers parsed documents; `measure` walks one; `parse_failure` tells a parse
//! error briefly.

mod documents;
mod measure;
mod parse_failure;

use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::{Request, ServerError, Value, Variables};

use self::documents::Documents;
use self::measure::{Measure, Walk, count_aliases};
use self::parse_failure::parse_failure;

/// Most operations in one JSON batch.
pub const MAX_BATCH: usize = 10;
/// Most aliases in one document.
pub const MAX_ALIASES: usize = 15;
/// Deepest selection, in field levels (`me { id }` is 2).
pub const MAX_DEPTH: usize = 10;
/// The cost budget of one operation (see `page_cost` and `list_cost`).
pub const MAX_COST: usize = 100_000;
/// Most field selections once every fragment is spread where it is used; bounds the work of
/// validation itself (a document can spread a fragment that spreads another twice, and so on).
const MAX_EXPANDED_FIELDS: usize = 5_000;

/// What a connection field costs: `first` (or `last`, default 10) times its selection. Out-of-
/// range values are refused by the resolver; here they only must not overflow.
pub fn page_cost(first: Option<i32>, last: Option<i32>, children: usize) -> usize {
    let size = first.or(last).unwrap_or(10).clamp(0, 100);
    1 + (size as usize).saturating_mul(children)
}

/// What a plain list costs: the number of items it is expected to hold times its selection.
pub fn list_cost(expected: usize, children: usize) -> usize {
    1 + expected.saturating_mul(children)
}

/// Expected sizes of the plain lists, for `list_cost`.
pub const GROUPS_PER_USER: usize = 10;
pub const PERMISSIONS_PER_HOLDER: usize = 20;
pub const PERMISSIONS_IN_ALL: usize = 50;
pub const SESSIONS_PER_USER: usize = 10;
/// The most authenticator apps an account holds.
pub const TOTP_FACTORS_PER_USER: usize = 5;
/// The identities at providers an account is expected to hold.
pub const IDENTITIES_PER_USER: usize = 5;
/// Passkeys an account may hold (`services::passkeys::store::MAX_PASSKEYS`).
pub const PASSKEYS_PER_USER: usize = crate::services::passkeys::store::MAX_PASSKEYS as usize;

/// Why `Checks::check` refused a request (`graphql::errors` gives each its code).
#[derive(Debug)]
pub enum Refusal {
    /// The document does not parse: the parser's error, told briefly (`parse_failure`).
    Unparsable(ServerError),
    /// A limit is broken, or the request is one async-graphql would refuse only while
    /// executing (an unknown operation name, a required variable not given).
    Invalid(String),
}

/// The checks, from the schema's settings, and the documents parsed so far.
#[derive(Debug, Clone)]
pub struct Checks {
    /// Whether introspection is served (and so exempt from the depth limit).
    introspection: bool,
    documents: Arc<Documents>,
}

impl Checks {
    pub fn new(introspection: bool) -> Self {
        Self {
            introspection,
            documents: Arc::default(),
        }
    }

    /// Parses and measures `request`'s document, handing the parsed document on; or why it
    /// is refused.
    pub fn check(&self, mut request: Request) -> Result<Request, Refusal> {
        // `"operationName": ""` is what some clients send for "the only operation".
        if request.operation_name.as_deref() == Some("") {
            request.operation_name = None;
        }
        let (document, kept) = match self.documents.get(&request.query) {
            Some(document) => (document, true),
            None => (
                async_graphql::parser::parse_query(&request.query)
                    .map_err(|error| Refusal::Unparsable(parse_failure(&error, &request.query)))?,
                false,
            ),
        };
        self.measure(
            &document,
            request.operation_name.as_deref(),
            &request.variables,
        )
        .map_err(Refusal::Invalid)?;
        if !kept {
            self.documents.keep(&request.query, &document);
        }
        request.set_parsed_query(document);
        Ok(request)
    }
}

impl Checks {
    /// The limits counted on the document itself, and what async-graphql would report only
    /// while executing or not at all (an unknown operation name, a required variable not
    /// given).
    fn measure(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Result<(), String> {
        let aliases = count_aliases(document);
        if aliases > MAX_ALIASES {
            return Err(format!(
                "the document has {aliases} aliases; at most {MAX_ALIASES} are allowed"
            ));
        }
        let mut walk = Walk::new(&document.fragments, self.introspection);
        for (_, operation) in document.operations.iter() {
            let Measure { depth, size } = walk.measure(&operation.node.selection_set.node, 0)?;
            if size > MAX_EXPANDED_FIELDS {
                return Err(format!(
                    "the query selects {size} fields once its fragments are spread; at most \
                     {MAX_EXPANDED_FIELDS} are allowed"
                ));
            }
            if walk.introspects && !self.introspection {
                // async-graphql would answer `null` without a word; say why instead.
                return Err("introspection is disabled on this server".to_owned());
            }
            if depth > MAX_DEPTH {
                return Err(format!(
                    "the query is {depth} levels deep; at most {MAX_DEPTH} are allowed"
                ));
            }
        }
        let operation = match (&document.operations, operation_name) {
            (DocumentOperations::Single(operation), None) => operation,
            (DocumentOperations::Single(_), Some(name)) => {
                return Err(format!("the document has no operation named \"{name}\""));
            }
            (DocumentOperations::Multiple(operations), Some(name)) => operations
                .get(name)
                .ok_or_else(|| format!("the document has no operation named \"{name}\""))?,
            (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
                operations.values().next().expect("BUG: one operation")
            }
            (DocumentOperations::Multiple(_), None) => {
                return Err(
                    "the document has several operations: say which to run in `operationName`"
                        .to_owned(),
                );
            }
        };
        for definition in &operation.node.variable_definitions {
            let definition = &definition.node;
            let given = variables
                .get(&definition.name.node)
                .is_some_and(|value| *value != Value::Null);
            if !definition.var_type.node.nullable && definition.default_value.is_none() && !given {
                return Err(format!(
                    "variable \"${}\" of required type \"{}\" was not provided",
                    definition.name.node, definition.var_type.node
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a document that passed the limits is kept: one refused stays unknown, so a client
    /// cannot fill the cache with documents nobody may run.
    #[test]
    fn a_refused_document_is_not_kept_and_a_passed_one_is() {
        let checks = Checks::new(false);
        let deep = format!("{{ me {} id {} }}", "{ groups ".repeat(10), "} ".repeat(10));
        assert!(matches!(
            checks.check(Request::new(deep.clone())),
            Err(Refusal::Invalid(_))
        ));
        assert!(checks.documents.get(&deep).is_none());
        let fine = "{ me { id } }";
        assert!(checks.check(Request::new(fine)).is_ok());
        assert!(checks.documents.get(fine).is_some());
        // A required variable missing is refused each time, even for a kept document.
        let named = "query($id: ID!) { user(id: $id) { id } }";
        assert!(
            checks
                .check(
                    Request::new(named)
                        .variables(Variables::from_json(serde_json::json!({ "id": "x" })))
                )
                .is_ok()
        );
        assert!(matches!(
            checks.check(Request::new(named)),
            Err(Refusal::Invalid(_))
        ));
    }
}
