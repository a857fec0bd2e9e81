//! Finding 4: a flood of failed logins from many addresses used to lock the owner out for an
//! hour, admins included. The hourly ceiling now spares the addresses the account signed in
//! from, and an ADMIN can end a lockout.

use serde_json::json;

use crate::support::auth::login_from;
use crate::support::documents::REGISTER;
use crate::support::smtp::MailServer;
use crate::support::{PASSWORD, TestApp, assert_code, assert_ok, retry_after};
use crate::throttle::login::until_the_hour_is_over;

const WRONG: &str = "wrong horse battery staple";
const CLEAR: &str = "mutation($id: ID!) { clearLoginThrottle(userId: $id) }";

async fn a_flood_of_failures_cannot_lock_the_owner_out(app: TestApp, _mail: MailServer) {
    let home = "192.0.2.10";
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    assert_ok(&login_from(&app, home, "ada@example.com", PASSWORD).await);

    // The review's flood: 100 wrong passwords from 20 addresses, no address waiting.
    let first_failure = std::time::Instant::now();
    for n in 0..20 {
        let attacker = format!("198.51.100.{n}");
        for _ in 0..5 {
            let body = login_from(&app, &attacker, "ada@example.com", WRONG).await;
            assert_code(&body, "UNAUTHENTICATED");
        }
    }
    // A new address waits for the hour, even with the right password...
    let fresh = login_from(&app, "203.0.113.50", "ada@example.com", PASSWORD).await;
    let wait = retry_after(&fresh);
    assert!(
        until_the_hour_is_over(first_failure).contains(&wait),
        "retryAfter {wait}"
    );
    // ...but the owner's own address keeps working.
    assert_ok(&login_from(&app, home, "ada@example.com", PASSWORD).await);
    assert_ok(&login_from(&app, home, "ADA@example.com", PASSWORD).await);
    // There, only the per-address backoff applies: a guesser behind the same address still
    // waits after five failures in a row.
    for _ in 0..5 {
        let body = login_from(&app, home, "ada@example.com", WRONG).await;
        assert_code(&body, "UNAUTHENTICATED");
    }
    assert_code(
        &login_from(&app, home, "ada@example.com", PASSWORD).await,
        "TOO_MANY_REQUESTS",
    );

    // Only an ADMIN ends a lockout.
    let id = json!({ "id": ada.user_id });
    let body = app.gql(CLEAR, id.clone(), Some(&ada.access)).await;
    assert_code(&body, "FORBIDDEN");
    let body = app.gql(CLEAR, id.clone(), Some(&root.access)).await;
    assert_ok(&body);
    assert_eq!(body["data"]["clearLoginThrottle"], true);
    assert_ok(&login_from(&app, "203.0.113.50", "ada@example.com", PASSWORD).await);
    assert_ok(&login_from(&app, home, "ada@example.com", PASSWORD).await);
    // Nothing left to forget; an unknown account is NOT_FOUND, a malformed id BAD_USER_INPUT.
    let body = app.gql(CLEAR, id, Some(&root.access)).await;
    assert_eq!(body["data"]["clearLoginThrottle"], false);
    let nobody = json!({ "id": uuid::Uuid::new_v4().to_string() });
    assert_code(
        &app.gql(CLEAR, nobody, Some(&root.access)).await,
        "NOT_FOUND",
    );
    let malformed = json!({ "id": "not-an-id" });
    assert_code(
        &app.gql(CLEAR, malformed, Some(&root.access)).await,
        "BAD_USER_INPUT",
    );
}

/// Any session opened proves the address: the one a registration came from is known too.
async fn the_address_an_account_registered_from_is_known(app: TestApp, _mail: MailServer) {
    let input = json!({ "input": { "email": "ada@example.com", "password": PASSWORD } });
    assert_ok(&app.gql_from("192.0.2.20", REGISTER, input).await);
    for n in 0..20 {
        for _ in 0..5 {
            let attacker = format!("198.51.100.{n}");
            login_from(&app, &attacker, "ada@example.com", WRONG).await;
        }
    }
    let body = login_from(&app, "198.51.100.99", "ada@example.com", PASSWORD).await;
    assert_code(&body, "TOO_MANY_REQUESTS");
    assert_ok(&login_from(&app, "192.0.2.20", "ada@example.com", PASSWORD).await);
}

per_backend!(mail, addresses; a_flood_of_failures_cannot_lock_the_owner_out,
    the_address_an_account_registered_from_is_known,
);
