//! Secrets in settings: a value that never prints (`Secret`), given directly or in a file
//! (`NAME` or `NAME_FILE`, for container secrets).

use std::fmt;
use std::path::Path;

/// A string that never prints: `Debug` shows `Secret(..)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// A secret given as a value (`NAME`) or in a file (`NAME_FILE`), never both; a file loses
/// one trailing newline. Messages name the settings, never the value.
pub(super) fn secret_or_file(
    value: Option<&Secret>,
    file: Option<&Path>,
    name: &str,
) -> Result<Option<Secret>, String> {
    match (value, file) {
        (Some(_), Some(_)) => Err(format!("set {name} or {name}_FILE, not both")),
        (Some(value), None) => Ok(Some(value.clone())),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read {name}_FILE {}: {error}", path.display()))?;
            let text = text
                .strip_suffix('\n')
                .map(|rest| rest.strip_suffix('\r').unwrap_or(rest))
                .unwrap_or(&text);
            Ok(Some(Secret::new(text)))
        }
        (None, None) => Ok(None),
    }
}
