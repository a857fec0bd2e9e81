//! Ceremonies live in the database: one started on a replica finishes on another. Two `roster`
//! processes on one database, behind one public URL as a load balancer would put them, with
//! the same passkey origin.

use serde_json::json;

use super::{FINISH_REGISTRATION, FINISH_SIGN_IN, START_REGISTRATION, START_SIGN_IN, ceremony};
use crate::mfa::{REAUTHENTICATE, assert_refused};
use crate::support::database::{TestDatabase, available};
use crate::support::process::{Launch, RosterProcess};
use crate::support::webauthn::Authenticator;
use crate::support::{Backend, PASSWORD, assert_ok};

/// Where the load balancer in front of both replicas is reached.
const PUBLIC_URL: &str = "http://localhost:8443";

async fn replica(database: &TestDatabase) -> RosterProcess {
    Launch::new(&database.url())
        .set("ROSTER_PUBLIC_URL", PUBLIC_URL)
        .start()
        .await
}

async fn a_ceremony_started_on_one_replica_finishes_on_another(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let one = replica(&database).await;
    let two = replica(&database).await;
    let mut device = Authenticator::new(PUBLIC_URL);
    let token = one.register("ada@example.com").await;
    let proof = json!({ "input": { "password": PASSWORD } });
    assert_ok(&one.gql_as(REAUTHENTICATE, proof, &token).await);

    let started = ceremony(
        &one.gql_as(START_REGISTRATION, json!({}), &token).await,
        "startPasskeyRegistration",
    );
    let credential = device.create(&started.options);
    let variables = json!({ "id": started.id, "credential": credential });
    assert_ok(&two.gql_as(FINISH_REGISTRATION, variables, &token).await);

    let started = ceremony(
        &two.gql(START_SIGN_IN, json!({})).await,
        "startPasskeySignIn",
    );
    let answer = device.get(&started.options);
    let variables = json!({ "id": started.id, "credential": answer });
    let body = one.gql(FINISH_SIGN_IN, variables.clone()).await;
    assert_ok(&body);
    assert_eq!(
        body["data"]["finishPasskeySignIn"]["session"]["assuranceLevel"],
        "AAL2"
    );
    // Spent on one, it is spent on the other.
    let replayed = two.gql(FINISH_SIGN_IN, variables).await;
    assert_refused(&replayed, "UNAUTHENTICATED", "CHALLENGE_EXPIRED");
    one.assert_no_panic();
    two.assert_no_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    a_ceremony_started_on_one_replica_finishes_on_another(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    if available(Backend::Postgres, module_path!()) {
        a_ceremony_started_on_one_replica_finishes_on_another(Backend::Postgres).await;
    }
}
