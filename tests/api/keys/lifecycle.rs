//! The key lifecycle through the `roster keys` commands (the real binary, on the test
//! server's database) and on schedule: a key published before it signs, old tokens accepted
//! through their grace, retired and revoked keys refused from the very next request, replicas
//! following within the reload interval, every change audited.

use std::time::Duration;

use roster::db::entities::{audit_events, signing_keys};
use roster::services::keys::signing::{self, KeyPolicy, State, schedule};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use super::{es256, jwks, parts};
use crate::support::documents::{LOGIN, ME};
use crate::support::process::{CommandOutput, run_command};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok};

/// Longest a replica may take to follow a change (API.md: 30 s).
const FOLLOW_WITHIN: Duration = Duration::from_secs(30);

/// `roster ARGS` on the app's database, under ES256 as the server runs.
async fn roster(app: &TestApp, args: &[&str]) -> CommandOutput {
    let url = app.database_url();
    run_command(&url, args, &[("ROSTER_JWT_ALGORITHM", "ES256")]).await
}

/// `roster ARGS`, which must succeed; its stdout.
async fn roster_ok(app: &TestApp, args: &[&str]) -> String {
    let output = roster(app, args).await;
    assert!(
        output.status.success(),
        "roster {args:?}: {}\n{}",
        output.status,
        output.stderr
    );
    output.stdout
}

pub fn kid(token: &str) -> String {
    parts(token).header["kid"].as_str().unwrap().to_owned()
}

/// The kids the app publishes.
async fn published(app: &TestApp) -> Vec<String> {
    jwks(app).await["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// Polls `check` until it holds; panics after `FOLLOW_WITHIN`.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + FOLLOW_WITHIN;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within {FOLLOW_WITHIN:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn login_kid(app: &TestApp) -> String {
    kid(&app.login("ada@example.com", PASSWORD).await.access)
}

async fn state(app: &TestApp, kid: &str) -> State {
    signing::find(app.db(), kid).await.unwrap().unwrap().state
}

/// The details of the events of `action`, oldest first.
async fn events(app: &TestApp, action: &str) -> Vec<Value> {
    audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq(action))
        .order_by_asc(audit_events::Column::OccurredAt)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|event| {
            assert_eq!(event.actor_id, None, "a key change has no account as actor");
            serde_json::from_str(event.details.as_deref().unwrap()).unwrap()
        })
        .collect()
}

/// The kid in `published {kid} (...)` or `{kid} (...) signs now`.
fn first_word_after(output: &str, prefix: &str) -> String {
    output
        .lines()
        .find_map(|line| line.strip_prefix(prefix))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{output}"))
        .to_owned()
}

pub fn signs_now(output: &str) -> String {
    output
        .lines()
        .find(|line| line.ends_with("signs now"))
        .and_then(|line| line.split_whitespace().next())
        .unwrap_or_else(|| panic!("no new signing key in:\n{output}"))
        .to_owned()
}

