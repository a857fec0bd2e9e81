//! A real OpenID Provider for the tests of sign-in with identity providers, and a browser
//! without a window to go through it.
//!
//! `OidcProvider` runs `tests/oidc-provider/provider.mjs` (the certified `oidc-provider`
//! package, installed by `npm ci` once per test process) as a child process on a loopback port
//! of its own: killed when dropped, and gone by itself when this process dies, since it exits
//! when its stdin closes. Without Node.js the tests that need it say `skipped:` and pass, as
//! the PostgreSQL variants do without a database.
//!
//! `sign_in_at_provider` does what a person's browser does between `authorizationUrl` and
//! Roster's answer: it follows the redirects by hand, keeps the cookies each host sets, fills
//! the provider's login form, and stops at the `303` of Roster's callback
//! (`{public-url}/oauth/{slug}/callback`), whose `Location` is the frontend's `redirectUri` with
//! `?code=` or `?error=`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use url::Url;

/// How long the provider may take to start (Node.js loads the package, makes two keys; on a
/// loaded 2-core machine, with other tests starting theirs, that once took over 20 s).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// More redirects than any sign-in takes (Roster, the provider's authorize and interaction
/// pages, back to authorize, Roster's callback): a loop shows as a failure, not a hang.
const MAX_STEPS: usize = 20;

/// A client registered at the provider (the relying party: Roster).
#[derive(Debug, Clone, Serialize)]
pub struct OidcClient {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    /// The algorithm of this client's ID tokens: the provider's default (RS256) when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token_signed_response_alg: Option<String>,
}

impl OidcClient {
    /// A client allowed to return to Roster's callback for provider `slug` on `roster` (the
    /// server's address, `http://127.0.0.1:PORT`).
    pub fn for_roster(client_id: &str, client_secret: &str, roster: &str, slug: &str) -> Self {
        OidcClient {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            redirect_uris: vec![format!("{roster}/oauth/{slug}/callback")],
            id_token_signed_response_alg: None,
        }
    }

    /// This client, with ID tokens signed with `alg` (`ES256`; the provider holds an RSA and a
    /// P-256 key).
    pub fn signing_id_tokens_with(self, alg: &str) -> Self {
        OidcClient {
            id_token_signed_response_alg: Some(alg.to_owned()),
            ..self
        }
    }
}

/// A person's account at the provider, and the claims it asserts about them.
#[derive(Debug, Clone, Serialize)]
pub struct OidcAccount {
    /// The subject: what Roster knows the identity by.
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
}

impl OidcAccount {
    pub fn new(sub: &str, email: &str, email_verified: bool) -> Self {
        OidcAccount {
            sub: sub.to_owned(),
            email: email.to_owned(),
            email_verified,
            name: format!("Person {sub}"),
        }
    }
}

/// A running provider; dropping it kills the process.
pub struct OidcProvider {
    /// `http://127.0.0.1:PORT`, as its discovery document names it.
    pub issuer: String,
    pub pid: u32,
    /// Holds its stdin open: the provider exits when that closes.
    child: Child,
    /// What it wrote to stderr so far, for the message of a failure.
    log: Arc<Mutex<String>>,
}

