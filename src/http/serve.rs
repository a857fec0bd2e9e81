//! The accept loop: hyper's connection builder with what `axum::serve` does not set, a timer
//! for the header-read timeout (a connection that has not sent its request headers within
//! `HEADER_READ_TIMEOUT` is closed, so slow-header clients cannot hold sockets), a bound on the
//! connections served at once, a gentle close (`Lingering`), and graceful shutdown that lets
//! in-flight requests finish (on SIGINT or SIGTERM: `shutdown_signal`).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;
use tower::ServiceExt;

/// How long a connection may take to send a request's headers (API.md: 10 s).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long shutdown waits for open requests (each is bounded by the request timeout anyway).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// How long, and how much of what a client still sends, a closing connection reads and drops.
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1024 * 1024;

/// Serves `app` on `listener`, at most `max_connections` connections at once, until
/// `shutdown` resolves; then waits for open requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    max_connections: u32,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    // HTTP/1 only (TLS and HTTP/2 end at the proxy in front): choosing the version first
    // would read the connection's first bytes with no timer running.
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    // Each connection holds a slot until it is closed. A slot is taken before `accept`, so
    // past the limit further connections wait in the listen backlog, unread, rather than
    // being accepted and left without an answer.
    let slots = Arc::new(Semaphore::new(max_connections as usize));
    let mut shutdown = pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("BUG: the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // keep serving the others.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = app
            .clone()
            .map_request(move |mut request: hyper::Request<Incoming>| {
                request
                    .extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(peer));
                request.map(Body::new)
            });
        let connection = builder
            .serve_connection(
                TokioIo::new(Lingering::new(stream)),
                TowerToHyperService::new(service),
            )
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away, or one closed by the header timer, ends here.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still open {SHUTDOWN_GRACE:?} after shutdown began; stopping");
    }
    Ok(())
}

/// A connection's socket that closes gently. When hyper shuts it down, it says so (FIN), then
/// reads and drops what the client still sends, for at most `LINGER_TIME` and `LINGER_BYTES`,
/// before it is closed. A socket closed with input unread makes the kernel answer with a
/// reset, and a client still sending its body (one refused with 413 before it finished) would
/// see that reset, as a broken pipe, instead of the answer waiting for it.
struct Lingering {
    stream: TcpStream,
    /// Set once the write side is shut down: when the lingering ends.
    deadline: Option<Pin<Box<Sleep>>>,
    /// Bytes still to be read and dropped before closing anyway.
    left: usize,
}

impl Lingering {
    fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            deadline: None,
            left: LINGER_BYTES,
        }
    }
}

impl AsyncRead for Lingering {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Lingering {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    /// Shuts the write side, then drains the read side until the client closes its own, the
    /// time or the byte allowance runs out, or the socket fails.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let deadline = match &mut this.deadline {
            Some(deadline) => deadline,
            None => {
                ready!(Pin::new(&mut this.stream).poll_shutdown(cx))?;
                this.deadline
                    .insert(Box::pin(tokio::time::sleep(LINGER_TIME)))
            }
        };
        let mut scratch = [0u8; 8192];
        loop {
            if this.left == 0 || deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(()));
            }
            let mut buf = ReadBuf::new(&mut scratch);
            match ready!(Pin::new(&mut this.stream).poll_read(cx, &mut buf)) {
                Ok(()) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Ok(()) => this.left = this.left.saturating_sub(buf.filled().len()),
                Err(_) => return Poll::Ready(Ok(())),
            }
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
