//! Where errors become what clients see, in one place: an `AppError` as a GraphQL error (its
//! message, `extensions.code` and the details a client acts on: `fields`, `field`,
//! `retryAfter`, `reason`), the codes of requests that `limits` refused, the recoding of what
//! async-graphql refused itself, and the JSON bodies of requests refused before any GraphQL ran
//! (which `http` sends with its own status codes).
//!
//! `AppError` itself (`crate::error`) knows nothing of async-graphql: it says what went wrong
//! and which code that is; this module says how a response shows it.

use std::collections::BTreeMap;

use async_graphql::{ErrorExtensions, Name, Response, ServerError, Value};

use crate::error::{AppError, Reason};
use crate::graphql::limits::{self, Refusal};

/// A document that does not parse.
pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
/// A document that parses but does not validate, or breaks a limit.
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
/// Input a client must fix (`AppError::InvalidInput`'s code, and a request that is not one).
pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
/// Anything else (`AppError::Internal`'s code).
pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";

/// async-graphql's message when a document costs more than `limit_complexity` allows; pinned
/// by a test, as nothing else marks that refusal.
const ENGINE_TOO_COMPLEX: &str = "Query is too complex.";

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        if let AppError::Internal(cause) = &error {
            tracing::error!(error = %cause, "internal error while answering a request");
        }
        async_graphql::Error::new(error.message()).extend_with(|_, extensions| {
            extensions.set("code", error.code());
            match &error {
                AppError::InvalidInput(fields) => {
                    extensions.set("fields", fields_value(fields.fields()))
                }
                AppError::Conflict {
                    field: Some(field),
                    message,
                } => {
                    extensions.set("field", *field);
                    let mut fields = BTreeMap::new();
                    fields.insert((*field).to_owned(), vec![message.clone()]);
                    extensions.set("fields", fields_value(&fields));
                }
                AppError::TooManyRequests { retry_after_secs } => {
                    extensions.set("retryAfter", *retry_after_secs)
                }
                AppError::EmailNotVerified => extensions.set("reason", "EMAIL_NOT_VERIFIED"),
                AppError::Refused(reason) => {
                    extensions.set("reason", reason.reason());
                    match reason {
                        Reason::SecondFactorRequired(challenge) => {
                            extensions.set("challengeToken", challenge.token.as_str());
                            extensions.set(
                                "expiresAt",
                                async_graphql::ScalarType::to_value(&challenge.expires_at),
                            );
                            extensions.set("methods", methods_value(&challenge.methods));
                        }
                        Reason::ReauthenticationRequired { methods } => {
                            extensions.set("methods", methods_value(methods))
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        })
    }
}

fn methods_value(methods: &[&'static str]) -> Value {
    Value::List(methods.iter().map(|m| Value::from(*m)).collect())
}

fn fields_value(fields: &BTreeMap<String, Vec<String>>) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(field, messages)| {
                (
                    Name::new(field),
                    Value::List(messages.iter().map(|m| Value::String(m.clone())).collect()),
                )
            })
            .collect(),
    )
}

/// A request `limits` refused, as a request-level error (no `data`) with its code.
impl From<Refusal> for ServerError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Unparsable(error) => coded(error, PARSE_FAILED),
            Refusal::Invalid(message) => coded(ServerError::new(message, None), VALIDATION_FAILED),
        }
    }
}

/// Codes what async-graphql refused itself. A response without data whose errors carry no
/// code and no path failed validation (an unknown field, a wrong argument, the cost,
/// async-graphql's own nesting limits). An uncoded error at a field is an argument that
/// passed validation but not its scalar's parser (a `DateTime` that is not one): every error
/// of Roster's own carries its code, so nothing else is left uncoded.
pub fn code_engine_errors(response: &mut Response) {
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
        if error.message == ENGINE_TOO_COMPLEX {
            error.message = format!(
                "the query costs more than the budget of {} (a list costs its size \
                 times what it selects: ask for smaller pages or fewer nested lists)",
                limits::MAX_COST
            );
        }
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", VALIDATION_FAILED);
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

/// Whether `response` is a request refused before execution: no data, and an error coded as a
/// document that did not parse or validate.
pub fn refused_before_execution(response: &Response) -> bool {
    response.data == Value::Null
        && response.errors.iter().any(|error| {
            error
                .extensions
                .as_ref()
                .and_then(|extensions| extensions.get("code"))
                .is_some_and(|code| {
                    *code == Value::from(PARSE_FAILED) || *code == Value::from(VALIDATION_FAILED)
                })
        })
}

/// Puts `request_id` on each `INTERNAL_SERVER_ERROR`, so that a client's report of one can be
/// matched to the server's log lines of that request.
pub fn tag_internal_errors(response: &mut Response, request_id: &str) {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        let internal = matches!(
            extensions.get("code"),
            Some(Value::String(code)) if code == INTERNAL_SERVER_ERROR
        );
        if internal {
            extensions.set("requestId", request_id);
        }
    }
}

