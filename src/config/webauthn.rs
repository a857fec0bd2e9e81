//! The WebAuthn relying party that `--webauthn-rp-id`, `--webauthn-origins` and the public URL
//! make: the RP ID passkeys are bound to and the origins ceremonies may come from. Checked at
//! start: an origin outside the RP ID (such a server could never finish a ceremony) refuses it.

use url::{Host, Url};

use super::Settings;

/// The relying party a server is, as settings and its public URL make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    pub id: String,
    pub origins: Vec<Url>,
}

/// The passkey settings as the operator gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Configured {
    /// `--webauthn-rp-id`.
    pub rp_id: Option<String>,
    /// `--webauthn-origins`.
    pub origins: Vec<String>,
}

impl Configured {
    pub fn of(settings: &Settings) -> Self {
        Self {
            rp_id: settings.webauthn_rp_id.clone(),
            origins: settings.webauthn_origins.clone(),
        }
    }
}

/// What the settings make of passkeys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    On(RelyingParty),
    /// Nothing configured, and the public URL cannot be a relying party (an IP address other
    /// than loopback, `http://` to a host other than localhost): passkeys are off, for this
    /// reason, and everything else runs.
    Off(String),
}

/// The relying party for `settings` at `public_url`: `--webauthn-rp-id` or the public URL's
/// host, and `--webauthn-origins` or the public URL's origin. A loopback address stands for
/// `localhost` (WebAuthn takes no IP address; browsers treat `http://localhost` as secure).
/// `Err` when what the operator configured cannot work: the start is refused.
pub fn relying_party(settings: &Configured, public_url: &str) -> Result<Decision, String> {
    let configured = settings.rp_id.is_some() || !settings.origins.is_empty();
    match derive(settings, public_url) {
        Ok(Some(party)) => Ok(Decision::On(party)),
        Ok(None) => Ok(Decision::Off(
            "the public URL is an IP address, which WebAuthn does not take".to_owned(),
        )),
        Err(why) if configured => Err(why),
        Err(why) => Ok(Decision::Off(why)),
    }
}

