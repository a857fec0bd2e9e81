//! The README and `docs/` name only files that exist: every repository path they mention, in
//! code, in prose or as a link target, is checked against the checkout. Anchors and paths
//! outside the repository (`../shared/API.md`) are not this repository's to promise.

use std::path::{Component, Path, PathBuf};

/// Where a repository path starts: the top-level folders...
const FOLDERS: &[&str] = &[
    "src/",
    "tests/",
    "migration/",
    "console/",
    "bench/",
    "docs/",
    "examples/",
    ".ci/",
    ".cargo/",
];

/// ...and the files at the top.
const TOP_LEVEL_FILES: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "README.md",
    "schema.graphql",
    ".env.example",
    ".gitignore",
];

#[test]
fn every_path_the_readme_and_docs_name_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for document in documents(root) {
        let text = std::fs::read_to_string(root.join(&document))
            .unwrap_or_else(|error| panic!("cannot read {document}: {error}"));
        for path in missing_paths(root, &document, &text) {
            missing.push(format!("{document}: {path}"));
        }
    }
    assert!(
        missing.is_empty(),
        "paths named in the README or docs/ that do not exist:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn paths_are_found_in_code_prose_and_links() {
    let text = "Start at `src/main.rs`, then src/http/ and [limits](limits.md#login-throttling), \
                or [the map](../README.md); run `python3 bench/run.py --only me,admin`. \
                The console's `console/src/features/<feature>/` pages.\n\
                Not paths: http://127.0.0.1:8000/graphql, `GET /schema.graphql`, \
                [API.md](../../shared/API.md), [below](#mail-settings), `roster::mail`.";
    assert_eq!(
        named_paths("docs/guide.md", text),
        [
            "README.md",
            "bench/run.py",
            "console/src/features/",
            "docs/limits.md",
            "src/http/",
            "src/main.rs",
        ]
    );
}

#[test]
fn a_path_that_does_not_exist_is_reported() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = "See `Cargo.toml`, `src/no_such_room/` and [nothing](docs/no_such_page.md).";
    assert_eq!(
        missing_paths(root, "README.md", text),
        ["docs/no_such_page.md", "src/no_such_room/"]
    );
}

/// `README.md` and every `docs/*.md`, relative to the root.
fn documents(root: &Path) -> Vec<String> {
    let mut documents = vec!["README.md".to_owned()];
    let entries = std::fs::read_dir(root.join("docs")).expect("docs/ exists");
    for entry in entries {
        let name = entry.expect("docs/ is readable").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".md") {
            documents.push(format!("docs/{name}"));
        }
    }
    documents.sort();
    documents
}

/// The paths `text` (the document at `document`) names that do not exist under `root`.
fn missing_paths(root: &Path, document: &str, text: &str) -> Vec<String> {
    named_paths(document, text)
        .into_iter()
        .filter(|path| !root.join(path).exists())
        .collect()
}

/// Every repository path `text` names, relative to the root, sorted and without repeats:
/// words that start like one (wherever they stand), and relative link targets (resolved from
/// `document`'s folder).
fn named_paths(document: &str, text: &str) -> Vec<String> {
    let words = text
        .split(|c: char| c.is_whitespace() || "`()[]<>\"',;|".contains(c))
        .map(|word| word.trim_end_matches(['.', ':', '!', '?']))
        .filter(|word| is_repository_path(word))
        .map(str::to_owned);
    let links = link_targets(text).filter_map(|target| resolve_link(document, target));
    let mut paths: Vec<String> = words.chain(links).collect();
    paths.sort();
    paths.dedup();
    paths
}

fn is_repository_path(word: &str) -> bool {
    FOLDERS.iter().any(|folder| word.starts_with(folder)) || TOP_LEVEL_FILES.contains(&word)
}

/// The targets of Markdown links and images: what stands between `](` and `)`.
fn link_targets(text: &str) -> impl Iterator<Item = &str> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(target, _)| target.trim()))
}

/// A link target as a path from the root; `None` for a web address, an anchor on the same
/// page, or a path that leaves the repository.
fn resolve_link(document: &str, target: &str) -> Option<String> {
    let path = target.split(['#', '?']).next().unwrap_or_default();
    if path.is_empty() || path.contains("://") || path.starts_with("mailto:") {
        return None;
    }
    let folder = Path::new(document).parent().unwrap_or(Path::new(""));
    let mut resolved = PathBuf::new();
    for component in folder.join(path).components() {
        match component {
            Component::Normal(part) => resolved.push(part),
            Component::ParentDir => {
                // Above the root: another repository's file.
                if !resolved.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    let mut resolved = resolved.to_string_lossy().into_owned();
    if path.ends_with('/') {
        resolved.push('/');
    }
    Some(resolved)
}
