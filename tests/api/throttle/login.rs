//! Failed logins, counted in the database: per account and client address (five in a row,
//! then a doubling wait), per account from all addresses (100 an hour), unknown names alike,
//! no hashing for a refused attempt; shared by replicas, kept across restarts.

use chrono::Duration;
use roster::db::entities::{login_address_failures, login_failures};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::support::auth::login_from;
use crate::support::clock::pass_for_login_throttle;
use crate::support::documents::{LOGIN, ME, REGISTER};
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, error_fields, retry_after};

const WRONG: &str = "wrong horse battery staple";

per_backend!(
    addresses;
    consecutive_failures_make_one_address_wait,
    an_account_takes_at_most_100_failures_an_hour,
    aliases_and_batch_entries_count_one_attempt_each,
    ipv6_clients_count_per_64,
    counters_survive_a_restart,
    replicas_share_counters_and_sessions,
);

per_backend!(
    an_untrusted_peer_cannot_choose_its_address,
    overlong_logins_touch_no_counter,
    the_owner_keeps_her_signed_in_budget,
    an_abandoned_attempt_counts_nothing,
);

async fn fail_five_times(app: &TestApp, client: &str, login: &str) {
    for _ in 0..5 {
        assert_code(
            &login_from(app, client, login, WRONG).await,
            "UNAUTHENTICATED",
        );
    }
}

async fn consecutive_failures_make_one_address_wait(app: TestApp) {
    app.gql(
        REGISTER,
        json!({ "input": { "email": "ada@example.com", "username": "ada", "password": PASSWORD } }),
        None,
    )
    .await;
    let attacker = "198.51.100.1";
    fail_five_times(&app, attacker, "ada@example.com").await;

    // Refused now, even with the right password, and without hashing anything.
    let hashed = app.state.passwords.computed();
    assert_eq!(
        retry_after(&login_from(&app, attacker, "ADA@example.com", PASSWORD).await),
        1
    );
    assert_eq!(
        app.state.passwords.computed(),
        hashed,
        "a refused attempt hashed"
    );
    // The count is kept per login name as typed: the username is counted apart, so the
    // answer does not tell that "ada" and "ada@example.com" are one account.
    assert_code(
        &login_from(&app, attacker, "ada", WRONG).await,
        "UNAUTHENTICATED",
    );

    // The owner, from another address, gets in.
    assert_ok(&login_from(&app, "203.0.113.5", "ada", PASSWORD).await);

    // After the wait, one more failure doubles it.
    pass_for_login_throttle(&app, Duration::milliseconds(1100)).await;
    assert_code(
        &login_from(&app, attacker, "ada@example.com", WRONG).await,
        "UNAUTHENTICATED",
    );
    assert_eq!(
        retry_after(&login_from(&app, attacker, "Ada@Example.com", WRONG).await),
        2
    );

    // A success from that address starts its count again: five more failures before a wait.
    pass_for_login_throttle(&app, Duration::milliseconds(2100)).await;
    assert_ok(&login_from(&app, attacker, "ada@example.com", PASSWORD).await);
    fail_five_times(&app, attacker, "ada@example.com").await;
    assert_eq!(
        retry_after(&login_from(&app, attacker, "ada@example.com", WRONG).await),
        1
    );

    // A name that belongs to nobody is throttled exactly alike.
    fail_five_times(&app, attacker, "nobody@example.com").await;
    assert_eq!(
        retry_after(&login_from(&app, attacker, "nobody@example.com", WRONG).await),
        1
    );
}

async fn an_account_takes_at_most_100_failures_an_hour(app: TestApp) {
    app.register("ada@example.com").await;
    let first_failure = std::time::Instant::now();
    // Five from each of twenty addresses: no address has to wait, the account does.
    for n in 0..20 {
        fail_five_times(&app, &format!("198.51.100.{n}"), "ada@example.com").await;
    }
    let body = login_from(&app, "203.0.113.99", "ada@example.com", PASSWORD).await;
    let wait = retry_after(&body);
    assert!(
        until_the_hour_is_over(first_failure).contains(&wait),
        "retryAfter {wait}"
    );
    // Another account is not affected.
    app.register("grace@example.com").await;
    assert_ok(&login_from(&app, "203.0.113.99", "grace@example.com", PASSWORD).await);
    assert_eq!(
        login_failures::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        100,
        "refused attempts are not failures"
    );
}

async fn aliases_and_batch_entries_count_one_attempt_each(app: TestApp) {
    app.register("ada@example.com").await;
    let aliases: String = (0..6)
        .map(|n| {
            format!("a{n}: login(input: {{ login: \"ada@example.com\", password: \"{WRONG}\" }}) {{ accessToken }} ")
        })
        .collect();
    let body = app
        .gql_from(
            "198.51.100.1",
            &format!("mutation {{ {aliases} }}"),
            json!({}),
        )
        .await;
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["extensions"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "TOO_MANY_REQUESTS"
        ],
        "{body}"
    );

    let entry = json!({ "query": LOGIN, "variables": { "input": { "login": "ada@example.com", "password": WRONG } } });
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("x-forwarded-for", "198.51.100.2")
        .json(&json!([entry, entry, entry, entry, entry, entry]))
        .send()
        .await
        .unwrap();
    let bodies: Vec<Value> = response.json().await.unwrap();
    assert_code(&bodies[4], "UNAUTHENTICATED");
    assert_code(&bodies[5], "TOO_MANY_REQUESTS");
}