impl OidcProvider {
    /// Starts a provider with these clients and accounts (keyed by the login typed into its
    /// form); `None`, after saying the test is skipped, when Node.js is not installed.
    pub async fn start(clients: &[OidcClient], accounts: &[(&str, OidcAccount)]) -> Option<Self> {
        let directory = match installed() {
            Ok(directory) => directory,
            Err(NodeMissing) => {
                let test = std::thread::current()
                    .name()
                    .unwrap_or("this test")
                    .to_owned();
                let _ = writeln!(
                    std::io::stderr(),
                    "skipped: Node.js not found ({test} needs it for its OpenID Provider)"
                );
                return None;
            }
        };
        let accounts: BTreeMap<&str, &OidcAccount> = accounts
            .iter()
            .map(|(login, account)| (*login, account))
            .collect();
        let config = serde_json::json!({ "clients": clients, "accounts": accounts });
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(&directory)
            .env("OIDC_CONFIG", config.to_string())
            .env_remove("OIDC_PORT")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start node tests/oidc-provider/provider.mjs");
        let pid = child.id().expect("BUG: a child just spawned has a pid");
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("BUG: stderr is piped");
        tokio::spawn({
            let log = log.clone();
            async move {
                let mut chunk = [0u8; 4096];
                while let Ok(read) = stderr.read(&mut chunk).await {
                    if read == 0 {
                        break;
                    }
                    let text = String::from_utf8_lossy(&chunk[..read]);
                    log.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push_str(&text);
                }
            }
        });
        let stdout = child.stdout.take().expect("BUG: stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let announced = tokio::time::timeout(STARTUP_TIMEOUT, lines.next_line()).await;
        let mut provider = OidcProvider {
            issuer: String::new(),
            pid,
            child,
            log,
        };
        match announced {
            Ok(Ok(Some(line))) if line.starts_with("ISSUER http://127.0.0.1:") => {
                provider.issuer = line["ISSUER ".len()..].trim().to_owned();
            }
            Ok(other) => panic!(
                "the OpenID Provider did not announce its issuer ({other:?}); its log:\n{}",
                provider.log()
            ),
            Err(_) => panic!(
                "the OpenID Provider did not start within {STARTUP_TIMEOUT:?}; its log:\n{}",
                provider.log()
            ),
        }
        // Nothing more comes on stdout; read it anyway so the pipe never fills.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Some(provider)
    }

    /// Everything the provider wrote to stderr so far, under a line naming the process.
    pub fn log(&self) -> String {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        format!(
            "[OpenID Provider {} (pid {})]\n{log}",
            self.issuer, self.pid
        )
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        // SIGKILL to this child's pid; `kill_on_drop` would do it too, this says so.
        let _ = self.child.start_kill();
    }
}

/// Node.js or npm is not on the PATH.
#[derive(Debug, Clone, Copy)]
struct NodeMissing;

/// `tests/oidc-provider` with its packages installed (`npm ci`, once per test process, and
/// only when `package-lock.json` changed since the last install there).
fn installed() -> Result<PathBuf, NodeMissing> {
    static INSTALLED: OnceLock<Result<PathBuf, NodeMissing>> = OnceLock::new();
    INSTALLED.get_or_init(install).clone()
}

fn install() -> Result<PathBuf, NodeMissing> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider");
    for tool in ["node", "npm"] {
        let found = std::process::Command::new(tool)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !found {
            return Err(NodeMissing);
        }
    }
    let lock = std::fs::read(directory.join("package-lock.json"))
        .expect("tests/oidc-provider/package-lock.json is committed");
    // What the last `npm ci` here installed, kept inside node_modules (which `npm ci` empties).
    let stamp = directory.join("node_modules/.installed-package-lock.json");
    if std::fs::read(&stamp).is_ok_and(|installed| installed == lock) {
        return Ok(directory);
    }
    let output = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&directory)
        .stdin(Stdio::null())
        .output()
        .expect("run npm ci");
    assert!(
        output.status.success(),
        "npm ci in tests/oidc-provider failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(&stamp, &lock).expect("write the install stamp in node_modules");
    Ok(directory)
}

/// A PKCE pair as a frontend makes it (RFC 7636): a random verifier of 43 characters and its
/// S256 challenge.
pub fn pkce_pair() -> (String, String) {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).expect("the OS gives random bytes");
    let verifier = URL_SAFE_NO_PAD.encode(random);
    let challenge = pkce_challenge(&verifier);
    (verifier, challenge)
}

/// `BASE64URL(SHA-256(verifier))`, without padding.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[test]
fn the_rfc_7636_appendix_b_challenge() {
    assert_eq!(
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let (verifier, challenge) = pkce_pair();
    assert_eq!(verifier.len(), 43);
    assert_eq!(challenge, pkce_challenge(&verifier));
    assert_ne!(pkce_pair().0, verifier);
}

/// What the person does on the provider's login page.
#[derive(Debug, Clone, Copy)]
pub enum AtProvider<'a> {
    /// Types this login and presses "Sign in" (which also grants what Roster asked for).
    SignIn(&'a str),
    /// Presses "Cancel".
    Cancel,
}

/// Goes from `authorization_url` through the provider as a browser would, doing `action` on
/// its login page, and returns the `Location` of Roster's callback answer, which must be a
/// `303`: the frontend's `redirectUri` with `?code=` or `?error=`. `provider` is only read for
/// the message of a failure.
pub async fn sign_in_at_provider(
    provider: &OidcProvider,
    authorization_url: &str,
    action: AtProvider<'_>,
) -> Url {
    let mut browser = Browser::new();
    let mut request = Step::Get(parse(authorization_url));
    for _ in 0..MAX_STEPS {
        let url = request.url().clone();
        let response = browser.send(&request).await;
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|value| value.to_str().expect("Location is ASCII").to_owned());
        if is_roster_callback(&url) {
            let body = response.text().await.unwrap_or_default();
            assert_eq!(
                status.as_u16(),
                303,
                "Roster's callback {url} answered {status}, not 303; body: {body}"
            );
            let location = location.unwrap_or_else(|| panic!("a 303 from {url} without Location"));
            return url.join(&location).expect("Location is a URL");
        }
        if status.is_redirection() {
            let location =
                location.unwrap_or_else(|| panic!("a {status} from {url} without Location"));
            request = Step::Get(url.join(&location).expect("Location is a URL"));
            continue;
        }
        let body = response.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "{url} answered {status}: {body}\nthe provider's log:\n{}",
            provider.log()
        );
        if let Step::Post(posted, _) = &request
            && posted.path().ends_with("/login")
        {
            panic!("the provider did not accept {action:?}: {body}");
        }
        let (form, fields) = match action {
            AtProvider::SignIn(login) => ("login", vec![("login".to_owned(), login.to_owned())]),
            AtProvider::Cancel => ("abort", Vec::new()),
        };
        let target = form_action(&body, form)
            .unwrap_or_else(|| panic!("{url} shows no {form} form: {body}"));
        request = Step::Post(url.join(&target).expect("a form action is a URL"), fields);
    }
    panic!(
        "no answer from Roster's callback within {MAX_STEPS} steps from {authorization_url}; \
         the provider's log:\n{}",
        provider.log()
    )
}

