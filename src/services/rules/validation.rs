//! Input limits shared by every operation (API.md, "Input limits"): lengths in characters,
//! no control characters (line breaks and tabs allowed only in multi-line text), emails
//! trimmed and lower-cased, usernames of letters, digits and `. - _`. Each check records a
//! message on its field and returns the value to store.

use email_address::EmailAddress;
use uuid::Uuid;

use crate::error::{AppError, FieldErrors};

pub const MAX_EMAIL: usize = 254;
pub const MIN_USERNAME: usize = 3;
pub const MAX_NAME: usize = 150;
pub const MAX_PHONE: usize = 32;
pub const MAX_LONG_TEXT: usize = 1000;
pub const MAX_SEARCH: usize = 254;

/// Whether line breaks and tabs are allowed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

/// Checks free text: length and control characters. Stored exactly as given.
pub fn text(errors: &mut FieldErrors, field: &str, value: &str, max: usize, lines: Lines) {
    if value.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
    }
    let allowed = |c: char| lines == Lines::Multi && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        errors.add(field, "must not contain control characters");
    }
}

/// An optional text field: empty means absent.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    max: usize,
    lines: Lines,
) -> Option<String> {
    let value = value.filter(|v| !v.is_empty())?;
    text(errors, field, &value, max, lines);
    Some(value)
}

/// A valid email address, trimmed and lower-cased.
pub fn email(errors: &mut FieldErrors, field: &str, value: &str) -> String {
    let normalized = value.trim().to_lowercase();
    if normalized.is_empty() {
        errors.add(field, "must not be empty");
    } else if normalized.chars().count() > MAX_EMAIL {
        errors.add(field, format!("must be at most {MAX_EMAIL} characters"));
    } else if normalized.chars().any(char::is_control) || !EmailAddress::is_valid(&normalized) {
        errors.add(field, "not a valid email address");
    } else if !normalized
        .rsplit_once('@')
        .is_some_and(|(_, domain)| domain.contains('.'))
    {
        // email_address accepts `user@localhost`; an account address needs a real domain.
        errors.add(field, "not a valid email address");
    }
    normalized
}

/// A username: 3 to 150 letters, digits, `.`, `-` or `_` (never `@`, so a login can tell it
/// from an email). Returns the value to store and its lower-cased uniqueness key.
pub fn username(errors: &mut FieldErrors, field: &str, value: &str) -> (String, String) {
    let length = value.chars().count();
    if !(MIN_USERNAME..=MAX_NAME).contains(&length) {
        errors.add(
            field,
            format!("must be {MIN_USERNAME} to {MAX_NAME} characters"),
        );
    }
    if !value
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        errors.add(field, "may contain only letters, digits, '.', '-' and '_'");
    }
    (value.to_owned(), key(errors, field, value, MAX_NAME))
}

/// Characters of a second factor's `label`.
pub const MAX_LABEL: usize = 100;

/// The `label` of a second factor (an authenticator app, a passkey), trimmed: 1 to
/// `MAX_LABEL` characters without control characters; `default` when omitted.
pub fn label(errors: &mut FieldErrors, value: Option<&str>, default: &str) -> String {
    match value.map(str::trim) {
        None => default.to_owned(),
        Some("") => {
            errors.add("label", "must not be empty");
            String::new()
        }
        Some(label) if label.chars().count() > MAX_LABEL => {
            errors.add("label", format!("must be at most {MAX_LABEL} characters"));
            String::new()
        }
        Some(label) if label.chars().any(char::is_control) => {
            errors.add("label", "must not contain control characters");
            String::new()
        }
        Some(label) => label.to_owned(),
    }
}

/// Whether `value` could name an account at `login`: a valid email address when it holds an
/// `@`, else a valid username (what `email` and `username` accept).
pub fn is_login_name(value: &str) -> bool {
    let mut errors = FieldErrors::default();
    if value.contains('@') {
        email(&mut errors, "login", value);
    } else {
        username(&mut errors, "login", value);
    }
    errors.is_empty()
}

