//! Delivery: the log transport of a development setup, SMTP credentials that never reach the
//! log, a mail server that is down (requests succeed at once; the mail goes out when it is
//! back), the outbox surviving a SIGKILL, and two replicas on one database sending each mail
//! once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use roster::db::entities::mail_outbox;
use sea_orm::EntityTrait;
use serde_json::json;

use crate::support::documents::REQUEST_RESET;
use crate::support::outbox::{wait_for_delivery_passes, wait_settled, wait_tried};
use crate::support::process::RosterProcess;
use crate::support::proxy::SwitchableProxy;
use crate::support::smtp::{MailServer, PUBLIC_URL};
use crate::support::{Backend, TestApp, TestDatabase};

per_backend!(
    backend;
    a_mail_server_that_is_down_neither_fails_nor_slows_requests,
    the_outbox_survives_a_sigkill,
    two_replicas_send_each_mail_once,
);

/// Waits until `predicate` holds for the log (20 s at most).
async fn wait_for_log(roster: &RosterProcess, what: &str, predicate: impl Fn(&[String]) -> bool) {
    for _ in 0..400 {
        if predicate(&roster.log()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the log never showed {what}:\n{}", roster.log().join("\n"));
}

/// Without `ROSTER_SMTP_URL`, a development server writes each mail, link and all, to its log
/// and says that it did not send it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_smtp_url_mail_is_written_to_the_log() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let roster = RosterProcess::start(&database.url()).await;
    // The start-up lines may follow the one the process waits for.
    wait_for_log(&roster, "where mail goes", |log| {
        log.iter()
            .any(|line| line.contains("mail: no ROSTER_SMTP_URL set"))
    })
    .await;
    roster.register("ada@example.com").await;
    let expected_link = format!("{}/verify-email?token=", roster.address);
    wait_for_log(&roster, "the verification mail", |log| {
        log.iter().any(|line| line.contains(&expected_link))
    })
    .await;
    let log = roster.log().join("\n");
    assert!(
        log.contains("mail not sent (no ROSTER_SMTP_URL set)"),
        "{log}"
    );
    assert!(log.contains("Confirm your email address"), "{log}");
    roster.assert_no_panic();
}

/// Mail goes through an SMTP server that requires a login, from the configured sender with
/// links to the public URL; the password is in no line of the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_credentials_are_used_and_never_logged() {
    // With characters that must be percent-encoded in the URL.
    const SMTP_PASSWORD: &str = "s3cret/Smtp@p4ss";
    let mail = MailServer::start_with_login("roster", SMTP_PASSWORD).await;
    let database = TestDatabase::create(Backend::Sqlite).await;
    let url = format!(
        "smtp://roster:s3cret%2FSmtp%40p4ss@{}?tls=none",
        mail.address
    );
    let roster = RosterProcess::start_with(
        &database.url(),
        &[
            ("ROSTER_SMTP_URL", &url),
            (
                "ROSTER_MAIL_FROM",
                "Example Accounts <accounts@example.test>",
            ),
            ("ROSTER_PUBLIC_URL", PUBLIC_URL),
        ],
    )
    .await;
    roster.register("ada@example.com").await;
    let message = mail.one("ada@example.com", "Confirm").await;
    assert_eq!(
        message.login,
        Some(("roster".to_owned(), SMTP_PASSWORD.to_owned()))
    );
    assert_eq!(message.sender(), "Example Accounts <accounts@example.test>");
    assert_eq!(message.from, "accounts@example.test");
    assert!(
        message
            .link("verify-email")
            .starts_with(&format!("{PUBLIC_URL}/verify-email?token="))
    );
    wait_for_log(&roster, "the mail sent", |log| {
        log.iter().any(|line| line.contains("mail sent"))
    })
    .await;
    let log = roster.log().join("\n");
    assert!(
        log.contains("mail: sent through smtp://roster:***@"),
        "{log}"
    );
    for secret in ["s3cret", "p4ss", "%2F"] {
        assert!(!log.contains(secret), "the log shows {secret}:\n{log}");
    }
    // Nor is any link token logged when mail really goes out.
    assert!(!log.contains(&message.token("verify-email")), "{log}");
}

