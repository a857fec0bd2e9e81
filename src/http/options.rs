//! `HttpOptions`: what the HTTP surface serves, read from the settings once.

use std::time::Duration;

use crate::config::Settings;
use crate::http::ClientAddress;

/// What the HTTP surface serves, from the settings.
pub struct HttpOptions {
    pub cors_origins: Vec<String>,
    pub client_address: ClientAddress,
    pub request_timeout: Duration,
    pub graphiql: bool,
    /// The web console at `/` (and every page path a browser asks for).
    pub console: bool,
    pub introspection: bool,
    /// `GET /schema.graphql`.
    pub public_schema: bool,
    /// Where this server is reached (`--public-url`, or the bound address): the base of the
    /// URLs documents point to.
    pub public_url: String,
    /// `GET /metrics` on the management listener, rendered by this handle.
    pub metrics: Option<&'static metrics_exporter_prometheus::PrometheusHandle>,
}

impl HttpOptions {
    /// The options `settings` give a server reached at `public_url`.
    pub fn from_settings(settings: &Settings, public_url: String) -> Self {
        Self {
            cors_origins: settings.cors_origins.clone(),
            client_address: ClientAddress::new(
                settings.trusted_proxies.clone(),
                settings.client_ip_header.clone(),
            ),
            request_timeout: Duration::from_secs(u64::from(settings.request_timeout.get())),
            graphiql: settings.graphiql_enabled(),
            console: settings.console,
            introspection: settings.introspection_enabled(),
            public_schema: settings.public_schema_enabled(),
            public_url,
            metrics: None,
        }
    }
}