/// The lower-cased key that makes `value` unique regardless of case. Lower-casing can lengthen
/// text (`İ` becomes two characters), so the key is held to `max` as well.
pub fn key(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let key = value.to_lowercase();
    if key.chars().count() > max && value.chars().count() <= max {
        errors.add(
            field,
            format!("must be at most {max} characters once lower-cased"),
        );
    }
    key
}

/// Search text: `None` when blank; otherwise a case-insensitive `LIKE` pattern that matches
/// the text literally anywhere (`%`, `_` and `\` escaped; use with `ESCAPE '\'`).
pub fn search(field: &str, value: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(text) = value.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let mut errors = FieldErrors::default();
    self::text(&mut errors, field, text, MAX_SEARCH, Lines::Single);
    errors.into_result()?;
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Ok(Some(pattern))
}

/// Parses an id argument; a malformed one is `BAD_USER_INPUT` on `field`.
pub fn id(field: &str, value: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(value.trim()).map_err(|_| FieldErrors::single(field, "not a valid id"))
}

/// Parses a list of ids, recording every malformed one on `field`.
pub fn ids(errors: &mut FieldErrors, field: &str, values: &[String]) -> Vec<Uuid> {
    let mut parsed = Vec::with_capacity(values.len());
    for value in values {
        match Uuid::parse_str(value.trim()) {
            Ok(id) if !parsed.contains(&id) => parsed.push(id),
            Ok(_) => {}
            Err(_) => errors.add(field, format!("not a valid id: {}", truncate(value, 40))),
        }
    }
    parsed
}

fn truncate(value: &str, max: usize) -> String {
    let mut short: String = value
        .chars()
        .take(max)
        .filter(|c| !c.is_control())
        .collect();
    if value.chars().count() > max {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(check: impl FnOnce(&mut FieldErrors)) -> Vec<String> {
        let mut errors = FieldErrors::default();
        check(&mut errors);
        errors.fields().values().flatten().cloned().collect()
    }

    #[test]
    fn emails_are_trimmed_lowercased_and_validated() {
        let mut errors = FieldErrors::default();
        assert_eq!(
            email(&mut errors, "email", "  Ada@Example.COM "),
            "ada@example.com"
        );
        assert!(errors.is_empty());
        for bad in [
            "",
            "not-an-email",
            "a@localhost",
            "a b@example.com",
            &format!("{}@example.com", "a".repeat(250)),
        ] {
            assert!(
                !errors_of(|e| {
                    email(e, "email", bad);
                })
                .is_empty(),
                "{bad}"
            );
        }
    }

    #[test]
    fn usernames_allow_letters_digits_and_dot_dash_underscore() {
        assert!(
            errors_of(|e| {
                username(e, "username", "ada.lovelace_1-x");
            })
            .is_empty()
        );
        for bad in ["ab", "has space", "at@sign", &"a".repeat(151), "nul\0x"] {
            assert!(
                !errors_of(|e| {
                    username(e, "username", bad);
                })
                .is_empty(),
                "{bad}"
            );
        }
    }

    #[test]
    fn login_names_are_valid_emails_or_usernames() {
        for name in [
            "ada@example.com",
            "Ada@Example.COM",
            "some_user",
            "ada.lovelace-1",
        ] {
            assert!(is_login_name(name), "{name}");
        }
        for not_a_name in [
            "",
            "hunter2 my password!",
            "p@ss word",
            "a@localhost",
            "ab",
            "Tr0ub4dor&3",
            &"a".repeat(151),
        ] {
            assert!(!is_login_name(not_a_name), "{not_a_name}");
        }
    }

    #[test]
    fn control_characters_are_refused_except_line_breaks_in_multiline_text() {
        assert!(!errors_of(|e| text(e, "firstName", "a\nb", MAX_NAME, Lines::Single)).is_empty());
        assert!(
            errors_of(|e| text(e, "address", "a\r\n\tb", MAX_LONG_TEXT, Lines::Multi)).is_empty()
        );
        assert!(!errors_of(|e| text(e, "address", "a\0b", MAX_LONG_TEXT, Lines::Multi)).is_empty());
        assert!(
            !errors_of(|e| text(e, "firstName", &"x".repeat(10_000), MAX_NAME, Lines::Single))
                .is_empty()
        );
    }
}
