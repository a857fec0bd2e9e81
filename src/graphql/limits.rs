//! What a request must pass before anything executes: the error codes of API.md for a
//! document that does not parse (`GRAPHQL_PARSE_FAILED`) or does not validate
//! (`GRAPHQL_VALIDATION_FAILED`), and the cost limits (aliases, depth, the size of the document
//! once its fragments are spread, and a cost in which a list multiplies what it selects). The
//! batch limit is HTTP's (`http`), since a batch is several requests.
//!
//! `check` parses and measures the document before async-graphql sees it (its own nesting
//! checks walk fragment spreads without memory, so a small document of fragments that each
//! spread the next twice would keep them busy for minutes) and hands the parsed document on.
//! The cost is async-graphql's complexity count (`limit_complexity`), with the multipliers
//! declared on the fields (`page_cost`, `list_cost`); `code` gives its refusals and the other
//! validation failures their code. Depth is counted here, so that introspection (GraphiQL's and
//! code generators' deep `ofType` chains) is exempt while it is enabled. None of this is an
//! async-graphql extension: with any extension installed, every field of every response is
//! resolved through the extension chain, which cost a listing 15-20% of its CPU.

use std::collections::HashMap;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Request, ServerError, Value, Variables};

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

pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
const BAD_USER_INPUT: &str = "BAD_USER_INPUT";

/// The checks, from the schema's settings.
#[derive(Debug, Clone, Copy)]
pub struct Checks {
    /// Whether introspection is served (and so exempt from the depth limit).
    pub introspection: bool,
}

impl Checks {
    /// Parses and measures `request`'s document, handing the parsed document on; or the error
    /// that refuses the request.
    pub fn check(self, mut request: Request) -> Result<Request, ServerError> {
        // `"operationName": ""` is what some clients send for "the only operation".
        if request.operation_name.as_deref() == Some("") {
            request.operation_name = None;
        }
        let document = async_graphql::parser::parse_query(&request.query)
            .map_err(|error| coded(parse_failure(&error, &request.query), PARSE_FAILED))?;
        self.measure(
            &document,
            request.operation_name.as_deref(),
            &request.variables,
        )
        .map_err(|message| coded(ServerError::new(message, None), VALIDATION_FAILED))?;
        request.set_parsed_query(document);
        Ok(request)
    }
}

/// Codes what async-graphql refused itself. A response without data whose errors carry no
/// code and no path failed validation (an unknown field, a wrong argument, the cost,
/// async-graphql's own nesting limits). An uncoded error at a field is an argument that
/// passed validation but not its scalar's parser (a `DateTime` that is not one): every error
/// of Roster's own carries its code, so nothing else is left uncoded.
pub fn code(response: &mut async_graphql::Response) {
    let no_data = response.data == Value::Null;
    for error in &mut response.errors {
        let coded_already = error
            .extensions
            .as_ref()
            .is_some_and(|extensions| extensions.get("code").is_some());
        if coded_already {
            continue;
        }
        if !error.path.is_empty() {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", BAD_USER_INPUT);
            continue;
        }
        if !no_data {
            continue;
        }
        if error.message == "Query is too complex." {
            error.message = format!(
                "the query costs more than the budget of {MAX_COST} (a list costs its size \
                 times what it selects: ask for smaller pages or fewer nested lists)"
            );
        }
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", VALIDATION_FAILED);
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
        let mut walk = Walk {
            fragments: &document.fragments,
            introspection: self.introspection,
            measured: HashMap::new(),
            introspects: false,
        };
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

/// Deepest nesting of selections and fragments walked; the parser stops far below this for
/// selections, but a document may chain thousands of fragments.
const MAX_NESTING: usize = 64;
/// Deepest an introspection field may go (GraphiQL's own query goes 13 deep).
const MAX_INTROSPECTION_DEPTH: usize = 20;

/// How deep a selection set goes (introspection not counted while it is served) and how many
/// fields it selects once every fragment is spread.
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    depth: usize,
    size: usize,
}

/// Measures selection sets, each fragment once.
struct Walk<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    introspection: bool,
    /// A fragment's measure, or `None` while it is being measured (a cycle).
    measured: HashMap<&'a str, Option<Measure>>,
    /// Whether `__schema` or `__type` was selected anywhere.
    introspects: bool,
}