per_backend!(settings = es256; the_whole_rotation_through_the_commands);
async fn the_whole_rotation_through_the_commands(app: TestApp) {
    let old = app.register("ada@example.com").await;
    let old_kid = kid(&old.access);

    // Added: published as NEXT, not signing.
    let added = roster_ok(&app, &["keys", "add"]).await;
    let new_kid = first_word_after(&added, "published ");
    assert_eq!(state(&app, &new_kid).await, State::Next);
    eventually("the NEXT key is published", || async {
        published(&app).await.contains(&new_kid)
    })
    .await;
    assert_eq!(login_kid(&app).await, old_kid, "a NEXT key does not sign");

    // Rotated: the new key signs, with a warning as it was published moments ago.
    let rotation = roster(&app, &["keys", "rotate"]).await;
    assert!(rotation.status.success(), "{}", rotation.stderr);
    assert_eq!(signs_now(&rotation.stdout), new_kid);
    assert!(
        rotation.stdout.contains(&format!("{old_kid} is PREVIOUS")),
        "{}",
        rotation.stdout
    );
    assert!(
        rotation.stderr.contains("less than 10 minutes ago"),
        "{}",
        rotation.stderr
    );
    assert_eq!(state(&app, &old_kid).await, State::Previous);
    eventually("the server signs with the new key", || async {
        login_kid(&app).await == new_kid
    })
    .await;
    let new = app.login("ada@example.com", PASSWORD).await;
    // The old key's token is still accepted through its grace; both keys are published.
    assert_ok(&app.gql(ME, json!({}), Some(&old.access)).await);
    assert_ok(&app.gql(ME, json!({}), Some(&new.access)).await);
    let kids = published(&app).await;
    assert!(
        kids.contains(&old_kid) && kids.contains(&new_kid),
        "{kids:?}"
    );

    // Revoked: refused from the very next request, unpublished soon after.
    let revoked = roster_ok(&app, &["keys", "revoke", &old_kid]).await;
    assert!(revoked.contains(&format!("revoked {old_kid}")), "{revoked}");
    assert_code(
        &app.gql(ME, json!({}), Some(&old.access)).await,
        "UNAUTHENTICATED",
    );
    assert_ok(&app.gql(ME, json!({}), Some(&new.access)).await);
    eventually("the revoked key leaves the key set", || async {
        !published(&app).await.contains(&old_kid)
    })
    .await;
    // A key that will never sign again keeps no private part.
    let revoked_row = signing::find(app.db(), &old_kid).await.unwrap().unwrap();
    assert!(revoked_row.private_key.is_empty());

    let list = roster_ok(&app, &["keys", "list"]).await;
    for (kid, state) in [(&old_kid, "REVOKED"), (&new_kid, "CURRENT")] {
        let line = list
            .lines()
            .find(|line| line.starts_with(kid.as_str()))
            .unwrap();
        assert!(line.contains(state) && line.contains("ES256"), "{line}");
    }
    let added = events(&app, "SIGNING_KEY_ADDED").await;
    assert!(
        added
            .iter()
            .any(|d| d["kid"] == new_kid && d["by"] == "command"),
        "{added:?}"
    );
    let activated = events(&app, "SIGNING_KEY_ACTIVATED").await;
    let last = activated.last().unwrap();
    assert_eq!(
        (&last["kid"], &last["previous"]),
        (&json!(new_kid), &json!(old_kid))
    );
    let revoked = events(&app, "SIGNING_KEY_REVOKED").await;
    assert_eq!(revoked.len(), 1);
    assert_eq!(
        (&revoked[0]["kid"], &revoked[0]["from"]),
        (&json!(old_kid), &json!("PREVIOUS"))
    );
    // No event holds key material.
    let all = audit_events::Entity::find().all(app.db()).await.unwrap();
    let rows = signing_keys::Entity::find().all(app.db()).await.unwrap();
    for event in all {
        let details = event.details.unwrap_or_default();
        for row in rows.iter().filter(|row| !row.private_key.is_empty()) {
            assert!(!details.contains(&row.private_key), "{details}");
        }
    }
}

per_backend!(settings = es256; retiring_ends_a_grace_and_revoking_the_current_key_hands_over);
async fn retiring_ends_a_grace_and_revoking_the_current_key_hands_over(app: TestApp) {
    let old = app.register("ada@example.com").await;
    let old_kid = kid(&old.access);
    let second_kid = signs_now(&roster_ok(&app, &["keys", "rotate"]).await);
    eventually("the server signs with the new key", || async {
        login_kid(&app).await == second_kid
    })
    .await;
    assert_ok(&app.gql(ME, json!({}), Some(&old.access)).await);

    // Retiring the PREVIOUS key ends its grace at once.
    let retired = roster_ok(&app, &["keys", "retire", &old_kid]).await;
    assert!(retired.contains(&format!("retired {old_kid}")), "{retired}");
    assert_code(
        &app.gql(ME, json!({}), Some(&old.access)).await,
        "UNAUTHENTICATED",
    );

    // Revoking the CURRENT key: its tokens die at once and another key signs at once.
    let second = app.login("ada@example.com", PASSWORD).await;
    let revocation = roster_ok(&app, &["keys", "revoke", &second_kid]).await;
    let third_kid = signs_now(&revocation);
    assert_ne!(third_kid, second_kid);
    assert_eq!(state(&app, &third_kid).await, State::Current);
    assert_code(
        &app.gql(ME, json!({}), Some(&second.access)).await,
        "UNAUTHENTICATED",
    );
    // The refused token made this replica reload at once rather than at its next tick.
    eventually("the server signs with the replacement", || async {
        login_kid(&app).await == third_kid
    })
    .await;
    let third = app.login("ada@example.com", PASSWORD).await;
    assert_ok(&app.gql(ME, json!({}), Some(&third.access)).await);
    let retired = events(&app, "SIGNING_KEY_RETIRED").await;
    assert!(retired.iter().any(|d| d["kid"] == old_kid), "{retired:?}");
}

