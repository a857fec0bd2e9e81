//! A TCP proxy on loopback between Roster and its PostgreSQL server, with a switch that takes
//! the database away (every connection closed, new ones refused) and brings it back on the
//! same port; and the URL surgery to point Roster at it.

use std::net::SocketAddr;
use std::ops::Range;
use std::sync::Arc;

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, watch};
use tokio::task::{JoinHandle, JoinSet};

/// Where the host (and port) of `url` sit in it: after the scheme and any credentials, before
/// the path.
fn host_range(url: &str) -> Range<usize> {
    let start = url.find("://").map(|i| i + 3).expect("a URL with a scheme");
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    let start = url[start..end].rfind('@').map_or(start, |i| start + i + 1);
    start..end
}

/// The `host:port` a PostgreSQL URL points at.
pub fn server_address(url: &str) -> String {
    let host = &url[host_range(url)];
    let has_port = host
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    if has_port {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

/// `url` pointing at `address` instead.
pub fn with_address(url: &str, address: SocketAddr) -> String {
    let host = host_range(url);
    format!("{}{address}{}", &url[..host.start], &url[host.end..])
}

/// A TCP proxy on loopback that can take the database away from Roster: `down` closes every
/// forwarded connection at once and then closes new ones as they are accepted; `up` forwards
/// again, on the same port.
pub struct SwitchableProxy {
    pub address: SocketAddr,
    up: watch::Sender<bool>,
    connections: Arc<Mutex<JoinSet<()>>>,
    accepting: JoinHandle<()>,
}

impl SwitchableProxy {
    /// A proxy to `upstream` (`host:port`), up.
    pub async fn start(upstream: String) -> SwitchableProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy on loopback");
        let address = listener
            .local_addr()
            .expect("BUG: a bound listener has an address");
        let (up, _) = watch::channel(true);
        let connections = Arc::new(Mutex::new(JoinSet::new()));
        let accepting = tokio::spawn(forward(
            listener,
            upstream,
            up.subscribe(),
            connections.clone(),
        ));
        SwitchableProxy {
            address,
            up,
            connections,
            accepting,
        }
    }

    /// Closes every forwarded connection (returning once they are closed) and every new one.
    pub async fn down(&self) {
        self.up.send_replace(false);
        let mut connections = self.connections.lock().await;
        while connections.join_next().await.is_some() {}
    }

    /// Forwards new connections again.
    pub fn up(&self) {
        self.up.send_replace(true);
    }
}

impl Drop for SwitchableProxy {
    fn drop(&mut self) {
        // The forwarded connections close on their own: their switch is gone with `self.up`.
        self.accepting.abort();
    }
}

/// The proxy's accept loop.
async fn forward(
    listener: TcpListener,
    upstream: String,
    up: watch::Receiver<bool>,
    connections: Arc<Mutex<JoinSet<()>>>,
) {
    loop {
        let Ok((mut client, _)) = listener.accept().await else {
            continue;
        };
        if !*up.borrow() {
            drop(client);
            continue;
        }
        let mut switch = up.clone();
        let upstream = upstream.clone();
        let mut connections = connections.lock().await;
        while connections.try_join_next().is_some() {}
        connections.spawn(async move {
            let Ok(mut server) = TcpStream::connect(&upstream).await else {
                return;
            };
            // Ends when either side closes, or when the switch goes down (or away): dropping
            // both streams then closes both connections.
            tokio::select! {
                _ = copy_bidirectional(&mut client, &mut server) => {}
                _ = switch.wait_for(|up| !*up) => {}
            }
        });
    }
}