async fn ipv6_clients_count_per_64(app: TestApp) {
    app.register("ada@example.com").await;
    for n in 1..=5 {
        let client = format!("2001:db8:1:2::{n:x}");
        assert_code(
            &login_from(&app, &client, "ada@example.com", WRONG).await,
            "UNAUTHENTICATED",
        );
    }
    let neighbour = "2001:db8:1:2:ffff:ffff:ffff:ffff";
    retry_after(&login_from(&app, neighbour, "ada@example.com", PASSWORD).await);
    assert_ok(&login_from(&app, "2001:db8:1:3::1", "ada@example.com", PASSWORD).await);
}

async fn an_untrusted_peer_cannot_choose_its_address(app: TestApp) {
    app.register("ada@example.com").await;
    for n in 0..5 {
        let forged = format!("198.51.100.{n}");
        assert_code(
            &login_from(&app, &forged, "ada@example.com", WRONG).await,
            "UNAUTHENTICATED",
        );
    }
    retry_after(&login_from(&app, "198.51.100.77", "ada@example.com", PASSWORD).await);
}

async fn overlong_logins_touch_no_counter(app: TestApp) {
    app.register("ada@example.com").await;
    let hashed = app.state.passwords.computed();
    let long_name = format!("{}@example.com", "a".repeat(250));
    let body = app.try_login(&long_name, WRONG).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["login"][0].is_string(), "{body}");
    let body = app.try_login("ada@example.com", &"x".repeat(129)).await;
    assert_code(&body, "BAD_USER_INPUT");
    assert!(error_fields(&body)["password"][0].is_string(), "{body}");
    assert_eq!(app.state.passwords.computed(), hashed);
    assert_eq!(
        login_failures::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        login_address_failures::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        0
    );
}

/// Failed logins by a stranger never keep the owner from what needs her current password.
async fn the_owner_keeps_her_signed_in_budget(app: TestApp) {
    let ada = app.register("ada@example.com").await;
    fail_five_times(&app, "127.0.0.1", "ada@example.com").await;
    let body = app
        .gql(
            "mutation { changePassword(currentPassword: \"correct horse battery staple\", \
             newPassword: \"a brand new passphrase 42\") { accessToken } }",
            json!({}),
            Some(&ada.access),
        )
        .await;
    assert!(
        body["data"]["changePassword"]["accessToken"].is_string(),
        "{body}"
    );
}

async fn counters_survive_a_restart(app: TestApp) {
    app.register("ada@example.com").await;
    fail_five_times(&app, "198.51.100.1", "ada@example.com").await;
    let app = app.restart().await;
    retry_after(&login_from(&app, "198.51.100.1", "ada@example.com", PASSWORD).await);
}

/// Two servers on one database: one throttle, one set of sessions.
async fn replicas_share_counters_and_sessions(first: TestApp) {
    let second = first.replica().await;
    first.register("ada@example.com").await;
    for n in 0..5 {
        let app = if n % 2 == 0 { &first } else { &second };
        assert_code(
            &login_from(app, "198.51.100.1", "ada@example.com", WRONG).await,
            "UNAUTHENTICATED",
        );
    }
    retry_after(&login_from(&second, "198.51.100.1", "ada@example.com", PASSWORD).await);
    retry_after(&login_from(&first, "198.51.100.1", "ada@example.com", PASSWORD).await);

    let body = login_from(&second, "203.0.113.5", "ada@example.com", PASSWORD).await;
    let access = body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        first.gql(ME, json!({}), Some(&access)).await["data"]["me"]["email"],
        "ada@example.com"
    );
    assert_ok(
        &second
            .gql("mutation { logout }", json!({}), Some(&access))
            .await,
    );
    assert_code(
        &first.gql(ME, json!({}), Some(&access)).await,
        "UNAUTHENTICATED",
    );
}

/// An attempt that ends without a verdict on the password (no hashing slot, a database error)
/// is taken back: it counts neither for the address nor for the hour.
async fn an_abandoned_attempt_counts_nothing(app: TestApp) {
    use crate::support::services::login_throttle::{self, Account};
    let address = Some("198.51.100.1".parse().unwrap());
    let account = Account::Unknown("nobody@example.com");
    let begin = || {
        login_throttle::begin(
            app.db(),
            &account,
            "nobody@example.com",
            address,
            roster::db::now(),
        )
    };
    for _ in 0..4 {
        let counted = begin().await.unwrap_or_else(|e| panic!("{}", e.message()));
        drop(counted);
    }
    let failures = || async {
        let rows = login_address_failures::Entity::find()
            .all(app.db())
            .await
            .unwrap();
        (
            rows[0].failures,
            login_failures::Entity::find()
                .count(app.db())
                .await
                .unwrap(),
        )
    };
    assert_eq!(failures().await, (4, 4));
    for _ in 0..3 {
        begin()
            .await
            .unwrap_or_else(|e| panic!("{}", e.message()))
            .abandon(app.db())
            .await
            .unwrap_or_else(|e| panic!("{}", e.message()));
    }
    assert_eq!(failures().await, (4, 4));
    // The fifth real failure still starts the wait.
    let _ = begin().await;
    assert!(begin().await.is_err());
}

/// What `retryAfter` may be when the hourly ceiling holds an account whose first counted failure
/// came after `first_failure`: the rest of that failure's hour (give or take the second it is
/// rounded up to), however long the failures took to send.
pub fn until_the_hour_is_over(first_failure: std::time::Instant) -> std::ops::RangeInclusive<u64> {
    3600 - first_failure.elapsed().as_secs() - 1..=3600
}
