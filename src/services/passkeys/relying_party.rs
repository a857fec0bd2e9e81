//! Who Roster is to the browser's WebAuthn: the relying-party ID passkeys are bound to, the
//! origins ceremonies may come from, and the name browsers show. Decided once, when the server
//! knows its public URL, and refused at start when an origin is outside the RP ID (such a
//! server could never finish a ceremony).

use std::sync::{Arc, OnceLock};

use url::{Host, Url};
use webauthn_rs::fake::{FakePasskeyDistribution, WebauthnFakeCredentialGenerator};
use webauthn_rs::prelude::{CredentialID, Webauthn, WebauthnBuilder};

use crate::config::Settings;
use crate::error::{AppError, AppResult};

/// The relying party a server is, as settings and its public URL make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    pub id: String,
    pub origins: Vec<Url>,
}

/// The relying party for `settings` at `public_url`: `--webauthn-rp-id` or the public URL's
/// host, and `--webauthn-origins` or the public URL's origin. A loopback address stands for
/// `localhost` (WebAuthn takes no IP address; browsers treat `http://localhost` as secure).
/// `Ok(None)`: nothing configured and the public URL names another IP address, so passkeys are
/// off. `Err`: what is configured cannot work.
pub fn relying_party(
    settings: &Settings,
    public_url: &str,
) -> Result<Option<RelyingParty>, String> {
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
    let rp_id = match settings.webauthn_rp_id.as_deref().map(str::trim) {
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
            None if settings.webauthn_origins.is_empty() => {
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
    let origins = if settings.webauthn_origins.is_empty() {
        let mut origin = public.clone();
        if default_host.as_deref() == Some("localhost") && origin.domain().is_none() {
            origin
                .set_host(Some("localhost"))
                .map_err(|e| format!("invalid public URL: {e}"))?;
        }
        vec![origin_of(&origin)]
    } else {
        settings
            .webauthn_origins
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
                 localhost)",
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

/// WebAuthn as this server does it, shared by every request.
pub struct Passkeys {
    name: String,
    settings: Settings,
    webauthn: OnceLock<Option<(RelyingParty, Webauthn)>>,
    fake: WebauthnFakeCredentialGenerator<FakePasskeyDistribution>,
}

impl Passkeys {
    /// `fake_key`: the secret the stable fake credential ids of unknown logins derive from.
    pub fn new(settings: &Settings, fake_key: &[u8]) -> Result<Arc<Self>, String> {
        let fake = WebauthnFakeCredentialGenerator::new(fake_key)
            .map_err(|e| format!("the passkey fake-credential key is unusable: {e}"))?;
        Ok(Arc::new(Self {
            name: settings.webauthn_rp_name.clone(),
            settings: settings.clone(),
            webauthn: OnceLock::new(),
            fake,
        }))
    }

    /// Decides the relying party once the server knows its public URL (when it starts
    /// listening); `Err` when the configuration cannot work.
    pub fn listening_at(&self, public_url: &str) -> Result<(), String> {
        let decided = match relying_party(&self.settings, public_url)? {
            Some(party) => {
                let first = party.origins.first().ok_or("no WebAuthn origin")?.clone();
                let mut builder = WebauthnBuilder::new(&party.id, &first)
                    .map_err(|e| format!("WebAuthn refused the relying party: {e}"))?
                    .rp_name(&self.name);
                for origin in &party.origins[1..] {
                    builder = builder.append_allowed_origin(origin);
                }
                let webauthn = builder
                    .build()
                    .map_err(|e| format!("WebAuthn refused the relying party: {e}"))?;
                tracing::info!(
                    rp_id = %party.id,
                    origins = %party.origins.iter().map(|o| o.as_str().trim_end_matches('/')).collect::<Vec<_>>().join(","),
                    "passkeys are bound to this RP ID and accepted from these origins"
                );
                Some((party, webauthn))
            }
            None => {
                tracing::warn!(
                    "passkeys are off: the public URL is an IP address, which WebAuthn does not \
                     take; set ROSTER_PUBLIC_URL to a domain name, or ROSTER_WEBAUTHN_RP_ID and \
                     ROSTER_WEBAUTHN_ORIGINS"
                );
                None
            }
        };
        let _ = self.webauthn.set(decided);
        Ok(())
    }

    /// The WebAuthn library set up for this relying party; `FORBIDDEN` when passkeys are off.
    pub fn webauthn(&self) -> AppResult<&Webauthn> {
        match self.webauthn.get() {
            Some(Some((_, webauthn))) => Ok(webauthn),
            Some(None) => Err(AppError::Forbidden(
                "passkeys are off on this server: its public URL is an IP address (set \
                 --webauthn-rp-id)",
            )),
            None => Err(AppError::internal(
                "passkeys are used before the server listens",
            )),
        }
    }

    /// The relying party, once decided and on.
    pub fn relying_party(&self) -> Option<&RelyingParty> {
        self.webauthn
            .get()
            .and_then(|on| on.as_ref())
            .map(|(party, _)| party)
    }

    /// The credential ids an account named `login` would have if it existed: the same for the
    /// same login, as many and as long as real ones tend to be, unpredictable without the key.
    /// Never none: every account whose passkeys are listed has one at least, so an empty list
    /// would tell a fake apart (the library's distribution gives none to some logins, which
    /// are drawn again under another input derived from the login).
    pub fn fake_credential_ids(&self, login: &str) -> AppResult<Vec<CredentialID>> {
        let login = login.to_lowercase();
        for draw in 0u32.. {
            let mut input = login.as_bytes().to_vec();
            if draw > 0 {
                input.push(0);
                input.extend_from_slice(&draw.to_be_bytes());
            }
            let ids = self
                .fake
                .generate(&input)
                .map_err(|e| AppError::internal(e.to_string()))?;
            if !ids.is_empty() {
                return Ok(ids);
            }
        }
        Err(AppError::internal("no fake credential ids were drawn"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(rp_id: Option<&str>, origins: &[&str]) -> Settings {
        let mut settings = Settings::defaults();
        settings.webauthn_rp_id = rp_id.map(str::to_owned);
        settings.webauthn_origins = origins.iter().map(|o| (*o).to_owned()).collect();
        settings
    }

    fn party(id: &str, origins: &[&str]) -> Option<RelyingParty> {
        Some(RelyingParty {
            id: id.to_owned(),
            origins: origins.iter().map(|o| Url::parse(o).unwrap()).collect(),
        })
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
        // Another IP address: passkeys are off, the server still starts.
        assert_eq!(relying_party(&none, "http://10.0.0.5:8000").unwrap(), None);
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
    fn every_login_gets_stable_fake_ids_and_never_none() {
        let passkeys = Passkeys::new(&Settings::defaults(), &[7u8; 32]).unwrap();
        let other_key = Passkeys::new(&Settings::defaults(), &[8u8; 32]).unwrap();
        for n in 0..300 {
            let login = format!("person{n}@example.com");
            let ids = passkeys.fake_credential_ids(&login).unwrap();
            assert!(!ids.is_empty(), "{login}");
            assert_eq!(
                ids,
                passkeys.fake_credential_ids(&login.to_uppercase()).unwrap()
            );
            assert_ne!(ids, other_key.fake_credential_ids(&login).unwrap());
        }
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