per_backend!(settings = es256; commands_refuse_what_the_keys_do_not_allow);
async fn commands_refuse_what_the_keys_do_not_allow(app: TestApp) {
    let current = signing::current(app.db(), roster::config::JwtAlgorithm::Es256)
        .await
        .unwrap()
        .unwrap()
        .kid;
    roster_ok(&app, &["keys", "add"]).await;
    let refusals = [
        (vec!["keys", "add"], "a NEXT ES256 key is already published"),
        (vec!["keys", "retire", current.as_str()], "rotate first"),
        (
            vec!["keys", "revoke", "no-such-kid"],
            "no signing key no-such-kid",
        ),
    ];
    for (args, message) in refusals {
        let output = roster(&app, &args).await;
        assert!(!output.status.success(), "{args:?}: {}", output.stdout);
        assert!(
            output.stderr.contains(message),
            "{args:?}: {}",
            output.stderr
        );
    }
    let url = app.database_url();
    let hs256 = run_command(&url, &["keys", "rotate"], &[]).await;
    assert!(!hs256.status.success());
    assert!(
        hs256.stderr.contains("HS256 signs with the JWT secret"),
        "{}",
        hs256.stderr
    );
    // Nothing changed.
    let states: Vec<State> = signing_keys::Entity::find()
        .order_by_asc(signing_keys::Column::CreatedAt)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.state)
        .collect();
    assert_eq!(states, [State::Current, State::Next]);
}

