//! What an operator reads: request ids (in the `X-Request-Id` header, in the request's log
//! lines, in `extensions.requestId` of an internal error) and JSON logs.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::faults::{TestDatabase, client};
use crate::support::process::RosterProcess;
use crate::support::{Backend, TestApp, assert_code, trusting_loopback};

const REQUEST_ID: &str = "x-request-id";

async fn typename(app: &TestApp, request_id: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "{ __typename }" }));
    if let Some(id) = request_id {
        request = request.header(REQUEST_ID, id);
    }
    request.send().await.expect("request sent")
}

fn id_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(REQUEST_ID)
        .expect("every answer carries X-Request-Id")
        .to_str()
        .unwrap()
        .to_owned()
}

both!(
    every_answer_carries_a_request_id_of_its_own,
    an_internal_error_names_its_request,
);

async fn every_answer_carries_a_request_id_of_its_own(app: TestApp) {
    let first = id_of(&typename(&app, None).await);
    let second = id_of(&typename(&app, None).await);
    assert!(uuid::Uuid::parse_str(&first).is_ok(), "{first}");
    assert_ne!(first, second);
    // A client cannot choose the id its request is logged under.
    let chosen = id_of(&typename(&app, Some("i-am-someone-else")).await);
    assert_ne!(chosen, "i-am-someone-else");
    assert!(uuid::Uuid::parse_str(&chosen).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_proxy_s_request_id_is_kept() {
    let app = TestApp::spawn_with(Backend::Sqlite, trusting_loopback)
        .await
        .unwrap();
    let kept = id_of(&typename(&app, Some("lb-7f3a9c")).await);
    assert_eq!(kept, "lb-7f3a9c");
    // Not a short line of visible characters: replaced even from a trusted proxy.
    let long = "x".repeat(500);
    let replaced = id_of(&typename(&app, Some(&long)).await);
    assert!(uuid::Uuid::parse_str(&replaced).is_ok());
}

async fn an_internal_error_names_its_request(app: TestApp) {
    let admin = app.admin("root@example.com").await;
    // A database that lost a table: every read of it fails inside the server.
    let drop = match app.backend {
        Backend::Sqlite => "DROP TABLE group_permissions",
        Backend::Postgres => "DROP TABLE group_permissions CASCADE",
    };
    app.db().execute_unprepared(drop).await.unwrap();
    app.db()
        .execute_unprepared(match app.backend {
            Backend::Sqlite => "DROP TABLE groups",
            Backend::Postgres => "DROP TABLE groups CASCADE",
        })
        .await
        .unwrap();
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&admin.access)
        .json(&json!({ "query": "{ groups { totalCount } }" }))
        .send()
        .await
        .unwrap();
    let id = id_of(&response);
    let body: Value = response.json().await.unwrap();
    assert_code(&body, "INTERNAL_SERVER_ERROR");
    assert_eq!(
        body["errors"][0]["extensions"]["requestId"],
        id.as_str(),
        "{body}"
    );
    // Nothing of the cause reaches the client.
    assert_eq!(body["errors"][0]["message"], "internal error");
    assert!(!body.to_string().contains("groups\" does not exist"));
    assert!(!body.to_string().to_lowercase().contains("no such table"));
}

/// `ROSTER_LOG_FORMAT=json`: every line is one JSON object, and a request's lines carry its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_parse_line_by_line_and_carry_the_request_id() {
    let database = TestDatabase::create(Backend::Sqlite).await.unwrap();
    let roster = RosterProcess::start_with(&database.url(), &[("ROSTER_LOG_FORMAT", "json")]).await;
    let response = client()
        .post(format!("{}/graphql", roster.address))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    let id = response.headers()[REQUEST_ID].to_str().unwrap().to_owned();
    let mut request_line = None;
    for _ in 0..200 {
        request_line = roster.log().into_iter().find(|line| line.contains(&id));
        if request_line.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let log = roster.log();
    for line in &log {
        let parsed: Result<Value, _> = serde_json::from_str(line);
        assert!(parsed.is_ok(), "not one JSON object: {line}");
    }
    let line: Value =
        serde_json::from_str(&request_line.expect("a log line of the request")).unwrap();
    assert_eq!(line["level"], "INFO", "{line}");
    assert_eq!(line["span"]["request_id"], id.as_str(), "{line}");
    assert_eq!(line["span"]["path"], "/graphql", "{line}");
    roster.assert_no_panic();
}
