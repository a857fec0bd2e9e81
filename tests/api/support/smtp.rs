//! A real SMTP server on loopback for the mail tests: `mailin`'s protocol engine (EHLO, AUTH
//! PLAIN/LOGIN, MAIL, RCPT, DATA) over tokio sockets, keeping every message it accepts. The
//! messages are parsed with `mail-parser`, so tests read subjects, bodies and links as a mail
//! client would.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mailin::{Action, AuthMechanism, Handler, Response, SessionBuilder, response};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// The public URL a server sending through a `MailServer` puts in its links
/// (`per_backend!`'s `mail` option).
pub const PUBLIC_URL: &str = "https://accounts.example.test";

/// How long `wait_for` waits for mail before failing the test.
const MAIL_TIMEOUT: Duration = Duration::from_secs(20);

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The credentials the client authenticated with, if any.
    pub login: Option<(String, String)>,
    pub raw: Vec<u8>,
}

impl Received {
    fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("Roster sends parseable mail")
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The `From` header as written.
    pub fn sender(&self) -> String {
        let parsed = self.parsed();
        let from = parsed
            .from()
            .and_then(|a| a.first())
            .expect("a From header");
        match from.name() {
            Some(name) => format!("{name} <{}>", from.address().unwrap_or_default()),
            None => from.address().unwrap_or_default().to_owned(),
        }
    }

    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .expect("a plain-text part")
            .into_owned()
    }

    pub fn html(&self) -> String {
        self.parsed()
            .body_html(0)
            .expect("an HTML part")
            .into_owned()
    }

    /// The token of the link to `{base}/{path}?token=` in the plain-text part.
    pub fn token(&self, path: &str) -> String {
        let text = self.text();
        let marker = format!("/{path}?token=");
        let start = text
            .find(&marker)
            .unwrap_or_else(|| panic!("no /{path} link in:\n{text}"))
            + marker.len();
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }

    /// The link itself, up to the end of its line.
    pub fn link(&self, path: &str) -> String {
        let text = self.text();
        text.lines()
            .find(|line| line.contains(&format!("/{path}?token=")))
            .unwrap_or_else(|| panic!("no /{path} link in:\n{text}"))
            .trim()
            .to_owned()
    }
}

#[derive(Default)]
struct Inbox {
    messages: Mutex<Vec<Received>>,
    arrived: Notify,
}

/// The server; stops when dropped.
pub struct MailServer {
    pub address: SocketAddr,
    inbox: Arc<Inbox>,
    accepting: JoinHandle<()>,
}

impl MailServer {
    /// A server without authentication, for `?tls=none` relays.
    pub async fn start() -> MailServer {
        Self::start_on("127.0.0.1:0".parse().unwrap(), None).await
    }

    /// A server that requires AUTH with this user and password.
    pub async fn start_with_login(user: &str, password: &str) -> MailServer {
        let login = Some((user.to_owned(), password.to_owned()));
        Self::start_on("127.0.0.1:0".parse().unwrap(), login).await
    }

    async fn start_on(address: SocketAddr, login: Option<(String, String)>) -> MailServer {
        let listener = TcpListener::bind(address)
            .await
            .expect("bind SMTP on loopback");
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let inbox = Arc::new(Inbox::default());
        let accepting = tokio::spawn(accept(listener, inbox.clone(), login));
        MailServer {
            address,
            inbox,
            accepting,
        }
    }

    /// `ROSTER_SMTP_URL` for a plain connection to this server.
    pub fn url(&self) -> String {
        format!("smtp://{}?tls=none", self.address)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.inbox
            .messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Messages to `recipient` so far.
    pub fn to(&self, recipient: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|to| to == recipient))
            .collect()
    }

    /// Waits until `count` messages have arrived to `recipient` (failing the test after
    /// `MAIL_TIMEOUT`), and returns them, oldest first.
    pub async fn wait_for(&self, recipient: &str, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + MAIL_TIMEOUT;
        loop {
            let arrived = self.inbox.arrived.notified();
            let mails = self.to(recipient);
            if mails.len() >= count {
                return mails;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "expected {count} mail(s) to {recipient} within {MAIL_TIMEOUT:?}, got {}: {:?}",
                    mails.len(),
                    self.received()
                        .iter()
                        .map(|m| (&m.to, m.subject()))
                        .collect::<Vec<_>>()
                );
            }
        }
    }

    /// The one mail to `recipient` with a subject containing `subject`, waiting for it.
    pub async fn one(&self, recipient: &str, subject: &str) -> Received {
        let deadline = tokio::time::Instant::now() + MAIL_TIMEOUT;
        loop {
            let arrived = self.inbox.arrived.notified();
            let mut matching: Vec<Received> = self
                .to(recipient)
                .into_iter()
                .filter(|m| m.subject().contains(subject))
                .collect();
            match matching.len() {
                1 => return matching.remove(0),
                0 => {}
                n => panic!("expected one \"{subject}\" mail to {recipient}, got {n}"),
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!("no \"{subject}\" mail to {recipient} within {MAIL_TIMEOUT:?}");
            }
        }
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

async fn accept(listener: TcpListener, inbox: Arc<Inbox>, login: Option<(String, String)>) {
    let mut builder = SessionBuilder::new("roster-test-smtp");
    if login.is_some() {
        builder
            .enable_auth(AuthMechanism::Plain)
            .enable_auth(AuthMechanism::Login)
            .insecure_enable_plaintext_auth();
    }
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let handler = Collector {
            inbox: inbox.clone(),
            login: login.clone(),
            authenticated: None,
            current: None,
        };
        let session = builder.build(peer.ip(), handler);
        connections.spawn(converse(stream, session));
    }
}

/// One SMTP conversation.
async fn converse(stream: tokio::net::TcpStream, mut session: mailin::Session<Collector>) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let greeting = session.greeting().buffer().expect("write to memory");
    if write.write_all(&greeting).await.is_err() {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        match read.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let reply = session.process(&line);
        if reply.action != Action::NoReply {
            let bytes = reply.buffer().expect("write to memory");
            if write.write_all(&bytes).await.is_err() {
                return;
            }
        }
        if reply.action == Action::Close {
            return;
        }
    }
}

struct Collector {
    inbox: Arc<Inbox>,
    /// The credentials the server requires, if any.
    login: Option<(String, String)>,
    authenticated: Option<(String, String)>,
    current: Option<Received>,
}

impl Collector {
    fn check(&mut self, user: &str, password: &str) -> Response {
        let given = (user.to_owned(), password.to_owned());
        if self.login.as_ref() == Some(&given) {
            self.authenticated = Some(given);
            response::AUTH_OK
        } else {
            response::INVALID_CREDENTIALS
        }
    }
}

impl Handler for Collector {
    fn mail(&mut self, _ip: std::net::IpAddr, _domain: &str, from: &str) -> Response {
        if self.login.is_some() && self.authenticated.is_none() {
            return response::AUTHENTICATION_REQUIRED;
        }
        self.current = Some(Received {
            from: from.to_owned(),
            to: Vec::new(),
            login: self.authenticated.clone(),
            raw: Vec::new(),
        });
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        if let Some(current) = &mut self.current {
            current.to.push(to.to_owned());
        }
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(current) = &mut self.current {
            current.raw.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(message) = self.current.take() {
            self.inbox
                .messages
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(message);
            self.inbox.arrived.notify_waiters();
        }
        response::OK
    }

    fn auth_plain(&mut self, _authorization_id: &str, user: &str, password: &str) -> Response {
        self.check(user, password)
    }

    fn auth_login(&mut self, user: &str, password: &str) -> Response {
        self.check(user, password)
    }
}
