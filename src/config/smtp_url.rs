//! `--smtp-url`: where mail goes, in API.md's form. `smtp://user:pass@host:587` submits with
//! STARTTLS (required: no credentials or mail cross an unencrypted connection),
//! `smtps://user:pass@host:465` over TLS from the first byte, and `smtp://host:25?tls=none`
//! in the clear, for a relay on the same host or network. `?tls=opportunistic` upgrades when
//! the server offers STARTTLS. User and password are percent-decoded.

use std::fmt;

use url::Url;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (`smtps://`).
    Tls,
    /// STARTTLS, refusing a server that does not offer it (`smtp://`, the default).
    StartTls,
    /// STARTTLS when offered, else in the clear (`?tls=opportunistic`).
    Opportunistic,
    /// In the clear (`?tls=none`).
    None,
}

/// A parsed SMTP URL. Its `Debug` output leaves the password out.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub credentials: Option<(String, String)>,
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpUrl")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish()
    }
}

impl fmt::Display for SmtpUrl {
    /// The URL without its password, for the log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.security == Security::Tls {
            "smtps"
        } else {
            "smtp"
        };
        write!(f, "{scheme}://")?;
        if let Some((user, _)) = &self.credentials {
            write!(f, "{user}:***@")?;
        }
        write!(f, "{}:{}", self.host, self.port)?;
        match self.security {
            Security::None => write!(f, "?tls=none"),
            Security::Opportunistic => write!(f, "?tls=opportunistic"),
            Security::Tls | Security::StartTls => Ok(()),
        }
    }
}

impl SmtpUrl {
    /// Parses `text`; the error never repeats the URL (it may hold a password).
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
        let tls_param = url
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        let security = match (url.scheme(), tls_param.as_deref()) {
            ("smtps", None | Some("required")) => Security::Tls,
            ("smtps", Some(other)) => {
                return Err(format!(
                    "smtps:// is TLS throughout; tls={other} contradicts it"
                ));
            }
            ("smtp", None | Some("required")) => Security::StartTls,
            ("smtp", Some("opportunistic")) => Security::Opportunistic,
            ("smtp", Some("none")) => Security::None,
            ("smtp", Some(other)) => {
                return Err(format!(
                    "tls={other} is not one of required, opportunistic, none"
                ));
            }
            (scheme, _) => return Err(format!("scheme {scheme}:// is not smtp:// or smtps://")),
        };
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or("no host")?
            // An IPv6 host comes bracketed.
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = url.port().unwrap_or(match security {
            Security::Tls => 465,
            Security::StartTls | Security::Opportunistic => 587,
            Security::None => 25,
        });
        let decode = |part: &str| {
            percent_encoding::percent_decode_str(part)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| "user or password is not UTF-8 once decoded".to_owned())
        };
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            (user, password) => Some((decode(user)?, decode(password.unwrap_or_default())?)),
        };
        let plain = matches!(security, Security::None | Security::Opportunistic);
        if credentials.is_some() && plain && !is_loopback(&host) {
            return Err(format!(
                "a password would cross the network to {host} unencrypted (tls={}): use smtps:// \
                 or STARTTLS (the default), or a relay on this machine",
                if security == Security::None {
                    "none"
                } else {
                    "opportunistic"
                }
            ));
        }
        Ok(Self {
            host,
            port,
            security,
            credentials,
        })
    }
}

/// A host on this machine, where a plain connection crosses no network.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_of_api_md() {
        let submission = SmtpUrl::parse("smtp://mailer:s%40cret@mail.example.com:587").unwrap();
        assert_eq!(submission.security, Security::StartTls);
        assert_eq!(submission.host, "mail.example.com");
        assert_eq!(submission.port, 587);
        assert_eq!(
            submission.credentials,
            Some(("mailer".into(), "s@cret".into()))
        );
        let tls = SmtpUrl::parse("smtps://u:p@mail.example.com").unwrap();
        assert_eq!((tls.security, tls.port), (Security::Tls, 465));
        let relay = SmtpUrl::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!((relay.security, relay.port), (Security::None, 2525));
        assert_eq!(relay.credentials, None);
        let plain_default = SmtpUrl::parse("smtp://localhost?tls=none").unwrap();
        assert_eq!(plain_default.port, 25);
        let opportunistic = SmtpUrl::parse("smtp://[::1]:25?tls=opportunistic").unwrap();
        assert_eq!(
            (opportunistic.host.as_str(), opportunistic.security),
            ("::1", Security::Opportunistic)
        );
    }

    #[test]
    fn mistakes_are_refused_without_repeating_the_password() {
        for bad in [
            "http://u:hunter22@host",
            "smtp://u:hunter22@host?tls=maybe",
            "smtps://u:hunter22@host?tls=none",
            "smtp://u:hunter22@",
            "not a url hunter22",
        ] {
            let error = SmtpUrl::parse(bad).unwrap_err();
            assert!(!error.contains("hunter22"), "{bad}: {error}");
        }
    }

    #[test]
    fn a_password_never_crosses_a_network_unencrypted() {
        for plain in [
            "smtp://u:pw@mail.example.com?tls=none",
            "smtp://u:pw@10.0.0.5?tls=opportunistic",
        ] {
            let error = SmtpUrl::parse(plain).unwrap_err();
            assert!(error.contains("unencrypted"), "{plain}: {error}");
        }
        // On this machine, a relay without TLS may take a login.
        for local in [
            "smtp://u:pw@127.0.0.1:2525?tls=none",
            "smtp://u:pw@localhost?tls=none",
        ] {
            assert!(
                SmtpUrl::parse(local).unwrap().credentials.is_some(),
                "{local}"
            );
        }
    }

    #[test]
    fn the_password_stays_out_of_debug_and_display() {
        let url = SmtpUrl::parse("smtp://mailer:hunter22@mail.example.com").unwrap();
        assert!(!format!("{url:?}").contains("hunter22"));
        assert_eq!(url.to_string(), "smtp://mailer:***@mail.example.com:587");
    }
}