impl<'a> Walk<'a> {
    fn measure(&mut self, set: &'a SelectionSet, nesting: usize) -> Result<Measure, String> {
        if nesting > MAX_NESTING {
            return Err(too_nested());
        }
        let mut total = Measure::default();
        for item in &set.items {
            let measure = match &item.node {
                Selection::Field(field) => {
                    let below = self.measure(&field.node.selection_set.node, nesting + 1)?;
                    let name = field.node.name.node.as_str();
                    let introspecting = name == "__schema" || name == "__type";
                    if introspecting {
                        self.introspects = true;
                        if below.depth + 1 > MAX_INTROSPECTION_DEPTH {
                            return Err(format!(
                                "introspection goes {} levels deep; at most \
                                 {MAX_INTROSPECTION_DEPTH} are allowed",
                                below.depth + 1
                            ));
                        }
                    }
                    Measure {
                        depth: if introspecting && self.introspection {
                            0
                        } else {
                            below.depth + 1
                        },
                        size: below.size.saturating_add(1),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.measure(&fragment.node.selection_set.node, nesting + 1)?
                }
                Selection::FragmentSpread(spread) => {
                    let Some((name, fragment)) = self
                        .fragments
                        .get_key_value(spread.node.fragment_name.node.as_str())
                    else {
                        continue;
                    };
                    match self.measured.get(name.as_str()) {
                        Some(Some(known)) => *known,
                        Some(None) => return Err(cycle(name)),
                        None => {
                            self.measured.insert(name.as_str(), None);
                            let measure =
                                self.measure(&fragment.node.selection_set.node, nesting + 1)?;
                            self.measured.insert(name.as_str(), Some(measure));
                            measure
                        }
                    }
                }
            };
            total.depth = total.depth.max(measure.depth);
            total.size = total.size.saturating_add(measure.size);
        }
        Ok(total)
    }
}

fn too_nested() -> String {
    format!("the document nests selections and fragments more than {MAX_NESTING} levels deep")
}

fn cycle(fragment: &Name) -> String {
    format!("fragment \"{fragment}\" spreads itself, directly or through others")
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

/// Most characters of the document a parse error quotes: the parser's own message quotes the
/// whole line, which can be the whole 256 KiB body.
const MAX_QUOTED: usize = 200;

/// A parse error, told without quoting more than `MAX_QUOTED` characters of `document`: where
/// it is, what the parser expected there, and the text around that point.
fn parse_failure(error: &async_graphql::parser::Error, document: &str) -> ServerError {
    let message = match error {
        async_graphql::parser::Error::Syntax { message, start, .. } => {
            // The parser's message ends with `= expected ...`, naming grammar rules only.
            let expected = message
                .lines()
                .rev()
                .find_map(|line| line.trim_start().strip_prefix("= "));
            let near = document
                .lines()
                .nth(start.line.saturating_sub(1))
                .map(|line| around(line, start.column.saturating_sub(1)))
                .unwrap_or_default();
            let mut text = format!(
                "syntax error at line {}, column {}",
                start.line, start.column
            );
            if let Some(expected) = expected {
                text.push_str(": ");
                text.push_str(expected);
            }
            if !near.trim().is_empty() {
                text.push_str(&format!(", near \"{near}\""));
            }
            text
        }
        // The others quote a name at most (`operation A is defined twice`).
        other => cut(&other.to_string(), MAX_QUOTED),
    };
    let mut refusal = ServerError::new(message, None);
    refusal.locations = error.positions().collect();
    refusal
}

/// At most `MAX_QUOTED` characters of `line` around character `column`: a quarter before it,
/// the rest after, with an ellipsis where the line goes on.
fn around(line: &str, column: usize) -> String {
    let start = column.saturating_sub(MAX_QUOTED / 4);
    let mut quoted: String = line.chars().skip(start).take(MAX_QUOTED).collect();
    if start > 0 {
        quoted.insert(0, '…');
    }
    if line.chars().nth(start + MAX_QUOTED).is_some() {
        quoted.push('…');
    }
    quoted
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(query: &str) -> ServerError {
        Checks {
            introspection: true,
        }
        .check(Request::new(query))
        .expect_err("the document does not parse")
    }

    #[test]
    fn a_parse_error_says_where_and_what_was_expected() {
        let error = refusal("{ me { id ");
        assert_eq!(
            error.message,
            "syntax error at line 1, column 11: expected selection_set, selection, directive, \
             or arguments, near \"{ me { id \""
        );
        assert_eq!(error.locations.len(), 1);
        assert_eq!(
            (error.locations[0].line, error.locations[0].column),
            (1, 11)
        );
        let code = error.extensions.as_ref().and_then(|e| e.get("code"));
        assert_eq!(code, Some(&Value::from(PARSE_FAILED)));
    }

    #[test]
    fn a_parse_error_quotes_at_most_200_characters_of_a_long_line() {
        // 100 KB on one line, broken in its middle.
        let padding = "a ".repeat(25_000);
        let query = format!("{{ me {{ {padding} ] {padding} }} }}");
        let error = refusal(&query);
        let quoted = error
            .message
            .split_once("near \"")
            .map(|(_, rest)| rest.trim_end_matches('"'))
            .expect("a quote");
        assert!(
            quoted.chars().filter(|c| *c != '…').count() <= MAX_QUOTED,
            "{quoted}"
        );
        assert!(quoted.starts_with('…') && quoted.ends_with('…'), "{quoted}");
        assert!(quoted.contains(']'), "the quote shows the error: {quoted}");
        assert!(error.message.chars().count() < 400, "{}", error.message);
    }

    #[test]
    fn a_long_name_in_a_parse_error_is_cut() {
        let name = "N".repeat(10_000);
        let error = refusal(&format!(
            "query {name} {{ me {{ id }} }} query {name} {{ me {{ id }} }}"
        ));
        assert!(
            error.message.starts_with("operation NNN"),
            "{}",
            error.message
        );
        assert!(
            error.message.chars().count() <= MAX_QUOTED + 1,
            "{}",
            error.message
        );
    }
}