/// `relying_party`, before it tells the operator's mistakes from a default that cannot work.
fn derive(settings: &Configured, public_url: &str) -> Result<Option<RelyingParty>, String> {
    let public = Url::parse(public_url).map_err(|e| format!("invalid public URL: {e}"))?;
    let default_host = match public.host() {
        Some(Host::Domain(domain)) => Some(domain.to_ascii_lowercase()),
        Some(Host::Ipv4(ip)) if ip.is_loopback() || ip.is_unspecified() => {
            Some("localhost".to_owned())
        }
        Some(Host::Ipv6(ip)) if ip.is_loopback() || ip.is_unspecified() => {
            Some("localhost".to_owned())
        }
        _ => None,
    };
    let rp_id = match settings.rp_id.as_deref().map(str::trim) {
        Some(configured) => {
            let id = configured.trim_end_matches('.').to_ascii_lowercase();
            let is_domain = matches!(Url::parse(&format!("https://{id}/")).ok().and_then(|url| url.host().map(|host| host.to_owned())), Some(Host::Domain(domain)) if domain == id);
            if !is_domain {
                return Err(format!(
                    "ROSTER_WEBAUTHN_RP_ID / --webauthn-rp-id must be a domain name (such as \
                     example.com), not {configured:?}: WebAuthn takes no IP address, port or path"
                ));
            }
            id
        }
        None => match default_host.clone() {
            Some(host) => host,
            None if settings.origins.is_empty() => {
                return Ok(None);
            }
            None => {
                return Err(
                    "ROSTER_WEBAUTHN_ORIGINS is set but no RP ID can be derived from the public \
                     URL's IP address: set ROSTER_WEBAUTHN_RP_ID / --webauthn-rp-id"
                        .to_owned(),
                );
            }
        },
    };
    let origins = if settings.origins.is_empty() {
        let mut origin = public.clone();
        if default_host.as_deref() == Some("localhost") && origin.domain().is_none() {
            origin
                .set_host(Some("localhost"))
                .map_err(|e| format!("invalid public URL: {e}"))?;
        }
        vec![origin_of(&origin)]
    } else {
        settings
            .origins
            .iter()
            .map(|text| {
                let url = Url::parse(text.trim()).map_err(|e| {
                    format!(
                        "invalid ROSTER_WEBAUTHN_ORIGINS / --webauthn-origins entry {text:?}: {e}"
                    )
                })?;
                if !matches!(url.path(), "" | "/")
                    || url.query().is_some()
                    || url.fragment().is_some()
                {
                    return Err(format!(
                        "each ROSTER_WEBAUTHN_ORIGINS entry is an origin (scheme, host and port), \
                         not {text:?}"
                    ));
                }
                Ok(origin_of(&url))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    for origin in &origins {
        let host = origin.domain().map(str::to_ascii_lowercase);
        let inside = host
            .as_deref()
            .is_some_and(|host| host == rp_id || host.ends_with(&format!(".{rp_id}")));
        if !inside {
            return Err(format!(
                "the WebAuthn origin {} is outside the RP ID {rp_id:?}: its host must be {rp_id} \
                 or a subdomain of it (set ROSTER_WEBAUTHN_RP_ID / --webauthn-rp-id and \
                 ROSTER_WEBAUTHN_ORIGINS / --webauthn-origins)",
                origin.as_str().trim_end_matches('/')
            ));
        }
        let local = host
            .as_deref()
            .is_some_and(|host| host == "localhost" || host.ends_with(".localhost"));
        if origin.scheme() != "https" && !(origin.scheme() == "http" && local) {
            return Err(format!(
                "the WebAuthn origin {} must be https:// (browsers allow http:// only for \
                 localhost): set ROSTER_WEBAUTHN_ORIGINS / --webauthn-origins",
                origin.as_str().trim_end_matches('/')
            ));
        }
    }
    Ok(Some(RelyingParty { id: rp_id, origins }))
}

/// `url` without path, query or fragment.
fn origin_of(url: &Url) -> Url {
    let mut origin = url.clone();
    origin.set_path("");
    origin.set_query(None);
    origin.set_fragment(None);
    origin
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(rp_id: Option<&str>, origins: &[&str]) -> Configured {
        Configured {
            rp_id: rp_id.map(str::to_owned),
            origins: origins.iter().map(|o| (*o).to_owned()).collect(),
        }
    }

    fn party(id: &str, origins: &[&str]) -> Decision {
        Decision::On(RelyingParty {
            id: id.to_owned(),
            origins: origins.iter().map(|o| Url::parse(o).unwrap()).collect(),
        })
    }

    fn is_off(decision: Result<Decision, String>) -> bool {
        matches!(decision, Ok(Decision::Off(_)))
    }

    #[test]
    fn the_defaults_follow_the_public_url_and_loopback_is_localhost() {
        let none = settings(None, &[]);
        assert_eq!(
            relying_party(&none, "http://127.0.0.1:8000").unwrap(),
            party("localhost", &["http://localhost:8000"])
        );
        assert_eq!(
            relying_party(&none, "http://[::1]:8000").unwrap(),
            party("localhost", &["http://localhost:8000"])
        );
        assert_eq!(
            relying_party(&none, "https://auth.example.com/base/").unwrap(),
            party("auth.example.com", &["https://auth.example.com"])
        );
        // Another IP address, or http:// to a name that is not localhost (a compose file's
        // service name): passkeys are off, the server still starts.
        assert!(is_off(relying_party(&none, "http://10.0.0.5:8000")));
        assert!(is_off(relying_party(&none, "http://roster:8000")));
    }

    #[test]
    fn a_split_deployment_names_the_parent_domain_and_both_origins() {
        let split = settings(
            Some("example.com"),
            &["https://app.example.com", "https://auth.example.com"],
        );
        assert_eq!(
            relying_party(&split, "https://auth.example.com").unwrap(),
            party(
                "example.com",
                &["https://app.example.com", "https://auth.example.com"]
            )
        );
    }

    #[test]
    fn an_origin_outside_the_rp_id_refuses_to_start() {
        for (rp_id, origins, public) in [
            (
                Some("example.com"),
                vec!["https://app.example.org"],
                "https://auth.example.com",
            ),
            (
                Some("example.com"),
                vec!["https://notexample.com"],
                "https://auth.example.com",
            ),
            (Some("app.example.com"), vec![], "https://auth.example.com"),
            (
                Some("example.com"),
                vec!["http://app.example.com"],
                "https://auth.example.com",
            ),
            (Some("127.0.0.1"), vec![], "http://127.0.0.1:8000"),
            (
                Some("example.com"),
                vec!["https://app.example.com/login"],
                "https://auth.example.com",
            ),
            (None, vec!["https://app.example.com"], "http://10.0.0.5"),
        ] {
            let refused = relying_party(&settings(rp_id, &origins), public);
            assert!(
                refused.is_err(),
                "{rp_id:?} {origins:?} {public}: {refused:?}"
            );
        }
    }
}