async fn a_mail_server_that_is_down_neither_fails_nor_slows_requests(backend: Backend) {
    let mail = MailServer::start().await;
    let proxy = SwitchableProxy::start(mail.address.to_string()).await;
    proxy.down().await;
    let url = format!("smtp://{}?tls=none", proxy.address);
    let app = TestApp::spawn_with(backend, |s| {
        s.smtp_url = Some(roster::config::Secret::new(url));
    })
    .await;

    let started = Instant::now();
    app.register("ada@example.com").await;
    let body = app
        .gql(REQUEST_RESET, json!({ "email": "ada@example.com" }), None)
        .await;
    assert_eq!(body["data"]["requestPasswordReset"], true, "{body}");
    // Measured, not asserted: a test is no benchmark.
    println!(
        "register + requestPasswordReset with the mail server down: {:?}",
        started.elapsed()
    );

    let failed = wait_tried(app.db(), 2).await;
    assert!(failed.iter().all(|row| row.last_error.is_some()));
    assert!(mail.received().is_empty());

    proxy.up();
    mail.one("ada@example.com", "Confirm").await;
    mail.one("ada@example.com", "Reset").await;
    wait_settled(&app).await;
    assert_eq!(mail.to("ada@example.com").len(), 2);
}

/// A mail that was acknowledged (queued in the transaction of its request) but could not go
/// out before a SIGKILL is sent by the next server on that database, once.
async fn the_outbox_survives_a_sigkill(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let mail = MailServer::start().await;
    let proxy = SwitchableProxy::start(mail.address.to_string()).await;
    proxy.down().await;
    let url = format!("smtp://{}?tls=none", proxy.address);
    let settings = [("ROSTER_SMTP_URL", url.as_str())];
    let mut first = RosterProcess::start_with(&database.url(), &settings).await;
    first.register("ada@example.com").await;
    let db = sea_orm::Database::connect(database.url()).await.unwrap();
    wait_tried(&db, 1).await;
    first.kill();
    first.assert_no_panic();

    proxy.up();
    let second = RosterProcess::start_with(&database.url(), &settings).await;
    let message = mail.one("ada@example.com", "Confirm").await;
    assert!(message.text().contains("/verify-email?token="));
    // Sent, once.
    for _ in 0..100 {
        let row = mail_outbox::Entity::find().one(&db).await.unwrap().unwrap();
        if row.sent_at.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rows = mail_outbox::Entity::find().all(&db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].sent_at.is_some(), "{rows:?}");
    assert_eq!(mail.received().len(), 1);
    second.assert_no_panic();
    db.close().await.ok();
}

/// Two servers on one database, each with its delivery task, and a backlog they both see when
/// the mail server comes back: every mail goes out exactly once.
async fn two_replicas_send_each_mail_once(backend: Backend) {
    const MAILS: usize = 12;
    let mail = MailServer::start().await;
    let proxy = SwitchableProxy::start(mail.address.to_string()).await;
    proxy.down().await;
    let url = format!("smtp://{}?tls=none", proxy.address);
    let one = TestApp::spawn_with(backend, |s| {
        s.smtp_url = Some(roster::config::Secret::new(url));
    })
    .await;
    let two = one.replica().await;
    for n in 0..MAILS {
        let app = if n % 2 == 0 { &one } else { &two };
        app.register(&format!("user{n}@example.com")).await;
    }
    wait_tried(one.db(), 2).await;
    proxy.up();
    for n in 0..MAILS {
        mail.wait_for(&format!("user{n}@example.com"), 1).await;
    }
    wait_settled(&one).await;
    // Both tasks finish what they were doing and look again, as each would by itself within
    // 2 s: a mail either of them sent twice has arrived by now.
    wait_for_delivery_passes(&[&one, &two]).await;
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    let mut ids = std::collections::HashSet::new();
    for message in mail.received() {
        for to in &message.to {
            *per_recipient.entry(to.clone()).or_default() += 1;
        }
        let raw = String::from_utf8_lossy(&message.raw).into_owned();
        let id = raw
            .lines()
            .find(|line| line.to_ascii_lowercase().starts_with("message-id:"))
            .expect("a Message-ID")
            .to_owned();
        assert!(ids.insert(id), "a Message-ID was sent twice");
    }
    assert_eq!(per_recipient.len(), MAILS);
    assert!(per_recipient.values().all(|&n| n == 1), "{per_recipient:?}");
    drop(two);
}
