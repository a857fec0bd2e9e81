//! Faults only the real binary can show, each run on a `roster` child process that the test
//! starts and stops itself: a SIGKILL in the middle of registrations loses none that were
//! acknowledged; a PostgreSQL that goes away (a proxy in between drops every connection) gives
//! clean errors and a 503 health, and Roster recovers without a restart once it is back.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use roster::db::entities::users;
use sea_orm::{EntityTrait, QuerySelect};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::support::database::available;
use crate::support::documents::{ME, REGISTER};
use crate::support::process::{RosterProcess, client};
use crate::support::proxy::{SwitchableProxy, server_address, with_address};
use crate::support::{Backend, PASSWORD, PostgresDatabase, TestDatabase};

/// The longest a test waits for its load to end once it has nothing more to do.
const LOAD_WIND_DOWN: Duration = Duration::from_secs(15);

// --- kill -9 under load ---------------------------------------------------------------------

/// Clients registering at once.
const REGISTERING_CLIENTS: usize = 8;
/// How long they register at least before the SIGKILL.
const LOAD_BEFORE_KILL: Duration = Duration::from_millis(1500);
/// Fewer acknowledged registrations than this and the kill proves nothing: on a busy machine
/// the load goes on past `LOAD_BEFORE_KILL` until there are as many.
const MIN_ACKNOWLEDGED: usize = 10;
/// The longest the load goes on before the SIGKILL.
const MAX_LOAD_BEFORE_KILL: Duration = Duration::from_secs(10);
/// A bound on each client's registrations, should the kill not stop them.
const MAX_REGISTRATIONS_PER_CLIENT: usize = 500;

per_backend!(backend; kill_9_loses_no_acknowledged_registration);

/// What one registering client saw.
#[derive(Default)]
struct Registrations {
    /// Emails whose answer carried the new user's id.
    acknowledged: Vec<String>,
    /// Answers that refused a registration which should have succeeded.
    refused: Vec<Value>,
}