/// The JSON body of a request refused before any GraphQL ran: one error with `message` and
/// `extensions.code` `code`, like any other error.
pub fn request_error_body(message: &str, code: &str) -> serde_json::Value {
    serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    })
}

/// The JSON body of a failure that says nothing of its cause (a panic, a response that did
/// not serialize).
pub fn internal_error_body() -> serde_json::Value {
    request_error_body("internal error", INTERNAL_SERVER_ERROR)
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Schema, SimpleObject};

    use super::*;
    use crate::error::FieldErrors;

    fn extension(error: &async_graphql::Error, name: &str) -> Option<Value> {
        error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get(name))
            .cloned()
    }

    fn code_of(error: &ServerError) -> Option<&Value> {
        error.extensions.as_ref().and_then(|e| e.get("code"))
    }

    #[test]
    fn internal_errors_never_show_their_cause() {
        let error = AppError::internal("relation \"users\" does not exist: SELECT * FROM users");
        let gql: async_graphql::Error = error.into();
        assert_eq!(gql.message, "internal error");
        assert_eq!(
            extension(&gql, "code"),
            Some(Value::from(INTERNAL_SERVER_ERROR))
        );
    }

    #[test]
    fn invalid_input_carries_its_fields_and_a_conflict_its_field() {
        let gql: async_graphql::Error = FieldErrors::single("password", "too short").into();
        assert_eq!(extension(&gql, "code"), Some(Value::from(BAD_USER_INPUT)));
        assert_eq!(
            extension(&gql, "fields").map(|v| v.into_json().expect("JSON")),
            Some(serde_json::json!({ "password": ["too short"] }))
        );
        let gql: async_graphql::Error = AppError::conflict("email", "taken").into();
        assert_eq!(extension(&gql, "code"), Some(Value::from("CONFLICT")));
        assert_eq!(extension(&gql, "field"), Some(Value::from("email")));
        assert_eq!(
            extension(&gql, "fields").map(|v| v.into_json().expect("JSON")),
            Some(serde_json::json!({ "email": ["taken"] }))
        );
    }

    #[test]
    fn an_unverified_account_is_told_why() {
        let gql: async_graphql::Error = AppError::EmailNotVerified.into();
        assert_eq!(extension(&gql, "code"), Some(Value::from("FORBIDDEN")));
        assert_eq!(
            extension(&gql, "reason"),
            Some(Value::from("EMAIL_NOT_VERIFIED"))
        );
    }

    #[test]
    fn a_refusal_is_coded_by_why() {
        let checks = limits::Checks::new(true);
        let unparsable = checks
            .check(async_graphql::Request::new("{ me { id "))
            .expect_err("the document does not parse");
        let error = ServerError::from(unparsable);
        assert_eq!(code_of(&error), Some(&Value::from(PARSE_FAILED)));
        let unknown = checks
            .check(async_graphql::Request::new("{ me { id } }").operation_name("Other"))
            .expect_err("no such operation");
        let error = ServerError::from(unknown);
        assert_eq!(code_of(&error), Some(&Value::from(VALIDATION_FAILED)));
        assert!(refused_before_execution(&Response::from_errors(vec![
            error
        ])));
    }

    /// The engine's own words for a document over the cost budget, which
    /// `code_engine_errors` recognises: an upgrade that changes them fails here first.
    #[tokio::test]
    async fn the_engine_refuses_a_costly_document_in_the_words_recoded() {
        #[derive(SimpleObject)]
        struct Query {
            a: i32,
            b: i32,
        }
        let schema = Schema::build(Query { a: 1, b: 2 }, EmptyMutation, EmptySubscription)
            .limit_complexity(1)
            .finish();
        let mut response = schema.execute("{ a b }").await;
        assert_eq!(response.errors.len(), 1);
        assert_eq!(response.errors[0].message, ENGINE_TOO_COMPLEX);
        code_engine_errors(&mut response);
        assert!(
            response.errors[0]
                .message
                .starts_with("the query costs more than the budget of"),
            "{}",
            response.errors[0].message
        );
        assert_eq!(
            code_of(&response.errors[0]),
            Some(&Value::from(VALIDATION_FAILED))
        );
        assert!(refused_before_execution(&response));
    }

    #[test]
    fn the_codes_of_request_errors_are_those_of_app_errors() {
        assert_eq!(
            FieldErrors::single("query", "missing").code(),
            BAD_USER_INPUT
        );
        assert_eq!(AppError::internal("cause").code(), INTERNAL_SERVER_ERROR);
        assert_eq!(
            internal_error_body(),
            serde_json::json!({
                "errors": [{ "message": "internal error", "extensions": { "code": "INTERNAL_SERVER_ERROR" } }]
            })
        );
    }
}
