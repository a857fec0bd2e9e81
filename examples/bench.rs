//! A small benchmark: starts Roster in-process on a temporary SQLite file (or on
//! `BENCH_DATABASE_URL`, a PostgreSQL database it may write to) on a loopback port, drives it
//! over HTTP, and prints latencies and memory. Bounded: a fixed number of requests per phase.
//!
//!     cargo run --release --example bench
//!
//! Numbers, not assertions: compare runs on the same machine.

use std::time::{Duration, Instant};

use roster::config::{Secret, Settings};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";
const USERS: usize = 100;
const REQUESTS: usize = 400;
const CONCURRENCY: usize = 8;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::defaults();
    settings.database_url = Secret::new(std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    }));
    settings.rate_limit = 0;
    let state = roster::app::build(&settings).await.expect("start");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}/graphql", listener.local_addr().unwrap());
    let server_state = state.clone();
    let server_settings = settings.clone();
    tokio::spawn(async move {
        roster::app::serve(
            listener,
            server_state,
            &server_settings,
            std::future::pending(),
        )
        .await
        .ok();
    });
    let client = reqwest::Client::new();
    println!(
        "Roster benchmark: {USERS} users, {REQUESTS} requests per phase, {CONCURRENCY} concurrent clients, loopback"
    );

    let started = Instant::now();
    let mut tokens = Vec::new();
    for n in 0..USERS {
        let body = gql(
            &client,
            &base,
            "mutation($i: RegisterInput!) { register(input: $i) { accessToken refreshToken } }",
            json!({ "i": { "email": format!("user{n}@example.com"), "password": PASSWORD } }),
            None,
        )
        .await;
        tokens.push(
            body["data"]["register"]["accessToken"]
                .as_str()
                .expect("registered")
                .to_owned(),
        );
    }
    let per = started.elapsed() / USERS as u32;
    println!("register (sequential)         {:>8.1} ms each", ms(per));
    roster::services::users::create_superuser(&state, "admin@example.com", Some(PASSWORD))
        .await
        .ok();

    let login = |n: usize| {
        (
            "mutation($i: LoginInput!) { login(input: $i) { accessToken } }".to_owned(),
            json!({ "i": { "login": format!("user{}@example.com", n % USERS), "password": PASSWORD } }),
            None::<String>,
        )
    };
    report(
        "login (argon2id verify)",
        run(&client, &base, REQUESTS / 4, login).await,
    );

    let me = |n: usize| {
        (
            "{ me { id email groups { name } } }".to_owned(),
            json!({}),
            Some(tokens[n % USERS].clone()),
        )
    };
    report(
        "me (session check + user)",
        run(&client, &base, REQUESTS, me).await,
    );

    let admin = gql(
        &client,
        &base,
        "mutation { login(input: { login: \"admin@example.com\", password: \"correct horse battery staple\" }) { accessToken } }",
        json!({}),
        None,
    )
    .await["data"]["login"]["accessToken"]
        .as_str()
        .expect("admin login")
        .to_owned();
    let nested = |_| {
        (
            "{ users(first: 100) { totalCount nodes { email groups { permissions { codename } } permissions { codename } } } }".to_owned(),
            json!({}),
            Some(admin.clone()),
        )
    };
    report(
        "users(first: 100) nested",
        run(&client, &base, REQUESTS / 4, nested).await,
    );

    if let Some(peak) = peak_rss_kib() {
        println!(
            "peak resident memory          {:>8.1} MiB",
            peak as f64 / 1024.0
        );
    }
}

async fn gql(
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
    let body: Value = request
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body
}

/// Runs `count` requests built by `make`, `CONCURRENCY` at a time; returns each latency.
async fn run(
    client: &reqwest::Client,
    url: &str,
    count: usize,
    make: impl Fn(usize) -> (String, Value, Option<String>),
) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(CONCURRENCY) {
        let batch = chunk.iter().map(|&n| {
            let (query, variables, token) = make(n);
            let client = client.clone();
            let url = url.to_owned();
            tokio::spawn(async move {
                let t = Instant::now();
                gql(&client, &url, &query, variables, token.as_deref()).await;
                t.elapsed()
            })
        });
        for handle in batch.collect::<Vec<_>>() {
            latencies.push(handle.await.expect("request task"));
        }
    }
    (latencies, started.elapsed())
}

fn report(name: &str, (mut latencies, total): (Vec<Duration>, Duration)) {
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{name:<29} p50 {:>7.2} ms  p95 {:>7.2} ms  {:>7.0} req/s",
        ms(at(0.5)),
        ms(at(0.95)),
        latencies.len() as f64 / total.as_secs_f64()
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