/// Whether `url` is Roster's provider callback: `/oauth/{slug}/callback`.
fn is_roster_callback(url: &Url) -> bool {
    let segments: Vec<&str> = url
        .path_segments()
        .map(Iterator::collect)
        .unwrap_or_default();
    matches!(segments.as_slice(), ["oauth", _, "callback"])
}

fn parse(url: &str) -> Url {
    Url::parse(url).unwrap_or_else(|e| panic!("{url:?} is not a URL: {e}"))
}

/// The `action` of the page's `<form>` whose action ends with `/{suffix}`.
fn form_action(html: &str, suffix: &str) -> Option<String> {
    html.match_indices("<form")
        .filter_map(|(start, _)| {
            let tag = &html[start..start + html[start..].find('>')?];
            let (_, rest) = tag.split_once("action=\"")?;
            let action = &rest[..rest.find('"')?];
            Some(html_escape::decode_html_entities(action).into_owned())
        })
        .find(|action| action.ends_with(&format!("/{suffix}")))
}

/// One request of the walk: a link followed, or a form submitted.
enum Step {
    Get(Url),
    Post(Url, Vec<(String, String)>),
}

impl Step {
    fn url(&self) -> &Url {
        match self {
            Step::Get(url) | Step::Post(url, _) => url,
        }
    }
}

/// A cookie as a browser keeps it: per host (not port, as browsers do), name and path.
struct Cookie {
    host: String,
    path: String,
    name: String,
    value: String,
}

/// Just enough of a browser: redirects are the walk's to follow, cookies its to keep.
struct Browser {
    client: reqwest::Client,
    cookies: Vec<Cookie>,
}

impl Browser {
    fn new() -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(Duration::from_secs(15))
            .build()
            .expect("BUG: a plain client builds");
        Browser {
            client,
            cookies: Vec::new(),
        }
    }

    async fn send(&mut self, step: &Step) -> reqwest::Response {
        let url = step.url();
        let mut request = match step {
            Step::Get(url) => self.client.get(url.clone()),
            Step::Post(url, fields) => self.client.post(url.clone()).form(fields),
        };
        let cookies = self.cookie_header(url);
        if !cookies.is_empty() {
            request = request.header(COOKIE, cookies);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("request to {url}: {e}"));
        for header in response.headers().get_all(SET_COOKIE) {
            self.keep(url, header.to_str().expect("Set-Cookie is ASCII"));
        }
        response
    }

    fn cookie_header(&self, url: &Url) -> String {
        let host = url.host_str().unwrap_or_default();
        self.cookies
            .iter()
            .filter(|c| c.host == host && path_matches(url.path(), &c.path))
            .map(|c| format!("{}={}", c.name, c.value))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Keeps (or, when it has expired, forgets) the cookie of one `Set-Cookie` header.
    fn keep(&mut self, url: &Url, header: &str) {
        let mut parts = header.split(';').map(str::trim);
        let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else {
            return;
        };
        let mut path = "/".to_owned();
        let mut expired = false;
        for attribute in parts {
            let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
            match key.to_ascii_lowercase().as_str() {
                "path" if val.starts_with('/') => path = val.to_owned(),
                "max-age" => expired |= val.parse::<i64>().is_ok_and(|age| age <= 0),
                "expires" => {
                    expired |= chrono::DateTime::parse_from_rfc2822(val)
                        .is_ok_and(|at| at < chrono::Utc::now())
                }
                _ => {}
            }
        }
        let host = url.host_str().unwrap_or_default().to_owned();
        self.cookies
            .retain(|c| !(c.host == host && c.name == name && c.path == path));
        if !expired {
            self.cookies.push(Cookie {
                host,
                path,
                name: name.to_owned(),
                value: value.to_owned(),
            });
        }
    }
}

