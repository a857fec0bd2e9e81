//! Account recovery and email verification over real HTTP, with mail read from a real SMTP
//! server on loopback (`support::smtp`): reset and verification links, their tokens' rules,
//! email changes, the require-verified mode, and delivery itself (the log transport, SMTP
//! credentials, a mail server that is down, a crash, two replicas).

mod delivery;
pub mod reset;
mod verification;

use serde_json::json;

use crate::support::TestApp;
use crate::support::documents::REQUEST_RESET;

/// Asks for a reset of `email`'s password; asserts the answer is `true`.
pub async fn request_reset(app: &TestApp, email: &str) {
    let body = app
        .gql(REQUEST_RESET, json!({ "email": email }), None)
        .await;
    crate::support::assert_ok(&body);
    assert_eq!(body["data"]["requestPasswordReset"], true, "{body}");
}

/// The message every bad token gets.
pub const BAD_TOKEN: &str = "is invalid or has expired; ask for a new link";

/// Asserts `body` refuses the token with the one message.
#[track_caller]
pub fn assert_bad_token(body: &serde_json::Value) {
    crate::support::assert_code(body, "BAD_USER_INPUT");
    assert_eq!(
        crate::support::error_fields(body)["token"],
        json!([BAD_TOKEN]),
        "{body}"
    );
}
