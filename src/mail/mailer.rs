//! The mailer: over SMTP with lettre (`config::SmtpUrl` says how the connection is
//! protected), or, without an SMTP URL, into the log, saying so, so that a development setup
//! still shows every link. It sends one composed mail; what to send, and when, is the outbox's
//! and the delivery task's.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Security, Settings, SmtpUrl};
use crate::mail::compose::Mail;

/// How long one step of an SMTP conversation (connecting, a command) may take; the whole
/// send is bounded by the delivery task (`delivery::SEND_TIMEOUT`).
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a mail did not go out.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth another try later (the server is down, busy, or answered 4xx).
    #[error("{0}")]
    Transient(String),
    /// Another try would fail the same way (a 5xx answer, an address the server refuses).
    #[error("{0}")]
    Permanent(String),
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Written to the log; in production the links are withheld, since a log is no place for
    /// a token that opens an account.
    Log {
        withhold_links: bool,
    },
}

/// The configured way to send mail, and the sender.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    /// The mailer `settings` describe (already checked by `Settings::validate`).
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let from = settings
            .mail_from
            .parse::<Mailbox>()
            .map_err(|e| format!("invalid ROSTER_MAIL_FROM: {e}"))?;
        let transport = match settings.smtp()? {
            Some(url) => {
                let url = SmtpUrl::parse(url.expose())
                    .map_err(|e| format!("invalid ROSTER_SMTP_URL: {e}"))?;
                Transport::Smtp(smtp_transport(&url)?)
            }
            None => Transport::Log {
                withhold_links: settings.is_production(),
            },
        };
        Ok(Self { transport, from })
    }

    /// True when mail goes to the log rather than to a server.
    pub fn logs_only(&self) -> bool {
        matches!(self.transport, Transport::Log { .. })
    }

    /// One line for the start-up log: where mail goes (never the password).
    pub fn describe(settings: &Settings) -> String {
        // Checked by `Settings::validate` before anything is logged.
        match settings
            .smtp()
            .ok()
            .flatten()
            .and_then(|url| SmtpUrl::parse(url.expose()).ok())
        {
            Some(url) => format!("mail: sent through {url} as {}", settings.mail_from),
            None if settings.is_production() => "mail: no ROSTER_SMTP_URL set, so mails are only \
                 logged, with their links withheld in production: set ROSTER_SMTP_URL"
                .to_owned(),
            None => "mail: no ROSTER_SMTP_URL set, so every mail is written to this log instead \
                 of being sent"
                .to_owned(),
        }
    }

    /// Sends `mail`; `id` becomes its Message-ID, the same on every attempt.
    pub async fn send(&self, id: uuid::Uuid, mail: &Mail) -> Result<(), SendError> {
        match &self.transport {
            Transport::Log { withhold_links } => {
                let body = if *withhold_links {
                    "(body withheld in production: its link would open the account)"
                } else {
                    mail.text.as_str()
                };
                tracing::info!(
                    to = %mail.to,
                    subject = %mail.subject,
                    "mail not sent (no ROSTER_SMTP_URL set); it reads:\n{body}"
                );
                Ok(())
            }
            Transport::Smtp(transport) => {
                let message = self.message(id, mail)?;
                transport.send(message).await.map(drop).map_err(|error| {
                    let text = error.to_string();
                    if error.is_permanent() {
                        SendError::Permanent(text)
                    } else {
                        SendError::Transient(text)
                    }
                })
            }
        }
    }

    fn message(&self, id: uuid::Uuid, mail: &Mail) -> Result<Message, SendError> {
        let to = mail
            .to
            .parse::<Mailbox>()
            .map_err(|e| SendError::Permanent(format!("recipient not deliverable: {e}")))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{id}@roster>")))
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))
    }
}

fn smtp_transport(url: &SmtpUrl) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let tls = |host: &str| {
        TlsParameters::new(host.to_owned()).map_err(|e| format!("TLS setup for {host}: {e}"))
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host.clone())
        .port(url.port)
        .timeout(Some(SMTP_TIMEOUT));
    builder = match url.security {
        Security::Tls => builder.tls(Tls::Wrapper(tls(&url.host)?)),
        Security::StartTls => builder.tls(Tls::Required(tls(&url.host)?)),
        Security::Opportunistic => builder.tls(Tls::Opportunistic(tls(&url.host)?)),
        Security::None => builder.tls(Tls::None),
    };
    if let Some((user, password)) = &url.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}
