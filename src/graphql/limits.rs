//! What a request must pass before anything executes, as an async-graphql extension: the
//! error codes of API.md for a document that does not parse (`GRAPHQL_PARSE_FAILED`) or does
//! not validate (`GRAPHQL_VALIDATION_FAILED`), and the cost limits (aliases, depth, the size of
//! the document once its fragments are spread, and a cost in which a list multiplies what it
//! selects). The batch limit is HTTP's (`http`), since a batch is several requests.
//!
//! The cost itself is async-graphql's complexity count, with the multipliers declared on the
//! fields (`page_cost`, `list_cost`); depth is counted here rather than by async-graphql, so
//! that introspection (GraphiQL's and code generators' deep `ofType` chains) is exempt while
//! it is enabled.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{
    Name, Positioned, Request, ServerError, ServerResult, ValidationResult, Value, Variables,
};

/// Most operations in one JSON batch.
pub const MAX_BATCH: usize = 10;
/// Most aliases in one document.
pub const MAX_ALIASES: usize = 15;
/// Deepest selection, in field levels (`me { id }` is 2).
pub const MAX_DEPTH: usize = 10;
/// The cost budget of one operation (see `page_cost` and `list_cost`).
pub const MAX_COST: usize = 50_000;
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

pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// The extension, installed on the schema.
pub struct RequestLimits {
    /// Whether introspection is served (and so exempt from the depth limit).
    pub introspection: bool,
}

impl ExtensionFactory for RequestLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Checks {
            introspection: self.introspection,
            operation_name: Mutex::new(None),
        })
    }
}

/// One request's checks.
struct Checks {
    introspection: bool,
    /// The operation the request names, seen in `prepare_request`.
    operation_name: Mutex<Option<String>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for Checks {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Ok(mut name) = self.operation_name.lock() {
            name.clone_from(&request.operation_name);
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await.map_err(|error| {
            // async-graphql's own nesting and directive limits fail here too, on a document
            // that parses: those are limits, so validation failures.
            let parses = async_graphql::parser::parse_query(query).is_ok();
            coded(
                error,
                if parses {
                    VALIDATION_FAILED
                } else {
                    PARSE_FAILED
                },
            )
        })?;
        let operation_name = self
            .operation_name
            .lock()
            .ok()
            .and_then(|name| name.clone());
        self.check(&document, operation_name.as_deref(), variables)
            .map_err(|message| coded(ServerError::new(message, None), VALIDATION_FAILED))?;
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| coded(error, VALIDATION_FAILED))
                .collect::<Vec<_>>()
        })?;
        if result.complexity > MAX_COST {
            let message = format!(
                "the query costs {}, above the budget of {MAX_COST} (a list costs its size \
                 times what it selects: ask for smaller pages or fewer nested lists)",
                result.complexity
            );
            return Err(vec![coded(
                ServerError::new(message, None),
                VALIDATION_FAILED,
            )]);
        }
        Ok(result)
    }
}

impl Checks {
    /// The limits counted on the document itself, and what async-graphql would report only
    /// while executing (an unknown operation name, a required variable not given).
    fn check(
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
        let mut walk = Walk {
            fragments: &document.fragments,
            introspection: self.introspection,
            depths: HashMap::new(),
            sizes: HashMap::new(),
            introspects: false,
        };
        for (_, operation) in document.operations.iter() {
            let selection = &operation.node.selection_set.node;
            let depth = walk.depth(selection);
            if depth > MAX_DEPTH {
                return Err(format!(
                    "the query is {depth} levels deep; at most {MAX_DEPTH} are allowed"
                ));
            }
            if walk.introspects && !self.introspection {
                // async-graphql would answer `null` without a word; say why instead.
                return Err("introspection is disabled on this server".to_owned());
            }
            if walk.size(selection) > MAX_EXPANDED_FIELDS {
                return Err(format!(
                    "the query selects more than {MAX_EXPANDED_FIELDS} fields once its \
                     fragments are spread"
                ));
            }
        }
        let operation = match (&document.operations, operation_name) {
            (DocumentOperations::Single(operation), _) => operation,
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

/// Depth and expanded size of selection sets, each fragment measured once.
struct Walk<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    introspection: bool,
    /// A fragment's depth, or `None` while it is being measured (a cycle, which validation
    /// refuses anyway, counts nothing more).
    depths: HashMap<&'a str, Option<usize>>,
    sizes: HashMap<&'a str, Option<usize>>,
    /// Whether `__schema` or `__type` was selected anywhere.
    introspects: bool,
}

impl<'a> Walk<'a> {
    fn depth(&mut self, set: &'a SelectionSet) -> usize {
        let mut deepest = 0;
        for item in &set.items {
            let depth = match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let introspecting = name == "__schema" || name == "__type";
                    self.introspects |= introspecting;
                    if self.introspection && introspecting {
                        0
                    } else {
                        1 + self.depth(&field.node.selection_set.node)
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.depth(&fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.depths.get(name) {
                        Some(known) => known.unwrap_or(0),
                        None => match self.fragments.get_key_value(name) {
                            Some((name, fragment)) => {
                                self.depths.insert(name.as_str(), None);
                                let depth = self.depth(&fragment.node.selection_set.node);
                                self.depths.insert(name.as_str(), Some(depth));
                                depth
                            }
                            None => 0,
                        },
                    }
                }
            };
            deepest = deepest.max(depth);
        }
        deepest
    }

    fn size(&mut self, set: &'a SelectionSet) -> usize {
        let mut total = 0usize;
        for item in &set.items {
            let size = match &item.node {
                Selection::Field(field) => 1 + self.size(&field.node.selection_set.node),
                Selection::InlineFragment(fragment) => self.size(&fragment.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.sizes.get(name) {
                        Some(known) => known.unwrap_or(0),
                        None => match self.fragments.get_key_value(name) {
                            Some((name, fragment)) => {
                                self.sizes.insert(name.as_str(), None);
                                let size = self.size(&fragment.node.selection_set.node);
                                self.sizes.insert(name.as_str(), Some(size));
                                size
                            }
                            None => 0,
                        },
                    }
                }
            };
            total = total.saturating_add(size);
        }
        total
    }
}

/// Aliases written in the document (operations and fragments, each counted where it is
/// written).
fn count_aliases(document: &ExecutableDocument) -> usize {
    fn in_set(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + in_set(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, operation)| in_set(&operation.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|fragment| in_set(&fragment.node.selection_set.node))
        .sum();
    operations + fragments
}

/// `error` with `extensions.code` set to `code`.
fn coded(mut error: ServerError, code: &str) -> ServerError {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    error
}

/// A request-level error (no `data`) with `code`, for the limits HTTP checks itself.
pub fn request_error(message: impl Into<String>, code: &str) -> ServerError {
    coded(ServerError::new(message, None), code)
}
