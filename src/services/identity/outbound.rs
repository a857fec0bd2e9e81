//! Calls to providers: one HTTP client for all of them (reqwest on rustls with ring), which
//! follows no redirects (a provider's endpoints are where discovery says, never where a
//! response points) and gives up after 5 s connecting or 10 s in all; and the cache of OpenID
//! Connect discovery documents with their keys, kept an hour and refetched at once when an ID
//! token names a key the cache does not hold (such fetches at most once a minute per issuer, so
//! that a provider sending unknown keys cannot make Roster hammer it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use openidconnect::IssuerUrl;
use openidconnect::core::CoreProviderMetadata;

use crate::config::Settings;
use crate::error::{AppError, AppResult};

/// How long a discovery document and its keys are used before they are fetched again.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);
/// The least time between two fetches forced by an unknown key.
const FORCED_REFETCH_GAP: Duration = Duration::from_secs(60);

/// Where this server is reached, known once it listens.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// `--public-url`, or the bound address; no trailing slash.
    pub public_url: String,
    /// The exact URIs `startOAuth` accepts as `redirectUri`.
    pub redirect_uris: Vec<String>,
}

/// The outbound side of provider sign-in, shared by every request.
pub struct Identity {
    http: reqwest::Client,
    discovery: Mutex<HashMap<String, Discovered>>,
    endpoints: OnceLock<Endpoints>,
    /// Outside production, issuers may be `http://` on loopback (a provider on this machine).
    pub allow_loopback_http: bool,
}

struct Discovered {
    metadata: Arc<CoreProviderMetadata>,
    fetched: Instant,
    /// When an unknown key last made Roster fetch again.
    forced: Option<Instant>,
}

