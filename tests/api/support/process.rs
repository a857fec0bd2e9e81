//! The real `roster` binary as a child process, for what only a process can show (a SIGKILL in
//! the middle of writes, a database that goes away under it, what it logs and refuses at
//! start): started with its settings in the environment (`Launch`), its addresses read from
//! its log, its stderr collected as it comes so the pipe never fills, and killed and reaped
//! when dropped, also after a panic. It stops only the child it started.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{oneshot, watch};

use super::documents::REGISTER;
use super::{PASSWORD, assert_ok};

/// How long the binary may take to migrate a fresh database and start listening.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// Longer than Roster's own request timeout (10 s), so a 408 can arrive.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// A client for a server on loopback: never through a proxy from the environment.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("BUG: a plain client builds")
}

/// A configured secret (at least 32 bytes), so a run never generates and stores its own.
const JWT_SECRET: &str = "fault-tests-jwt-secret-of-at-least-32-bytes";

/// What the binary logs once it listens, followed by its address.
const LISTENING: &str = "Roster listening on http://";

/// What the binary logs once its management listener is bound (before `LISTENING`).
const MANAGEMENT_LISTENING: &str = "management listening on http://";

/// How the binary is started: `roster serve` in an empty working directory with a cleared
/// environment holding only these settings, so nothing from the test's environment or a
/// `.env` file counts.
pub struct Launch {
    env: BTreeMap<String, String>,
}

impl Launch {
    /// On `database_url` (migrating it), on free loopback ports for both listeners, with a
    /// configured JWT secret and the per-address rate limit off.
    pub fn new(database_url: &str) -> Launch {
        let env = [
            ("DATABASE_URL", database_url),
            ("ROSTER_BIND", "127.0.0.1:0"),
            ("ROSTER_MANAGEMENT_BIND", "127.0.0.1:0"),
            ("ROSTER_RATE_LIMIT", "0"),
            ("ROSTER_LOG", "info"),
            ("ROSTER_JWT_SECRET", JWT_SECRET),
            ("NO_COLOR", "1"),
        ];
        Launch {
            env: env
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
        }
    }

