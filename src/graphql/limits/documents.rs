//! Parsed documents, remembered by their text. Clients send the same few documents again and
//! again (a frontend's queries are constants, and code generators make them so), and parsing
//! one is the dearest step before execution: a sixth of a `me` request's instructions. A
//! remembered document is copied out for each request, since the engine consumes it.
//!
//! Only queries are kept (a mutation's text may hold a password or a token written into it),
//! only once they passed the limits (`Checks::check`), and only short ones, within a budget of
//! text that bounds the memory (a parsed document takes a few times its text, about a hundred
//! times for the most contrived). The least recently used goes first: a client sending ever
//! new documents makes others parse again, as everyone did before, and nothing worse.

use std::sync::{Arc, Mutex};

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use lru::LruCache;

/// Longest document kept, in bytes of text.
const MAX_LENGTH: usize = 4 * 1024;
/// Most text kept in all, in bytes.
const BUDGET: usize = 64 * 1024;

pub struct Documents {
    kept: Mutex<Kept>,
}

struct Kept {
    parsed: LruCache<String, Arc<ExecutableDocument>>,
    /// Bytes of text in `parsed`.
    text: usize,
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            kept: Mutex::new(Kept {
                parsed: LruCache::unbounded(),
                text: 0,
            }),
        }
    }
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Documents").finish_non_exhaustive()
    }
}

impl Documents {
    /// A copy of `query` parsed, if it was kept.
    pub fn get(&self, query: &str) -> Option<ExecutableDocument> {
        let document = self.lock().parsed.get(query).cloned()?;
        Some(ExecutableDocument::clone(&document))
    }

    /// Keeps `document`, the parse of `query`, if it is a short query.
    pub fn keep(&self, query: &str, document: &ExecutableDocument) {
        let only_queries = document
            .operations
            .iter()
            .all(|(_, operation)| operation.node.ty == OperationType::Query);
        if query.len() > MAX_LENGTH || !only_queries {
            return;
        }
        let document = Arc::new(document.clone());
        let mut kept = self.lock();
        if kept.parsed.put(query.to_owned(), document).is_none() {
            kept.text += query.len();
        }
        while kept.text > BUDGET {
            match kept.parsed.pop_lru() {
                Some((text, _)) => kept.text -= text.len(),
                None => break,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).unwrap()
    }

    #[test]
    fn a_kept_query_comes_back_as_it_was_parsed() {
        let documents = Documents::default();
        let query = "query Me($x: Int) { me { id username } }";
        assert!(documents.get(query).is_none());
        documents.keep(query, &parse(query));
        // Positions and all: errors point where they did.
        assert_eq!(
            format!("{:?}", documents.get(query).unwrap()),
            format!("{:?}", parse(query))
        );
    }

    #[test]
    fn mutations_and_long_documents_are_not_kept() {
        let documents = Documents::default();
        let login =
            r#"mutation { login(input: {login: "a", password: "secret"}) { accessToken } }"#;
        documents.keep(login, &parse(login));
        assert!(documents.get(login).is_none());
        let long = format!(
            "{{ me {{ id {} }} }}",
            "username ".repeat(MAX_LENGTH / 9 + 1)
        );
        documents.keep(&long, &parse(&long));
        assert!(documents.get(&long).is_none());
    }

    #[test]
    fn the_least_recently_used_goes_when_the_budget_is_spent() {
        let documents = Documents::default();
        let query = |n: usize| format!("{{ me {{ id }} m{n}: me {{ id {} }} }}", " ".repeat(1000));
        documents.keep(&query(0), &parse(&query(0)));
        for n in 1..BUDGET / 1000 + 10 {
            documents.keep(&query(n), &parse(&query(n)));
            // The first stays in use.
            assert!(documents.get(&query(0)).is_some());
        }
        assert!(documents.get(&query(1)).is_none());
        assert!(documents.lock().text <= BUDGET);
    }
}
