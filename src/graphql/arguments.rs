//! Arguments as services take them: a list of `ID`s parsed into UUIDs, every malformed one
//! named on its field.

use async_graphql::ID;

use crate::error::{AppResult, FieldErrors};
use crate::services::rules::validation;

/// A list of ids argument, each well-formed, or `BAD_USER_INPUT` on `field`.
pub fn ids(field: &str, values: &[ID]) -> AppResult<Vec<uuid::Uuid>> {
    let mut errors = FieldErrors::default();
    let strings: Vec<String> = values.iter().map(|id| id.to_string()).collect();
    let parsed = validation::ids(&mut errors, field, &strings);
    errors.into_result()?;
    Ok(parsed)
}