per_backend!(settings = es256; keys_rotate_on_schedule_and_graces_end);
async fn keys_rotate_on_schedule_and_graces_end(app: TestApp) {
    let old = app.register("ada@example.com").await;
    let old_kid = kid(&old.access);
    let (encryption, _) = roster::services::keys::encryption_keys(app.db(), None, None)
        .await
        .unwrap();
    let policy = KeyPolicy {
        algorithm: roster::config::JwtAlgorithm::Es256,
        grace_secs: 1200,
        rotation_interval_secs: Some(3600),
        file_key: None,
    };
    let current = signing::current(app.db(), policy.algorithm)
        .await
        .unwrap()
        .unwrap();
    let due = current.activated_at.unwrap() + chrono::Duration::seconds(3600);
    let tick = |at| schedule::tick(app.db(), &policy, &encryption, at);

    // Ten minutes and a second before it is due: nothing yet.
    let early = tick(due - chrono::Duration::seconds(601)).await.unwrap();
    assert!(!early.any(), "{early:?}");
    // Ten minutes before: two replicas at once publish one NEXT key between them.
    let at = due - chrono::Duration::seconds(600);
    let (one, other) = tokio::join!(tick(at), tick(at));
    let added: Vec<String> = [one.unwrap(), other.unwrap()]
        .into_iter()
        .filter_map(|changes| changes.added)
        .collect();
    assert_eq!(added.len(), 1, "{added:?}");
    let next = signing::find(app.db(), &added[0]).await.unwrap().unwrap();
    assert_eq!(next.state, State::Next);

    // Due, but published less than ten minutes: it waits.
    let waiting = tick(next.created_at + chrono::Duration::seconds(599))
        .await
        .unwrap();
    assert_eq!(waiting.activated, None);
    // Due and published ten minutes: it signs; the old key is PREVIOUS.
    let at = (next.created_at + chrono::Duration::seconds(600)).max(due);
    let (one, other) = tokio::join!(tick(at), tick(at));
    let activated: Vec<String> = [one.unwrap(), other.unwrap()]
        .into_iter()
        .filter_map(|changes| changes.activated)
        .collect();
    assert_eq!(activated, std::slice::from_ref(&next.kid));
    assert_eq!(state(&app, &old_kid).await, State::Previous);
    eventually("the server signs with the scheduled key", || async {
        login_kid(&app).await == next.kid
    })
    .await;
    assert_ok(&app.gql(ME, json!({}), Some(&old.access)).await);

    // The grace ends: RETIRED, and its tokens refused at once.
    let previous = signing::find(app.db(), &old_kid).await.unwrap().unwrap();
    let grace_end = signing::grace_end(&previous, policy.grace_secs);
    let within = tick(grace_end - chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert!(within.retired.is_empty(), "{within:?}");
    let after = tick(grace_end + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(after.retired, std::slice::from_ref(&old_kid));
    assert_eq!(state(&app, &old_kid).await, State::Retired);
    assert_code(
        &app.gql(ME, json!({}), Some(&old.access)).await,
        "UNAUTHENTICATED",
    );
    let by_server = |details: &Vec<Value>, kid: &str| {
        details
            .iter()
            .any(|d| d["kid"] == kid && d["by"] == "server")
    };
    assert!(by_server(
        &events(&app, "SIGNING_KEY_ADDED").await,
        &next.kid
    ));
    assert!(by_server(
        &events(&app, "SIGNING_KEY_ACTIVATED").await,
        &next.kid
    ));
    assert!(by_server(
        &events(&app, "SIGNING_KEY_RETIRED").await,
        &old_kid
    ));
}

/// The access token in a login response.
fn access(body: &Value) -> String {
    assert_ok(body);
    body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

per_backend!(backend; two_replicas_agree_after_a_rotation);
async fn two_replicas_agree_after_a_rotation(backend: crate::support::Backend) {
    use crate::support::database::TestDatabase;
    use crate::support::process::Launch;
    let database = TestDatabase::create(backend).await;
    let launch = || Launch::new(&database.url()).set("ROSTER_JWT_ALGORITHM", "ES256");
    let first = launch().start().await;
    let second = launch().start().await;
    let old = first.register("ada@example.com").await;
    let old_kid = kid(&old);
    assert_ok(&second.gql_as(ME, json!({}), &old).await);

    let credentials = json!({ "input": { "login": "ada@example.com", "password": PASSWORD } });
    let rotated = run_command(
        &database.url(),
        &["keys", "rotate"],
        &[("ROSTER_JWT_ALGORITHM", "ES256")],
    )
    .await;
    assert!(rotated.status.success(), "{}", rotated.stderr);
    let new_kid = signs_now(&rotated.stdout);
    let published_by = |address: String| async move {
        let set: Value = crate::support::process::client()
            .get(format!("{address}/.well-known/jwks.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|key| key["kid"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    for replica in [&first, &second] {
        eventually(
            "each replica signs with and publishes the new key",
            || async {
                let token = access(&replica.gql(LOGIN, credentials.clone()).await);
                kid(&token) == new_kid
                    && published_by(replica.address.clone())
                        .await
                        .contains(&new_kid)
            },
        )
        .await;
    }
    // Each accepts the other's new tokens and the old one.
    let from_first = access(&first.gql(LOGIN, credentials.clone()).await);
    let from_second = access(&second.gql(LOGIN, credentials.clone()).await);
    for token in [&from_first, &from_second, &old] {
        assert_ok(&first.gql_as(ME, json!({}), token).await);
        assert_ok(&second.gql_as(ME, json!({}), token).await);
    }
    // A revocation is refused by both from the next request on.
    let revoked = run_command(
        &database.url(),
        &["keys", "revoke", &old_kid],
        &[("ROSTER_JWT_ALGORITHM", "ES256")],
    )
    .await;
    assert!(revoked.status.success(), "{}", revoked.stderr);
    for replica in [&first, &second] {
        assert_code(
            &replica.gql_as(ME, json!({}), &old).await,
            "UNAUTHENTICATED",
        );
        assert_ok(&replica.gql_as(ME, json!({}), &from_first).await);
    }
    first.assert_no_panic();
    second.assert_no_panic();
}
