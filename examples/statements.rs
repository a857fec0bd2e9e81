//! SQL statements per request, for `bench/run.py`: serves Roster in-process on the benchmark's
//! database (`BENCH_DATABASE_URL`) with a counter on every statement, sends each scenario of
//! the JSON file named on the command line a few times, and prints one line per scenario:
//!
//!     STATEMENTS <scenario> <statements per request>
//!
//! A scenario is `{"name", "query", "variables", "token"}`, `token` naming a login from
//! `"logins"` (or null). A variable whose value is `"$FRESH_REFRESH_TOKEN"` gets the refresh
//! token of a new login (not counted); `"$UNIQUE_EMAIL"` a new address each time. With
//! `BENCH_PRINT_SQL=1` every statement is printed to stderr with its time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use roster::config::{Secret, Settings};
use serde_json::{Value, json};

const ROUNDS: usize = 5;
const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }";

#[tokio::main]
async fn main() {
    let plan_path = std::env::args()
        .nth(1)
        .expect("usage: statements PLAN.json");
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&plan_path).expect("plan"))
        .expect("the plan is JSON");
    let mut settings = Settings::defaults();
    settings.database_url = Some(Secret::new(
        std::env::var("BENCH_DATABASE_URL").expect("BENCH_DATABASE_URL"),
    ));
    settings.rate_limit = 0;
    settings.log = "warn".into();
    let mut db = roster::app::connect(&settings).await.expect("connect");
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    // `BENCH_PRINT_SQL=1` prints each statement with its time, for `EXPLAIN`.
    let print = std::env::var_os("BENCH_PRINT_SQL").is_some();
    db.set_metric_callback(move |info| {
        counter.fetch_add(1, Ordering::SeqCst);
        if print {
            eprintln!("SQL {:?} {}", info.elapsed, info.statement);
        }
    });
    let state = roster::app::state(db, &settings).await.expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let listeners = roster::app::Listeners {
            public: listener,
            management: None,
        };
        roster::app::serve(listeners, state, &settings, std::future::pending())
            .await
            .ok();
    });
    let client = reqwest::Client::new();

    let password = plan["password"].as_str().expect("password");
    let mut tokens = std::collections::HashMap::new();
    for (name, login) in plan["logins"].as_object().expect("logins") {
        let body = post(
            &client,
            &url,
            LOGIN,
            json!({ "i": { "login": login, "password": password } }),
            None,
        )
        .await;
        tokens.insert(
            name.clone(),
            body["data"]["login"]["accessToken"]
                .as_str()
                .expect("login")
                .to_owned(),
        );
    }
    let mut unique = 0;
    for scenario in plan["scenarios"].as_array().expect("scenarios") {
        let mut counted = 0;
        for _ in 0..ROUNDS {
            let mut variables = scenario["variables"].clone();
            if let Some(object) = variables.as_object_mut() {
                for value in object.values_mut() {
                    fill(value, &client, &url, &plan, &mut unique).await;
                }
            }
            let token = scenario["token"].as_str().map(|name| tokens[name].as_str());
            let before = statements.load(Ordering::SeqCst);
            let body = post(
                &client,
                &url,
                scenario["query"].as_str().unwrap(),
                variables,
                token,
            )
            .await;
            counted += statements.load(Ordering::SeqCst) - before;
            assert!(body.get("errors").is_none(), "{}: {body}", scenario["name"]);
        }
        println!(
            "STATEMENTS {} {:.1}",
            scenario["name"].as_str().unwrap(),
            counted as f64 / ROUNDS as f64
        );
    }
}

/// Replaces the placeholders in one variable (and in the objects it holds).
async fn fill(
    value: &mut Value,
    client: &reqwest::Client,
    url: &str,
    plan: &Value,
    unique: &mut usize,
) {
    match value {
        Value::String(text) if text == "$FRESH_REFRESH_TOKEN" => {
            let login =
                json!({ "i": { "login": plan["logins"]["user"], "password": plan["password"] } });
            let body = post(client, url, LOGIN, login, None).await;
            *value = body["data"]["login"]["refreshToken"].clone();
        }
        Value::String(text) if text == "$UNIQUE_EMAIL" => {
            *unique += 1;
            *value = json!(format!(
                "statements-{}-{unique}@bench.local",
                std::process::id()
            ));
        }
        Value::Object(object) => {
            for inner in object.values_mut() {
                Box::pin(fill(inner, client, url, plan, unique)).await;
            }
        }
        _ => {}
    }
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    query: &str,
    variables: Value,
    token: Option<&str>,
) -> Value {
    let mut request = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON")
}
