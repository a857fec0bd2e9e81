//! Account recovery and email verification over real HTTP, with mail read from a real SMTP
//! server on loopback (`support::smtp`): reset and verification links, their tokens' rules,
//! email changes, the require-verified mode, and delivery itself (the log transport, SMTP
//! credentials, a mail server that is down, a crash, two replicas).

mod delivery;
pub mod reset;
mod verification;

use roster::config::{Secret, Settings};
use serde_json::json;

use crate::support::smtp::MailServer;
use crate::support::{Backend, TestApp};

/// Runs `async fn $name(app: TestApp, mail: MailServer)` once per backend, the server sending
/// through `mail`.
macro_rules! with_mail {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (app, mail) = crate::recovery::spawn(crate::support::Backend::Sqlite, |_| {}).await.expect("sqlite is always available");
                super::$name(app, mail).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some((app, mail)) = crate::recovery::spawn(crate::support::Backend::Postgres, |_| {}).await {
                    super::$name(app, mail).await;
                }
            }
        }
    )*};
}
pub(crate) use with_mail;

/// The public URL the test servers put in links.
pub const PUBLIC_URL: &str = "https://accounts.example.test";

/// A mail server, and a Roster server sending through it (settings adjusted by `configure`).
pub async fn spawn(
    backend: Backend,
    configure: impl FnOnce(&mut Settings),
) -> Option<(TestApp, MailServer)> {
    let mail = MailServer::start().await;
    let url = mail.url();
    let app = TestApp::spawn_with(backend, |settings| {
        settings.smtp_url = Some(Secret::new(url));
        settings.public_url = Some(PUBLIC_URL.to_owned());
        configure(settings);
    })
    .await?;
    Some((app, mail))
}

pub const REQUEST_RESET: &str = "mutation($email: String!) { requestPasswordReset(email: $email) }";
pub const RESET: &str = "mutation($token: String!, $password: String!) {
    resetPassword(token: $token, newPassword: $password) {
        accessToken refreshToken user { id email emailVerified }
    }
}";
pub const VERIFY: &str = "mutation($token: String!) { verifyEmail(token: $token) }";
pub const SEND_VERIFICATION: &str = "mutation { sendVerificationEmail }";
pub const ME: &str = "{ me { id email emailVerified } }";

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
