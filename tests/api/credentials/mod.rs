//! Credentials stay with their owner: the takeover paths of an outside review (an email moved
//! by someone who may not, a stolen access token, a locked-out owner), each reproduced the way
//! a client would and now refused; a login refused only for a reason; a request that sees its
//! own changes; and the housekeeping that keeps old secrets from piling up.

mod housekeeping;
mod lockout;
mod own_changes;
mod takeover;

use serde_json::{Value, json};

use crate::support::smtp::MailServer;
use crate::support::{Backend, TestApp};

/// Like `recovery::with_mail`, with the server trusting loopback's `X-Forwarded-For`, so a
/// test can speak as several client addresses (`TestApp::gql_from`).
macro_rules! with_mail_and_addresses {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (app, mail) = crate::credentials::spawn(crate::support::Backend::Sqlite).await.expect("sqlite is always available");
                super::$name(app, mail).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some((app, mail)) = crate::credentials::spawn(crate::support::Backend::Postgres).await {
                    super::$name(app, mail).await;
                }
            }
        }
    )*};
}
pub(crate) use with_mail_and_addresses;

async fn spawn(backend: Backend) -> Option<(TestApp, MailServer)> {
    crate::recovery::spawn(backend, crate::support::trusting_loopback).await
}

pub const LOGIN: &str = "mutation($login: String!, $password: String!) { login(input: { login: $login, password: $password }) { accessToken } }";

/// A login from client address `client`.
async fn login_from(app: &TestApp, client: &str, login: &str, password: &str) -> Value {
    app.gql_from(
        client,
        LOGIN,
        json!({ "login": login, "password": password }),
    )
    .await
}

/// The subjects of the mails `mail` received for `recipient`, once every queued mail went out.
async fn subjects_to(app: &TestApp, mail: &MailServer, recipient: &str) -> Vec<String> {
    crate::recovery::reset::wait_settled(app).await;
    mail.to(recipient).iter().map(|m| m.subject()).collect()
}
