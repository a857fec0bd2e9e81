//! Whose request this is: the peer address, or, when the peer is a proxy the operator trusts,
//! the address that proxy reports. `X-Forwarded-For` is read right to left: each proxy appends
//! the address it was connected from, so entries are believed only while they name trusted
//! proxies, and the first one that does not is the client. Anything a client writes into the
//! header itself sits to the left of that and is never read.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderName};
use ipnet::IpNet;

/// How the client's address is found.
#[derive(Debug, Clone)]
pub struct ClientAddress {
    trusted: Vec<IpNet>,
    header: HeaderName,
}

impl ClientAddress {
    pub fn new(trusted: Vec<IpNet>, header: HeaderName) -> Self {
        Self { trusted, header }
    }

    /// The client's address for a request from `peer` carrying `headers`.
    pub fn resolve(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?.to_canonical();
        if !self.is_trusted(peer) {
            return Some(peer);
        }
        // Several headers of one name read as one comma-separated list, in order.
        // Split as bytes: one entry that is not text must not hide the others.
        let entries: Vec<&[u8]> = headers
            .get_all(&self.header)
            .iter()
            .flat_map(|value| value.as_bytes().split(|byte| *byte == b','))
            .collect();
        let mut client = peer;
        for entry in entries.iter().rev() {
            let Some(address) = parse_entry(entry) else {
                // Not an address: whoever wrote it is not a proxy we trust, and the hop that
                // passed it on is the closest we can tell.
                break;
            };
            client = address;
            if !self.is_trusted(address) {
                break;
            }
        }
        Some(client)
    }

    /// Whether `peer` is one of the trusted proxies.
    pub fn trusts(&self, peer: IpAddr) -> bool {
        self.is_trusted(peer.to_canonical())
    }

    fn is_trusted(&self, address: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&address))
    }
}

/// `203.0.113.7`, `2001:db8::1`, and the forms with a port (`203.0.113.7:4711`,
/// `[2001:db8::1]:4711`) that some proxies write.
fn parse_entry(entry: &[u8]) -> Option<IpAddr> {
    let entry = std::str::from_utf8(entry).ok()?.trim();
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()
        .map(|address| address.to_canonical())
}

/// The peer address, when the server was started with connect info (it always is by `serve`).
pub fn peer_of(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(trusted: &[&str]) -> ClientAddress {
        ClientAddress::new(
            trusted.iter().map(|net| net.parse().unwrap()).collect(),
            HeaderName::from_static("x-forwarded-for"),
        )
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn the_header_of_an_untrusted_peer_is_ignored() {
        let resolver = resolver(&[]);
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(
            resolver.resolve(ip("203.0.113.9"), &headers),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn entries_are_read_right_to_left_past_trusted_hops() {
        let resolver = resolver(&["10.0.0.0/8", "127.0.0.1/32"]);
        // The client forged the first entry; the two proxies appended the rest.
        let headers = forwarded(&["1.2.3.4, 198.51.100.7", "10.1.1.1"]);
        assert_eq!(
            resolver.resolve(ip("127.0.0.1"), &headers),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn ports_brackets_and_mapped_addresses_are_understood() {
        let resolver = resolver(&["127.0.0.1/32"]);
        let headers = forwarded(&["[2001:db8::5]:4711"]);
        assert_eq!(
            resolver.resolve(ip("127.0.0.1"), &headers),
            ip("2001:db8::5")
        );
        let headers = forwarded(&["198.51.100.2:80"]);
        assert_eq!(
            resolver.resolve(ip("::ffff:127.0.0.1"), &headers),
            ip("198.51.100.2")
        );
    }

    #[test]
    fn an_entry_that_is_not_text_hides_nothing_to_its_right() {
        let resolver = resolver(&["127.0.0.1/32"]);
        let mut headers = HeaderMap::new();
        headers.append(
            "x-forwarded-for",
            axum::http::HeaderValue::from_bytes(b"\xe9, 198.51.100.3").unwrap(),
        );
        assert_eq!(
            resolver.resolve(ip("127.0.0.1"), &headers),
            ip("198.51.100.3")
        );
    }

    #[test]
    fn garbage_or_a_missing_header_leaves_the_last_trusted_hop() {
        let resolver = resolver(&["127.0.0.1/32"]);
        assert_eq!(
            resolver.resolve(ip("127.0.0.1"), &forwarded(&["not-an-ip"])),
            ip("127.0.0.1")
        );
        assert_eq!(
            resolver.resolve(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
    }
}
