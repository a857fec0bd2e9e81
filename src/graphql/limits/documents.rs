//! Parsed documents, remembered by their text. Clients send the same few documents again and
//! again (a frontend's queries are constants, and code generators make them so), and parsing
//! one is the dearest step before execution: a sixth of a `me` request's instructions. A
//! remembered document is copied out for each request, since the engine consumes it.
//!
//! Only documents that parse are kept, and only short ones, in a bounded cache that forgets
//! the least recently used: a client sending ever new documents costs what it cost before.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// Documents remembered at once.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(256).expect("BUG: the capacity is not zero");
/// Longest document remembered, in bytes (a larger one is parsed every time).
const MAX_LENGTH: usize = 8 * 1024;

pub struct Documents {
    parsed: Mutex<LruCache<String, Arc<ExecutableDocument>>>,
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            parsed: Mutex::new(LruCache::new(CAPACITY)),
        }
    }
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Documents").finish_non_exhaustive()
    }
}

impl Documents {
    /// `query` parsed, from memory when it was parsed before; or the parser's error.
    pub fn parse(&self, query: &str) -> async_graphql::parser::Result<ExecutableDocument> {
        if query.len() > MAX_LENGTH {
            return async_graphql::parser::parse_query(query);
        }
        if let Some(document) = self.lock().get(query).cloned() {
            return Ok(ExecutableDocument::clone(&document));
        }
        let document = async_graphql::parser::parse_query(query)?;
        self.lock()
            .put(query.to_owned(), Arc::new(document.clone()));
        Ok(document)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, Arc<ExecutableDocument>>> {
        self.parsed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_parsed_once_and_copied_out_unchanged() {
        let documents = Documents::default();
        let query = "query Me($x: Int) { me { id username } }";
        let first = documents.parse(query).unwrap();
        let second = documents.parse(query).unwrap();
        assert_eq!(format!("{first:?}"), format!("{second:?}"));
        assert_eq!(documents.len(), 1);
        // Positions are those of the text: errors point where they did.
        assert_eq!(
            format!("{first:?}"),
            format!("{:?}", async_graphql::parser::parse_query(query).unwrap())
        );
    }

    #[test]
    fn what_does_not_parse_or_is_long_is_not_kept() {
        let documents = Documents::default();
        assert!(documents.parse("{ me { id ").is_err());
        let long = format!(
            "{{ me {{ id {} }} }}",
            "username ".repeat(MAX_LENGTH / 9 + 1)
        );
        assert!(documents.parse(&long).is_ok());
        assert_eq!(documents.len(), 0);
    }

    #[test]
    fn the_least_recently_used_is_forgotten_first() {
        let documents = Documents::default();
        for n in 0..CAPACITY.get() + 10 {
            documents
                .parse(&format!("{{ me {{ id }} m{n}: me {{ id }} }}"))
                .unwrap();
        }
        assert_eq!(documents.len(), CAPACITY.get());
        assert!(
            documents
                .lock()
                .get("{ me { id } m0: me { id } }")
                .is_none()
        );
    }
}
