//! One test, run on each backend: the `per_backend!` macro, and `Setup`, what each variant it
//! writes starts before the test's own code runs.

use std::future::Future;
use std::marker::PhantomData;

use roster::config::{Secret, Settings};

use super::database::{Backend, available};
use super::smtp::MailServer;
use super::{TestApp, trusting_loopback};

/// Turns each `async fn name(app: TestApp)` into two tests, `name::sqlite` and
/// `name::postgres` (which runs only with `TEST_DATABASE_URL`: `database::available`).
///
/// ```ignore
/// per_backend!(name, other_name);
/// per_backend!(mail, addresses; name);                   // async fn name(app, mail: MailServer)
/// per_backend!(settings = |s| s.rate_limit = 3; name);
/// per_backend!(backend; name);                           // async fn name(backend: Backend)
/// ```
///
/// Options, before the `;`, are `Setup`'s methods of the same name:
/// - `mail`: the server sends through a mail server the test reads (`MailServer`), with links
///   to `smtp::PUBLIC_URL`; the test takes `(app: TestApp, mail: MailServer)`.
/// - `addresses`: the server trusts loopback's `X-Forwarded-For`, so the test can speak as
///   several client addresses (`TestApp::gql_from`).
/// - `settings = |s| ...`: the server's settings, adjusted after the other options'.
/// - `backend`: the test takes `(backend: Backend)` and starts what it needs itself (child
///   processes, servers in front of the mail server).
macro_rules! per_backend {
    (@tests $calls:tt $($name:ident),+) => {$(
        per_backend!(@test $calls $name);
    )+};
    (@test [$($call:tt)*] $name:ident) => {
        mod $name {
            // What the options name (a constant, a function) is the test's file's.
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let test = concat!(module_path!(), "::sqlite");
                crate::support::backends::Setup::new(crate::support::Backend::Sqlite, test)
                    $($call)*
                    .run(super::$name)
                    .await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let test = concat!(module_path!(), "::postgres");
                crate::support::backends::Setup::new(crate::support::Backend::Postgres, test)
                    $($call)*
                    .run(super::$name)
                    .await;
            }
        }
    };
    ($($option:ident $(= $value:expr)?),+ ; $($name:ident),+ $(,)?) => {
        per_backend!(@tests [$(.$option($($value)?))+] $($name),+);
    };
    ($($name:ident),+ $(,)?) => {
        per_backend!(@tests [] $($name),+);
    };
}

/// What a test takes: a server (the default), a server and the mail server it sends through,
/// or only the backend.
pub struct Server;
pub struct ServerAndMail;
pub struct BackendOnly;

/// What takes a server, whose settings the options may change.
pub trait TakesAServer {}
impl TakesAServer for Server {}
impl TakesAServer for ServerAndMail {}

/// A change to the server's settings.
type Configure = Box<dyn FnOnce(&mut Settings)>;

/// What one variant of a `per_backend!` test starts before it runs the test.
pub struct Setup<Takes = Server> {
    backend: Backend,
    /// The variant's path, for the line that says it was skipped.
    test: &'static str,
    mail: bool,
    configure: Vec<Configure>,
    takes: PhantomData<Takes>,
}

impl Setup {
    pub fn new(backend: Backend, test: &'static str) -> Self {
        Setup {
            backend,
            test,
            mail: false,
            configure: Vec::new(),
            takes: PhantomData,
        }
    }

    pub fn mail(self) -> Setup<ServerAndMail> {
        Setup {
            mail: true,
            ..self.taking()
        }
    }

    pub fn backend(self) -> Setup<BackendOnly> {
        self.taking()
    }

    pub async fn run<F: Future<Output = ()>>(self, test: impl FnOnce(TestApp) -> F) {
        if let Some((app, _)) = self.start().await {
            test(app).await;
        }
    }
}

impl<Takes: TakesAServer> Setup<Takes> {
    pub fn addresses(self) -> Self {
        self.settings(trusting_loopback)
    }

    pub fn settings(mut self, configure: impl FnOnce(&mut Settings) + 'static) -> Self {
        self.configure.push(Box::new(configure));
        self
    }
}

impl<Takes> Setup<Takes> {
    fn taking<Other>(self) -> Setup<Other> {
        Setup {
            backend: self.backend,
            test: self.test,
            mail: self.mail,
            configure: self.configure,
            takes: PhantomData,
        }
    }

    /// The server (and its mail server), or `None` when the backend is not available.
    async fn start(self) -> Option<(TestApp, Option<MailServer>)> {
        if !available(self.backend, self.test) {
            return None;
        }
        let mail = if self.mail {
            Some(MailServer::start().await)
        } else {
            None
        };
        let smtp_url = mail.as_ref().map(MailServer::url);
        let app = TestApp::spawn_with(self.backend, |settings| {
            if let Some(url) = smtp_url {
                settings.smtp_url = Some(Secret::new(url));
                settings.public_url = Some(super::smtp::PUBLIC_URL.to_owned());
            }
            for configure in self.configure {
                configure(settings);
            }
        })
        .await;
        Some((app, mail))
    }
}

impl Setup<ServerAndMail> {
    pub async fn run<F: Future<Output = ()>>(self, test: impl FnOnce(TestApp, MailServer) -> F) {
        if let Some((app, mail)) = self.start().await {
            test(app, mail.expect("BUG: `mail` starts a mail server")).await;
        }
    }
}

impl Setup<BackendOnly> {
    pub async fn run<F: Future<Output = ()>>(self, test: impl FnOnce(Backend) -> F) {
        if available(self.backend, self.test) {
            test(self.backend).await;
        }
    }
}
