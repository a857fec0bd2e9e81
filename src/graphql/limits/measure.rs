//! Measuring a parsed document without executing it: how deep its selections go and how many
//! fields it selects once every fragment is spread (each fragment measured once, so a chain of
//! fragments that each spread the next twice costs nothing to measure), and how many aliases
//! it writes. The limits themselves are `limits`'.

use std::collections::HashMap;

use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned};

/// Deepest nesting of selections and fragments walked; the parser stops far below this for
/// selections, but a document may chain thousands of fragments.
const MAX_NESTING: usize = 64;
/// Deepest an introspection field may go (GraphiQL's own query goes 13 deep).
const MAX_INTROSPECTION_DEPTH: usize = 20;

/// How deep a selection set goes (introspection not counted while it is served) and how many
/// fields it selects once every fragment is spread.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Measure {
    pub depth: usize,
    pub size: usize,
}

/// Measures selection sets, each fragment once.
pub(super) struct Walk<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    introspection: bool,
    /// A fragment's measure, or `None` while it is being measured (a cycle).
    measured: HashMap<&'a str, Option<Measure>>,
    /// Whether `__schema` or `__type` was selected anywhere.
    pub introspects: bool,
}

impl<'a> Walk<'a> {
    /// A walk over the selection sets of a document with these `fragments`; introspection
    /// counts no depth while it is served.
    pub fn new(
        fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
        introspection: bool,
    ) -> Self {
        Self {
            fragments,
            introspection,
            measured: HashMap::new(),
            introspects: false,
        }
    }

    pub fn measure(&mut self, set: &'a SelectionSet, nesting: usize) -> Result<Measure, String> {
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
pub(super) fn count_aliases(document: &ExecutableDocument) -> usize {
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
