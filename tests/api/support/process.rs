//! The real `roster` binary as a child process, for what only a process can show (a SIGKILL in
//! the middle of writes, a database that goes away under it): started with its settings in the
//! environment, its address read from its log, its stderr collected as it comes so the pipe
//! never fills, and killed and reaped when dropped, also after a panic. It stops only the
//! child it started.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

/// How long the binary may take to migrate a fresh database and start listening.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// A configured secret (at least 32 bytes), so a run never generates and stores its own.
const JWT_SECRET: &str = "fault-tests-jwt-secret-of-at-least-32-bytes";

/// What the binary logs once it listens, followed by its address.
const LISTENING: &str = "Roster listening on http://";

/// A running `roster serve`; dropping it kills and reaps the child.
pub struct RosterProcess {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
    _working_dir: tempfile::TempDir,
}

impl RosterProcess {
    /// Starts the binary on `database_url` (migrating it), on a free loopback port, with the
    /// per-address rate limit off; returns once it listens.
    pub async fn start(database_url: &str) -> RosterProcess {
        Self::start_with(database_url, &[]).await
    }

    /// `start`, with these settings added to its environment.
    pub async fn start_with(database_url: &str, settings: &[(&str, &str)]) -> RosterProcess {
        // An empty working directory and a cleared environment: only the settings below count,
        // nothing from the test's environment or a `.env` file.
        let working_dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
            .arg("serve")
            .env_clear()
            .current_dir(working_dir.path())
            .env("DATABASE_URL", database_url)
            .env("ROSTER_BIND", "127.0.0.1:0")
            .env("ROSTER_RATE_LIMIT", "0")
            .env("ROSTER_LOG", "info")
            .env("ROSTER_JWT_SECRET", JWT_SECRET)
            .env("NO_COLOR", "1")
            .envs(settings.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the roster binary");
        let stderr = child.stderr.take().expect("BUG: stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (listening, address) = oneshot::channel();
        let reader = std::thread::spawn({
            let log = log.clone();
            move || collect(stderr, &log, listening)
        });
        // Owned from here on, so a failed start below still kills the child.
        let mut process = RosterProcess {
            address: String::new(),
            child,
            log,
            reader: Some(reader),
            _working_dir: working_dir,
        };
        match tokio::time::timeout(STARTUP_TIMEOUT, address).await {
            Ok(Ok(address)) => process.address = format!("http://{address}"),
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

/// Appends each line of `stderr` to `log` until the child closes it, and sends the address
/// once the child says it listens.
fn collect(stderr: ChildStderr, log: &Mutex<Vec<String>>, listening: oneshot::Sender<SocketAddr>) {
    let mut listening = Some(listening);
    for line in BufReader::new(stderr).split(b'\n') {
        let Ok(line) = line else { break };
        let line = String::from_utf8_lossy(&line).into_owned();
        let address = listening_address(&line);
        log.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
        if let Some(address) = address
            && let Some(listening) = listening.take()
        {
            let _ = listening.send(address);
        }
    }
}

/// The address in `Roster listening on http://127.0.0.1:PORT (GraphiQL at ...)`.
fn listening_address(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once(LISTENING)?;
    rest.split_whitespace().next()?.parse().ok()
}