/// Every registration Roster acknowledged is in the database after a SIGKILL in the middle of
/// many more.
async fn kill_9_loses_no_acknowledged_registration(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let mut roster = RosterProcess::start(&database.url()).await;
    let started = Instant::now();
    let client = client();
    let (acknowledging, mut acknowledged_so_far) = watch::channel(0);
    let acknowledging = Arc::new(acknowledging);

    let registering: Vec<JoinHandle<Registrations>> = (0..REGISTERING_CLIENTS)
        .map(|n| {
            tokio::spawn(register_until_gone(
                client.clone(),
                roster.address.clone(),
                n,
                acknowledging.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(LOAD_BEFORE_KILL).await;
    let enough = acknowledged_so_far.wait_for(|count| *count >= MIN_ACKNOWLEDGED);
    // Too few by then fails the assertion below.
    let _ = tokio::time::timeout(MAX_LOAD_BEFORE_KILL - LOAD_BEFORE_KILL, enough).await;
    let load_took = started.elapsed();
    roster.kill();
    // Requests in flight end now: those answered before the kill count as acknowledged.
    let seen = tokio::time::timeout(LOAD_WIND_DOWN, futures_util::future::join_all(registering))
        .await
        .expect("the registering clients stop once roster is gone");
    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    for registrations in seen {
        let registrations = registrations.expect("a registering client panicked");
        acknowledged.extend(registrations.acknowledged);
        refused.extend(registrations.refused);
    }

    let stored = stored_emails(&database.url()).await;
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|email| !stored.contains(*email))
        .collect();
    println!(
        "kill -9 on {backend:?} after {:.1} s of load: {} registrations acknowledged, {} stored \
         ({} committed but unanswered), {} refused, {} lost",
        load_took.as_secs_f64(),
        acknowledged.len(),
        stored.len(),
        stored.len().saturating_sub(acknowledged.len()),
        refused.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    assert!(
        acknowledged.len() >= MIN_ACKNOWLEDGED,
        "only {} registrations acknowledged before the kill",
        acknowledged.len()
    );
    assert!(refused.is_empty(), "registrations refused: {refused:?}");
    roster.assert_no_panic();
}

/// Registers fresh accounts one after another until the server stops answering, counting each
/// acknowledged one in `acknowledging` as well.
async fn register_until_gone(
    client: reqwest::Client,
    address: String,
    n: usize,
    acknowledging: Arc<watch::Sender<usize>>,
) -> Registrations {
    let mut seen = Registrations::default();
    for i in 0..MAX_REGISTRATIONS_PER_CLIENT {
        let email = format!("load-{n}-{i}@example.com");
        let sent = client
            .post(format!("{address}/graphql"))
            .json(&json!({
                "query": REGISTER,
                "variables": { "input": { "email": email, "password": PASSWORD } },
            }))
            .send()
            .await;
        // No answer, or only part of one: the server is gone.
        let Ok(response) = sent else { break };
        let Ok(body) = response.json::<Value>().await else {
            break;
        };
        if body["data"]["register"]["user"]["id"].is_string() {
            seen.acknowledged.push(email);
            acknowledging.send_modify(|count| *count += 1);
        } else {
            seen.refused.push(body);
        }
    }
    seen
}

/// The emails in the users table, read straight from the database.
async fn stored_emails(url: &str) -> HashSet<String> {
    let db = sea_orm::Database::connect(url)
        .await
        .expect("open the database roster left behind");
    let emails: Vec<String> = users::Entity::find()
        .select_only()
        .column(users::Column::Email)
        .into_tuple()
        .all(&db)
        .await
        .expect("read the users");
    db.close().await.ok();
    emails.into_iter().collect()
}

// --- the database goes away -----------------------------------------------------------------

/// Clients asking `me` throughout.
const ME_CLIENTS: usize = 3;
/// Time between one client's requests: a small load.
const ME_PACE: Duration = Duration::from_millis(50);
/// Time between health checks.
const HEALTH_PACE: Duration = Duration::from_millis(100);
/// A bound on each client's requests.
const MAX_ME_PER_CLIENT: usize = 1000;
/// How long the database stays away.
const OUTAGE: Duration = Duration::from_secs(3);
/// Health answers within this while the database is away (its own limit is 2 s).
const HEALTH_ANSWERS_WITHIN: Duration = Duration::from_secs(3);
/// Roster is healthy and answers `me` again within this of the database's return.
const RECOVERY_WITHIN: Duration = Duration::from_secs(15);
/// Words that give away the database behind an error message.
const LEAKS: [&str; 5] = ["sqlx", "connection", "select", "pool", "postgres"];

/// When a request was sent.
const BEFORE: u8 = 0;
const DURING: u8 = 1;
const AFTER: u8 = 2;

/// A clean answer to `me`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Answer {
    Data,
    InternalError,
    Unauthenticated,
    /// Roster's own 408.
    TimedOut,
}

/// One `me` request: the phases it was sent and answered in, what came back (or what was wrong
/// with it), how long it took.
struct Asked {
    sent_in: u8,
    answered_in: u8,
    answer: Result<Answer, String>,
    took: Duration,
}

/// While PostgreSQL is unreachable, `me` fails cleanly (no 5xx, no driver text) and health
/// says 503; once it is back, both work again without a restart. PostgreSQL only: SQLite is a
/// file that cannot go away like this.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_gives_clean_errors_and_recovers() {
    if !available(
        Backend::Postgres,
        "faults::database_outage_gives_clean_errors_and_recovers",
    ) {
        return;
    }
    let database = PostgresDatabase::create().await;
    let proxy = SwitchableProxy::start(server_address(&database.url())).await;
    let mut roster = RosterProcess::start(&with_address(&database.url(), proxy.address)).await;
    let client = client();
    let access = roster.register("ada@example.com").await;
    assert_eq!(
        ask_me(&client, &roster.address, &access).await,
        Ok(Answer::Data)
    );
    assert_eq!(
        health(&client, &roster.address).await,
        (200, json!({ "status": "ok" }))
    );

    let phase = Arc::new(AtomicU8::new(BEFORE));
    let stop = Arc::new(AtomicBool::new(false));
    let asking: Vec<JoinHandle<Vec<Asked>>> = (0..ME_CLIENTS)
        .map(|_| {
            tokio::spawn(ask_me_until_stopped(
                client.clone(),
                roster.address.clone(),
                access.clone(),
                phase.clone(),
                stop.clone(),
            ))
        })
        .collect();

    // The outage: every health check says unavailable, in time.
    proxy.down().await;
    phase.store(DURING, Ordering::SeqCst);
    let down_at = Instant::now();
    let mut health_took = Vec::new();
    let mut pace = pace(HEALTH_PACE);
    while down_at.elapsed() < OUTAGE {
        pace.tick().await;
        let asked_at = Instant::now();
        let answer = health(&client, &roster.address).await;
        let took = asked_at.elapsed();
        assert_eq!(
            answer,
            (503, json!({ "status": "unavailable" })),
            "health {:?} into the outage",
            asked_at - down_at
        );
        assert!(
            took < HEALTH_ANSWERS_WITHIN,
            "health took {took:?} during the outage"
        );
        health_took.push(took);
    }

    // The return: the same Roster becomes healthy and answers again. (The phase first, so a
    // request answered in the outage phase was answered while the database was away.)
    phase.store(AFTER, Ordering::SeqCst);
    proxy.up();
    let up_at = Instant::now();
    let healthy_after = wait_until(up_at + RECOVERY_WITHIN, async || {
        health(&client, &roster.address).await.0 == 200
    })
    .await
    .unwrap_or_else(|| panic!("health is not 200 {RECOVERY_WITHIN:?} after the database is back"));
    let answering_after = wait_until(up_at + RECOVERY_WITHIN, async || {
        ask_me(&client, &roster.address, &access).await == Ok(Answer::Data)
    })
    .await
    .unwrap_or_else(|| panic!("`me` fails {RECOVERY_WITHIN:?} after the database is back"));

    stop.store(true, Ordering::SeqCst);
    let asked: Vec<Asked> =
        tokio::time::timeout(LOAD_WIND_DOWN, futures_util::future::join_all(asking))
            .await
            .expect("the `me` clients stop when told")
            .into_iter()
            .flat_map(|asked| asked.expect("a `me` client panicked"))
            .collect();
    roster.kill();

    // Requests sent and answered while the database was away.
    let during: Vec<&Asked> = asked
        .iter()
        .filter(|a| a.sent_in == DURING && a.answered_in == DURING)
        .collect();
    let count = |answer: Answer| during.iter().filter(|a| a.answer == Ok(answer)).count();
    println!(
        "database outage on PostgreSQL, down {:.1} s: {} `me` sent and answered while down: {} data, \
         {} INTERNAL_SERVER_ERROR, {} UNAUTHENTICATED, {} 408, {} unclean (slowest {:.2} s); \
         health {} times 503 (slowest {:.2} s); after the return: health 200 in {:.2} s, `me` \
         data in {:.2} s; {} `me` requests in all",
        OUTAGE.as_secs_f64(),
        during.len(),
        count(Answer::Data),
        count(Answer::InternalError),
        count(Answer::Unauthenticated),
        count(Answer::TimedOut),
        during.iter().filter(|a| a.answer.is_err()).count(),
        during
            .iter()
            .map(|a| a.took)
            .max()
            .unwrap_or_default()
            .as_secs_f64(),
        health_took.len(),
        health_took
            .iter()
            .max()
            .copied()
            .unwrap_or_default()
            .as_secs_f64(),
        healthy_after.as_secs_f64(),
        answering_after.as_secs_f64(),
        asked.len(),
    );
    let unclean: Vec<&String> = asked
        .iter()
        .filter_map(|a| a.answer.as_ref().err())
        .collect();
    assert!(unclean.is_empty(), "unclean answers to `me`: {unclean:#?}");
    assert!(
        !during.is_empty(),
        "no `me` request was sent during the outage"
    );
    // Sessions are checked in the database on every request: none can succeed without it.
    assert_eq!(
        count(Answer::Data),
        0,
        "`me` answered while the database was away"
    );
    roster.assert_no_panic();
}

/// `GET /health`: the status and the JSON body.
async fn health(client: &reqwest::Client, address: &str) -> (u16, Value) {
    let response = client
        .get(format!("{address}/health"))
        .send()
        .await
        .expect("health answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("health answers JSON"))
}

/// Asks `{ me { id } }`; an `Err` describes an answer that is not clean.
async fn ask_me(client: &reqwest::Client, address: &str, access: &str) -> Result<Answer, String> {
    let response = client
        .post(format!("{address}/graphql"))
        .bearer_auth(access)
        .json(&json!({ "query": ME }))
        .send()
        .await
        .map_err(|error| format!("no answer: {error}"))?;
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .map_err(|error| format!("HTTP {status}, body unread: {error}"))?;
    if status == 408 {
        return Ok(Answer::TimedOut);
    }
    let body: Value =
        serde_json::from_str(&text).map_err(|_| format!("HTTP {status}, not JSON: {text}"))?;
    if status != 200 {
        return Err(format!("HTTP {status}: {body}"));
    }
    let Some(errors) = body["errors"].as_array() else {
        return if body["data"]["me"]["id"].is_string() {
            Ok(Answer::Data)
        } else {
            Err(format!("neither data nor errors: {body}"))
        };
    };
    let lowercase = body["errors"].to_string().to_lowercase();
    if let Some(leak) = LEAKS.iter().find(|word| lowercase.contains(*word)) {
        return Err(format!("an error gives away {leak:?}: {body}"));
    }
    match errors[0]["extensions"]["code"].as_str() {
        Some("INTERNAL_SERVER_ERROR") => Ok(Answer::InternalError),
        Some("UNAUTHENTICATED") => Ok(Answer::Unauthenticated),
        _ => Err(format!("unexpected error: {body}")),
    }
}

/// Asks `me` at a steady pace until `stop`, noting for each request the phase it was sent in.
async fn ask_me_until_stopped(
    client: reqwest::Client,
    address: String,
    access: String,
    phase: Arc<AtomicU8>,
    stop: Arc<AtomicBool>,
) -> Vec<Asked> {
    let mut asked = Vec::new();
    let mut pace = pace(ME_PACE);
    while !stop.load(Ordering::SeqCst) && asked.len() < MAX_ME_PER_CLIENT {
        pace.tick().await;
        let sent_in = phase.load(Ordering::SeqCst);
        let asked_at = Instant::now();
        let answer = ask_me(&client, &address, &access).await;
        asked.push(Asked {
            sent_in,
            answered_in: phase.load(Ordering::SeqCst),
            answer,
            took: asked_at.elapsed(),
        });
    }
    asked
}

/// A steady pace, `period` between ticks, that waits out a slow request rather than catching up.
fn pace(period: Duration) -> tokio::time::Interval {
    let mut pace = tokio::time::interval(period);
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    pace
}

/// Checks `condition` every 100 ms until it holds (returning how long that took) or `deadline`
/// passes.
async fn wait_until(deadline: Instant, condition: impl AsyncFn() -> bool) -> Option<Duration> {
    let started = Instant::now();
    loop {
        if condition().await {
            return Some(started.elapsed());
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
