//! A document that does not parse, told briefly: where the error is, what the parser expected
//! there, and at most `MAX_QUOTED` characters of the text around it (the parser's own message
//! quotes the whole line, which can be the whole body).

use async_graphql::ServerError;

/// Most characters of the document a parse error quotes: the parser's own message quotes the
/// whole line, which can be the whole 256 KiB body.
const MAX_QUOTED: usize = 200;

/// A parse error, told without quoting more than `MAX_QUOTED` characters of `document`: where
/// it is, what the parser expected there, and the text around that point.
pub(super) fn parse_failure(error: &async_graphql::parser::Error, document: &str) -> ServerError {
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
#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(query: &str) -> ServerError {
        let error = async_graphql::parser::parse_query(query).expect_err("the document parses");
        parse_failure(&error, query)
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