    /// With `name` set to `value`.
    pub fn set(mut self, name: &str, value: &str) -> Launch {
        self.env.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Without `name`, so its default (or another way to give it) applies.
    pub fn unset(mut self, name: &str) -> Launch {
        self.env.remove(name);
        self
    }

    fn command(&self, working_dir: &std::path::Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
        command
            .arg("serve")
            .env_clear()
            .current_dir(working_dir)
            .envs(&self.env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    }

    /// Runs the binary, which must refuse to start: its exit status and everything it logged.
    /// Panics if it is still running after `STARTUP_TIMEOUT` (it is killed then).
    pub async fn refused(self) -> (ExitStatus, String) {
        let working_dir = tempfile::tempdir().expect("temp dir");
        let mut command = tokio::process::Command::from(self.command(working_dir.path()));
        command.kill_on_drop(true);
        let output = tokio::time::timeout(STARTUP_TIMEOUT, command.output())
            .await
            .unwrap_or_else(|_| panic!("roster was still running after {STARTUP_TIMEOUT:?}"))
            .expect("run the roster binary");
        (
            output.status,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Starts the binary; returns once it listens.
    pub async fn start(self) -> RosterProcess {
        let working_dir = tempfile::tempdir().expect("temp dir");
        let mut child = self
            .command(working_dir.path())
            .spawn()
            .expect("start the roster binary");
        let stderr = child.stderr.take().expect("BUG: stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (listening, address) = oneshot::channel();
        let (lines, lines_seen) = watch::channel(0);
        let reader = std::thread::spawn({
            let log = log.clone();
            move || collect(stderr, &log, listening, &lines)
        });
        // Owned from here on, so a failed start below still kills the child.
        let mut process = RosterProcess {
            address: String::new(),
            management_address: None,
            child,
            log,
            lines: lines_seen,
            reader: Some(reader),
            _working_dir: working_dir,
        };
        match tokio::time::timeout(STARTUP_TIMEOUT, address).await {
            Ok(Ok(address)) => {
                process.address = format!("http://{address}");
                // Logged before the public address, so already read.
                process.management_address = process
                    .log()
                    .iter()
                    .find_map(|line| address_after(line, MANAGEMENT_LISTENING))
                    .map(|address| format!("http://{address}"));
            }
            Ok(Err(_)) => panic!(
                "roster exited before listening; its log:\n{}",
                process.log().join("\n")
            ),
            Err(_) => panic!(
                "roster did not listen within {STARTUP_TIMEOUT:?}; its log:\n{}",
                process.log().join("\n")
            ),
        }
        process
    }
}

/// A running `roster serve`; dropping it kills and reaps the child.
pub struct RosterProcess {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The management listener's `http://127.0.0.1:PORT`, when it is bound.
    pub management_address: Option<String>,
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    /// How many lines the log holds, changed as each arrives.
    lines: watch::Receiver<usize>,
    reader: Option<JoinHandle<()>>,
    _working_dir: tempfile::TempDir,
}

impl RosterProcess {
    /// Starts the binary as `Launch::new` says; returns once it listens.
    pub async fn start(database_url: &str) -> RosterProcess {
        Launch::new(database_url).start().await
    }

    /// `start`, with these settings added to its environment.
    pub async fn start_with(database_url: &str, settings: &[(&str, &str)]) -> RosterProcess {
        settings
            .iter()
            .fold(Launch::new(database_url), |launch, (name, value)| {
                launch.set(name, value)
            })
            .start()
            .await
    }

    /// POSTs a GraphQL request to the public listener; returns the JSON body (asserting HTTP
    /// 200).
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let response = client()
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200);
        response.json().await.expect("JSON body")
    }

    /// `gql` with `token` as the bearer.
    pub async fn gql_as(&self, query: &str, variables: Value, token: &str) -> Value {
        let response = client()
            .post(format!("{}/graphql", self.address))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200);
        response.json().await.expect("JSON body")
    }

    /// Registers `email` with the standard password; returns the access token.
    pub async fn register(&self, email: &str) -> String {
        let body = self
            .gql(
                REGISTER,
                json!({ "input": { "email": email, "password": PASSWORD } }),
            )
            .await;
        assert_ok(&body);
        body["data"]["register"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("register failed: {body}"))
            .to_owned()
    }

    /// SIGKILL: no graceful shutdown, nothing flushed. Then reaps the child and reads the rest
    /// of its log. Does nothing more once the child is gone.
    pub fn kill(&mut self) {
        // An error only says the child had exited already; it is reaped just the same.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            // The pipe is at its end now that the child is gone.
            let _ = reader.join();
        }
    }

    /// Every line the child wrote to stderr so far.
    pub fn log(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The first line of the log that holds `text`, waiting up to `within` for it to be
    /// written; panics with the log when none does.
    pub async fn line_with(&self, text: &str, within: Duration) -> String {
        let mut lines = self.lines.clone();
        let found = tokio::time::timeout(within, async {
            loop {
                lines.borrow_and_update();
                if let Some(line) = self.log().into_iter().find(|line| line.contains(text)) {
                    return Some(line);
                }
                // An error: the child closed its stderr, so no line will come.
                if lines.changed().await.is_err() {
                    return None;
                }
            }
        })
        .await;
        found.ok().flatten().unwrap_or_else(|| {
            panic!(
                "no line with {text:?} within {within:?}; the log:\n{}",
                self.log().join("\n")
            )
        })
    }

    /// Asserts that no line of the log reports a panic.
    #[track_caller]
    pub fn assert_no_panic(&self) {
        let log = self.log();
        assert!(
            !log.iter().any(|line| line.contains("panicked")),
            "roster panicked; its log:\n{}",
            log.join("\n")
        );
    }
}

impl Drop for RosterProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Appends each line of `stderr` to `log` until the child closes it, counting them in
/// `lines`, and sends the address once the child says it listens.
fn collect(
    stderr: ChildStderr,
    log: &Mutex<Vec<String>>,
    listening: oneshot::Sender<SocketAddr>,
    lines: &watch::Sender<usize>,
) {
    let mut listening = Some(listening);
    for line in BufReader::new(stderr).split(b'\n') {
        let Ok(line) = line else { break };
        let line = String::from_utf8_lossy(&line).into_owned();
        let address = address_after(&line, LISTENING);
        let count = {
            let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
            log.push(line);
            log.len()
        };
        lines.send_replace(count);
        if let Some(address) = address
            && let Some(listening) = listening.take()
        {
            let _ = listening.send(address);
        }
    }
}

/// The address after `announcement` in a line such as `Roster listening on
/// http://127.0.0.1:PORT (GraphiQL at ...)`.
fn address_after(line: &str, announcement: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once(announcement)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// What a one-shot command (`roster keys list`, ...) printed and how it ended.
pub struct CommandOutput {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `roster ARGS` on `database_url` with a cleared environment holding only `settings`
/// (and `NO_COLOR`), in an empty working directory; panics after `STARTUP_TIMEOUT`.
pub async fn run_command(
    database_url: &str,
    args: &[&str],
    settings: &[(&str, &str)],
) -> CommandOutput {
    let working_dir = tempfile::tempdir().expect("temp dir");
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_roster"));
    command
        .args(args)
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("NO_COLOR", "1")
        .envs(settings.iter().copied())
        .current_dir(working_dir.path())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(STARTUP_TIMEOUT, command.output())
        .await
        .unwrap_or_else(|_| panic!("roster {args:?} still ran after {STARTUP_TIMEOUT:?}"))
        .expect("run the roster binary");
    CommandOutput {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