impl Identity {
    /// The client `settings` describe (`--extra-ca-file`).
    pub fn from_settings(settings: &Settings) -> Result<Arc<Self>, String> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("Roster/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &settings.extra_ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read --extra-ca-file {}: {e}", path.display()))?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                format!(
                    "--extra-ca-file {} holds no PEM certificate: {e}",
                    path.display()
                )
            })?;
            if certificates.is_empty() {
                return Err(format!(
                    "--extra-ca-file {} holds no PEM certificate",
                    path.display()
                ));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder
            .build()
            .map_err(|e| format!("cannot build the HTTP client for identity providers: {e}"))?;
        Ok(Arc::new(Self {
            http,
            discovery: Mutex::new(HashMap::new()),
            endpoints: OnceLock::new(),
            allow_loopback_http: !settings.is_production(),
        }))
    }

    /// Records where this server is reached (once, when it starts listening).
    pub fn listening_at(&self, public_url: &str, configured_redirect_uris: &[String]) {
        let public_url = public_url.trim_end_matches('/').to_owned();
        let redirect_uris = if configured_redirect_uris.is_empty() {
            vec![format!("{public_url}/oauth/complete")]
        } else {
            configured_redirect_uris.to_vec()
        };
        tracing::info!(
            callback = %format!("{public_url}/oauth/{{slug}}/callback"),
            redirect_uris = %redirect_uris.join(","),
            "identity providers send the browser back to the callback; sign-ins then return to \
             one of the redirect URIs"
        );
        let _ = self.endpoints.set(Endpoints {
            public_url,
            redirect_uris,
        });
    }

    /// Where this server is reached; an error before it listens.
    pub fn endpoints(&self) -> AppResult<&Endpoints> {
        self.endpoints
            .get()
            .ok_or_else(|| AppError::internal("provider sign-in before the server listens"))
    }

    /// The callback a provider sends the browser back to: what an operator registers there.
    pub fn callback_url(&self, slug: &str) -> AppResult<String> {
        Ok(format!(
            "{}/oauth/{slug}/callback",
            self.endpoints()?.public_url
        ))
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `issuer`'s discovery document and keys: from the cache while under an hour old, unless
    /// `unknown_key` says an ID token named a key the cached set lacks (then fetched again,
    /// at most once a minute). The document's `issuer` must be `issuer` exactly (checked by
    /// the discovery itself), which keeps one provider from speaking for another.
    pub async fn discover(
        &self,
        issuer: &str,
        unknown_key: bool,
    ) -> AppResult<Arc<CoreProviderMetadata>> {
        let now = Instant::now();
        let mut forced = None;
        if let Some((metadata, fetched, last_forced)) = self.cached(issuer) {
            let fresh = now.duration_since(fetched) < DISCOVERY_TTL;
            let forced_lately =
                last_forced.is_some_and(|at| now.duration_since(at) < FORCED_REFETCH_GAP);
            if fresh && (!unknown_key || forced_lately) {
                return Ok(metadata);
            }
            forced = if unknown_key { Some(now) } else { last_forced };
        }
        let issuer_url = IssuerUrl::new(issuer.to_owned())
            .map_err(|e| AppError::internal(format!("the issuer URL {issuer} is invalid: {e}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &self.http)
            .await
            .map_err(|e| {
                AppError::internal(format!("OpenID Connect discovery of {issuer} failed: {e}"))
            })?;
        // The client secret and the code go where the document says: never in clear over a
        // network (https, or http to this machine in development).
        let named = [
            Some(metadata.authorization_endpoint().url()),
            metadata.token_endpoint().map(|endpoint| endpoint.url()),
            Some(metadata.jwks_uri().url()),
            metadata.userinfo_endpoint().map(|endpoint| endpoint.url()),
        ];
        if let Some(url) = named
            .into_iter()
            .flatten()
            .find(|url| !super::providers::is_callable(url, self.allow_loopback_http))
        {
            return Err(AppError::internal(format!(
                "the discovery document of {issuer} names an endpoint Roster will not call: {url} \
                 (https only, or http to this machine in development)"
            )));
        }
        let metadata = Arc::new(metadata);
        self.discovery
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(
                issuer.to_owned(),
                Discovered {
                    metadata: metadata.clone(),
                    fetched: now,
                    forced,
                },
            );
        Ok(metadata)
    }

    fn cached(
        &self,
        issuer: &str,
    ) -> Option<(Arc<CoreProviderMetadata>, Instant, Option<Instant>)> {
        self.discovery
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(issuer)
            .map(|entry| (entry.metadata.clone(), entry.fetched, entry.forced))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server on loopback that answers every request with what `response` makes of its own
    /// address, counting the requests.
    async fn answering(response: impl Fn(&str) -> String) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let response = response(&address);
        let count = Arc::new(AtomicUsize::new(0));
        let counted = count.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                let _ = stream.write_all(response.as_bytes()).await;
            }
        });
        (address, count)
    }

    #[tokio::test]
    async fn discovery_follows_no_redirect() {
        // Back to itself: a client that followed it would ask twice.
        let (issuer, requests) = answering(|address| {
            format!(
                "HTTP/1.1 302 Found\r\nLocation: {address}/elsewhere\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
        })
        .await;
        let identity = Identity::from_settings(&Settings::defaults()).unwrap();
        assert!(identity.discover(&issuer, false).await.is_err());
        assert_eq!(
            requests.load(Ordering::SeqCst),
            1,
            "one request, not followed"
        );
    }

    #[test]
    fn endpoints_are_https_or_loopback_in_development() {
        use crate::services::identity::providers::is_callable;
        let url = |text: &str| url::Url::parse(text).unwrap();
        assert!(is_callable(&url("https://idp.example.com/token"), false));
        assert!(is_callable(&url("http://127.0.0.1:9000/token"), true));
        assert!(is_callable(&url("http://[::1]:9000/token"), true));
        assert!(!is_callable(&url("http://127.0.0.1:9000/token"), false));
        assert!(!is_callable(&url("http://idp.example.com/token"), true));
        assert!(!is_callable(&url("http://169.254.169.254/latest"), true));
        assert!(!is_callable(&url("file:///etc/passwd"), true));
    }

    #[test]
    fn an_extra_ca_file_without_a_certificate_is_refused() {
        let dir = std::env::temp_dir().join(format!("roster-ca-{}", uuid::Uuid::new_v4()));
        std::fs::write(&dir, "not a certificate\n").unwrap();
        let mut settings = Settings::defaults();
        settings.extra_ca_file = Some(dir.clone());
        let refused = Identity::from_settings(&settings).err();
        std::fs::remove_file(&dir).unwrap();
        assert!(
            refused.is_some_and(|message| message.contains("holds no PEM certificate")),
            "a file without a certificate is refused at start"
        );
    }
}
