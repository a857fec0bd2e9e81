//! The console names permissions by the server's codenames: its one list
//! (`console/src/app/permissions.ts`) holds exactly the codenames the server seeds, each under
//! the name the server's constant has (`users.view` is `USERS_VIEW`).

use std::collections::BTreeMap;

use migration::permissions::{SEEDED_FIRST, SEEDED_WITH_AUDIT_LOG};

/// The `KEY: "codename",` lines of the console's list.
fn console_codenames(source: &str) -> BTreeMap<String, String> {
    source
        .lines()
        .filter_map(|line| {
            let (key, value) = line.trim().trim_end_matches(',').split_once(": ")?;
            let value = value.strip_prefix('"')?.strip_suffix('"')?;
            key.chars()
                .all(|c| c.is_ascii_uppercase() || c == '_')
                .then(|| (key.to_owned(), value.to_owned()))
        })
        .collect()
}

#[test]
fn the_console_names_every_seeded_codename_and_no_other() {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/console/src/app/permissions.ts"
    ))
    .expect("the console's permission list");
    let console = console_codenames(&source);
    let seeded: BTreeMap<String, String> = SEEDED_FIRST
        .iter()
        .chain([&SEEDED_WITH_AUDIT_LOG])
        .map(|row| {
            let key = row.codename.to_uppercase().replace('.', "_");
            (key, row.codename.to_owned())
        })
        .collect();
    assert_eq!(console, seeded);
}

#[test]
fn the_list_reader_finds_entries_and_nothing_else() {
    let source = "export const PERMISSIONS = {\n  USERS_VIEW: \"users.view\",\n} as const;\n\
                  // note: \"x\"\n  lower: \"no\",\n";
    let found = console_codenames(source);
    assert_eq!(
        found,
        BTreeMap::from([("USERS_VIEW".to_owned(), "users.view".to_owned())])
    );
}