/// RFC 6265 5.1.4: the cookie's path is the request's, or a prefix of it ending at a `/`.
fn path_matches(request: &str, cookie: &str) -> bool {
    request == cookie
        || (request.starts_with(cookie)
            && (cookie.ends_with('/') || request[cookie.len()..].starts_with('/')))
}

/// The provider and the walk through it, with a stand-in for Roster's callback that passes
/// the provider's answer on to the frontend as it came: a person signs in (the ID token, RS256
/// or ES256 as the client was registered, holds what the account's scopes give), cancels, or
/// arrives from a client that sent no PKCE challenge (refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_signs_a_person_in_through_its_own_pages() {
    use serde_json::Value;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let roster = format!("http://{}", listener.local_addr().unwrap());
    let callback = axum::Router::new().route(
        "/oauth/stand-in/callback",
        axum::routing::get(|uri: axum::http::Uri| async move {
            let query = uri.query().unwrap_or_default().to_owned();
            (
                axum::http::StatusCode::SEE_OTHER,
                [(
                    LOCATION,
                    format!("https://app.example/oauth/complete?{query}"),
                )],
            )
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, callback).await });
    let client = OidcClient::for_roster(
        "stand-in",
        "a-client-secret-long-enough",
        &roster,
        "stand-in",
    );
    let es256 = OidcClient {
        client_id: "stand-in-es256".to_owned(),
        ..client.clone().signing_id_tokens_with("ES256")
    };
    let accounts = [
        (
            "ada",
            OidcAccount::new("ada-subject", "ada@example.com", true),
        ),
        (
            "ada-renamed",
            OidcAccount::new("ada-subject", "ada@new.example", false),
        ),
    ];
    let Some(provider) = OidcProvider::start(&[client.clone(), es256.clone()], &accounts).await
    else {
        return;
    };
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let discovery: Value = http
        .get(format!(
            "{}/.well-known/openid-configuration",
            provider.issuer
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], provider.issuer);
    assert_eq!(
        discovery["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let authorize = |client: &OidcClient, challenge: Option<&str>| {
        let mut url = parse(discovery["authorization_endpoint"].as_str().unwrap());
        url.query_pairs_mut()
            .append_pair("client_id", &client.client_id)
            .append_pair("response_type", "code")
            .append_pair("scope", "openid email profile")
            .append_pair("redirect_uri", &client.redirect_uris[0])
            .append_pair("state", "the-state")
            .append_pair("nonce", "the-nonce");
        if let Some(challenge) = challenge {
            url.query_pairs_mut()
                .append_pair("code_challenge", challenge)
                .append_pair("code_challenge_method", "S256");
        }
        url.to_string()
    };
    let query = |url: &Url, name: &str| {
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };

    for (client, login, email, email_verified, alg) in [
        (&client, "ada", "ada@example.com", true, "RS256"),
        (&es256, "ada-renamed", "ada@new.example", false, "ES256"),
    ] {
        let (verifier, challenge) = pkce_pair();
        let back = sign_in_at_provider(
            &provider,
            &authorize(client, Some(&challenge)),
            AtProvider::SignIn(login),
        )
        .await;
        assert_eq!(back.path(), "/oauth/complete", "{back}");
        assert_eq!(
            query(&back, "state").as_deref(),
            Some("the-state"),
            "{back}"
        );
        let code = query(&back, "code").unwrap_or_else(|| panic!("no code in {back}"));
        let tokens: Value = http
            .post(discovery["token_endpoint"].as_str().unwrap())
            .basic_auth(&client.client_id, Some(&client.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", &client.redirect_uris[0]),
                ("code_verifier", &verifier),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id_token = tokens["id_token"]
            .as_str()
            .unwrap_or_else(|| panic!("{tokens}"));
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(id_token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], alg);
        let claims: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(id_token.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["iss"], provider.issuer);
        assert_eq!(claims["aud"], client.client_id);
        assert_eq!(claims["sub"], "ada-subject", "{claims}");
        assert_eq!(claims["email"], email, "{claims}");
        assert_eq!(claims["email_verified"], email_verified, "{claims}");
        assert_eq!(claims["name"], "Person ada-subject", "{claims}");
        assert_eq!(claims["nonce"], "the-nonce");
    }

    let (_, challenge) = pkce_pair();
    let back = sign_in_at_provider(
        &provider,
        &authorize(&client, Some(&challenge)),
        AtProvider::Cancel,
    )
    .await;
    assert_eq!(
        query(&back, "error").as_deref(),
        Some("access_denied"),
        "{back}"
    );
    let back = sign_in_at_provider(
        &provider,
        &authorize(&client, None),
        AtProvider::SignIn("ada"),
    )
    .await;
    assert_eq!(
        query(&back, "error").as_deref(),
        Some("invalid_request"),
        "{back}"
    );
    server.abort();
}
