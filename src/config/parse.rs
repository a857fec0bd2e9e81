//! Parsers clap uses for settings whose values are more than text.

use std::net::IpAddr;

use ipnet::IpNet;

/// An address or a CIDR: `10.0.0.0/8`, `::1` (one host).
pub(super) fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is not an IP address or CIDR (such as 10.0.0.0/8)"))
}

pub(super) fn parse_header_name(text: &str) -> Result<axum::http::HeaderName, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a valid header name"))
}
