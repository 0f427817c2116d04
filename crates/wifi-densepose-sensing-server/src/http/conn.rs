//! Accepted TCP connections, defended in one place for every listener (REST and WebSocket):
//!
//! - a cap on open connections per listener, below the file-descriptor limit, so `accept`
//!   never fails with "Too many open files" and a flood cannot starve `/health`;
//! - the descriptor soft limit raised to the hard limit at startup ([`raise_fd_limit`]);
//! - a first-byte (header) timeout and a read-idle timeout: an HTTP connection that sends
//!   nothing is closed (after a `101 Switching Protocols` the WebSocket handlers' own
//!   liveness rules apply instead: pings on `/ws/sensing`, none on the pose stream);
//! - a write-stall timeout: a client that stops reading (its window stays shut) is dropped,
//!   whatever the handler was writing — WebSocket fan-out, pings or a REST body;
//! - a bounded kernel send buffer, so a stalled client pins little kernel memory meanwhile.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// A new connection must send its first byte within this time.
pub const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection that has read nothing for this long is closed. Longer than two WebSocket ping
/// periods, so a live WebSocket client (which answers every ping) is never idle.
pub const READ_IDLE_TIMEOUT: Duration = Duration::from_secs(75);
/// A write that makes no progress for this long fails: the client stopped reading.
pub const WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(20);
/// `SO_SNDBUF` of every accepted socket (the kernel doubles it for bookkeeping); fixing it also
/// stops the kernel growing the buffer to megabytes for a client that does not read.
pub const SEND_BUFFER: usize = 128 * 1024;
/// Descriptors kept back from the connection caps (listeners, UDP, files, the runtime).
const RESERVED_FDS: u64 = 128;
/// The most connections one listener holds open, whatever the descriptor limit.
const MAX_CONNECTIONS: usize = 16_384;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit and returns the resulting soft limit
/// (`None` when it cannot be read).
pub fn raise_fd_limit() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let raised = Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    if limit.current != limit.maximum {
        if let Err(error) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!(%error, "cannot raise the open-file limit");
            return limit.current;
        }
    }
    getrlimit(Resource::Nofile).current
}

/// The per-listener connection cap for `listeners` listeners sharing `fd_limit` descriptors.
pub fn connection_cap(fd_limit: Option<u64>, listeners: u64) -> usize {
    let Some(limit) = fd_limit else {
        return MAX_CONNECTIONS;
    };
    let per_listener = limit.saturating_sub(RESERVED_FDS) / listeners.max(1);
    usize::try_from(per_listener)
        .unwrap_or(MAX_CONNECTIONS)
        .clamp(16, MAX_CONNECTIONS)
}

/// The timeouts of a connection.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub first_byte: Duration,
    pub read_idle: Duration,
    pub write_stall: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            first_byte: FIRST_BYTE_TIMEOUT,
            read_idle: READ_IDLE_TIMEOUT,
            write_stall: WRITE_STALL_TIMEOUT,
        }
    }
}

/// A listener that hands out [`GuardedStream`]s and refuses connections beyond its cap.
pub struct GuardedListener {
    inner: TcpListener,
    open: Arc<AtomicUsize>,
    cap: usize,
    refused: u64,
    timeouts: Timeouts,
}

impl std::fmt::Debug for GuardedListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardedListener")
            .field("cap", &self.cap)
            .field("refused", &self.refused)
            .finish_non_exhaustive()
    }
}

impl GuardedListener {
    pub fn new(inner: TcpListener, cap: usize) -> Self {
        GuardedListener::with_timeouts(inner, cap, Timeouts::default())
    }

    pub fn with_timeouts(inner: TcpListener, cap: usize, timeouts: Timeouts) -> Self {
        GuardedListener {
            inner,
            open: Arc::new(AtomicUsize::new(0)),
            cap,
            refused: 0,
            timeouts,
        }
    }
}

impl axum::serve::Listener for GuardedListener {
    type Io = GuardedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (GuardedStream, SocketAddr) {
        loop {
            let (stream, addr) = match self.inner.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    // EMFILE/ENFILE and aborted handshakes: wait briefly, keep serving.
                    tracing::warn!(%error, "accept error");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            if self.open.load(Ordering::Relaxed) >= self.cap {
                self.refused += 1;
                if self.refused.is_power_of_two() {
                    tracing::warn!(
                        cap = self.cap,
                        refused = self.refused,
                        "connection cap reached; closing new connections"
                    );
                }
                drop(stream);
                continue;
            }
            // Without TCP_NODELAY, small WebSocket frames wait for delayed ACKs (tens of ms).
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "cannot set TCP_NODELAY");
            }
            if let Err(error) = socket2::SockRef::from(&stream).set_send_buffer_size(SEND_BUFFER) {
                tracing::debug!(%error, "cannot set SO_SNDBUF");
            }
            self.open.fetch_add(1, Ordering::Relaxed);
            let slot = Slot(self.open.clone());
            return (GuardedStream::new(stream, slot, self.timeouts), addr);
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// One open connection counted against its listener's cap until dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A deadline that runs while an operation is pending and restarts after it makes progress.
struct Stall {
    sleep: Pin<Box<Sleep>>,
    armed: bool,
}

impl Stall {
    fn new() -> Self {
        Stall {
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
            armed: false,
        }
    }

    /// Progress: the next pending operation starts a new deadline.
    fn progress(&mut self) {
        self.armed = false;
    }

    /// Pending: starts the deadline (`limit` from now) if not running; true once it passed.
    fn expired(&mut self, limit: Duration, cx: &mut Context<'_>) -> bool {
        if !self.armed {
            self.sleep.as_mut().reset(Instant::now() + limit);
            self.armed = true;
        }
        self.sleep.as_mut().poll(cx).is_ready()
    }
}

/// A TCP stream with a first-byte, a read-idle and a write-stall timeout; counted against its
/// listener's connection cap.
pub struct GuardedStream {
    stream: TcpStream,
    read: Stall,
    write: Stall,
    has_read: bool,
    /// Set once the server answered `101 Switching Protocols`: no read-idle limit after that.
    upgraded: bool,
    timeouts: Timeouts,
    _slot: Slot,
}

impl std::fmt::Debug for GuardedStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardedStream")
            .field("stream", &self.stream)
            .field("upgraded", &self.upgraded)
            .finish_non_exhaustive()
    }
}

impl GuardedStream {
    fn new(stream: TcpStream, slot: Slot, timeouts: Timeouts) -> Self {
        GuardedStream {
            stream,
            read: Stall::new(),
            write: Stall::new(),
            has_read: false,
            upgraded: false,
            timeouts,
            _slot: slot,
        }
    }

    /// Notes a `101` response head (hyper writes the head at the start of a write).
    fn watch_for_upgrade(&mut self, first: &[u8]) {
        if !self.upgraded && first.starts_with(b"HTTP/1.1 101") {
            self.upgraded = true;
        }
    }

    fn write_with<T>(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnOnce(Pin<&mut TcpStream>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match op(Pin::new(&mut self.stream), cx) {
            Poll::Ready(result) => {
                self.write.progress();
                Poll::Ready(result)
            }
            Poll::Pending if self.write.expired(self.timeouts.write_stall, cx) => Poll::Ready(Err(
                io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading"),
            )),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.read.progress();
                this.has_read |= buf.filled().len() > before;
                Poll::Ready(result)
            }
            Poll::Pending if this.upgraded => Poll::Pending,
            Poll::Pending => {
                let limit = if this.has_read {
                    this.timeouts.read_idle
                } else {
                    this.timeouts.first_byte
                };
                if this.read.expired(limit, cx) {
                    Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client sent nothing",
                    )))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.watch_for_upgrade(buf);
        this.write_with(cx, |stream, cx| stream.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            this.watch_for_upgrade(first);
        }
        this.write_with(cx, |stream, cx| stream.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut()
            .write_with(cx, |stream, cx| stream.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut()
            .write_with(cx, |stream, cx| stream.poll_shutdown(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn caps_follow_the_descriptor_limit() {
        assert_eq!(connection_cap(Some(1024), 2), 448);
        assert_eq!(connection_cap(Some(100), 2), 16);
        assert_eq!(connection_cap(Some(u64::MAX), 2), MAX_CONNECTIONS);
        assert_eq!(connection_cap(None, 2), MAX_CONNECTIONS);
    }

    const SHORT: Timeouts = Timeouts {
        first_byte: Duration::from_millis(200),
        read_idle: Duration::from_millis(400),
        write_stall: Duration::from_millis(300),
    };

    async fn pair(cap: usize) -> (GuardedListener, SocketAddr) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        (GuardedListener::with_timeouts(listener, cap, SHORT), addr)
    }

    #[tokio::test]
    async fn a_silent_connection_times_out_after_the_first_byte_timeout() {
        use axum::serve::Listener;
        let (mut listener, addr) = pair(4).await;
        let _client = TcpStream::connect(addr).await.unwrap();
        let (mut server, _) = listener.accept().await;
        let start = Instant::now();
        let mut byte = [0u8; 1];
        let error = server.read(&mut byte).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        let waited = start.elapsed();
        assert!(
            waited >= SHORT.first_byte && waited < SHORT.read_idle,
            "{waited:?}"
        );
    }

    #[tokio::test]
    async fn after_the_first_byte_the_idle_timeout_applies() {
        use axum::serve::Listener;
        let (mut listener, addr) = pair(4).await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (mut server, _) = listener.accept().await;
        client.write_all(b"x").await.unwrap();
        let mut byte = [0u8; 1];
        assert_eq!(server.read(&mut byte).await.unwrap(), 1);
        let start = Instant::now();
        let error = server.read(&mut byte).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(start.elapsed() >= SHORT.read_idle);
    }

    #[tokio::test]
    async fn after_a_101_response_silence_is_not_idleness() {
        use axum::serve::Listener;
        let (mut listener, addr) = pair(4).await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (mut server, _) = listener.accept().await;
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut request = [0u8; 18];
        server.read_exact(&mut request).await.unwrap();
        server
            .write_all(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
            .await
            .unwrap();
        let mut byte = [0u8; 1];
        let quiet = tokio::time::timeout(SHORT.read_idle * 3, server.read(&mut byte)).await;
        assert!(
            quiet.is_err(),
            "an upgraded connection must not time out on reads"
        );
    }

    #[tokio::test]
    async fn a_client_that_stops_reading_fails_the_write() {
        use axum::serve::Listener;
        let (mut listener, addr) = pair(4).await;
        let _client = TcpStream::connect(addr).await.unwrap();
        let (mut server, _) = listener.accept().await;
        let chunk = vec![0u8; 64 * 1024];
        // The client never reads: the buffers fill, then the write stalls and times out.
        let mut written = 0usize;
        let outcome = loop {
            match server.write_all(&chunk).await {
                Ok(()) => written += chunk.len(),
                Err(error) => break error,
            }
        };
        assert_eq!(outcome.kind(), io::ErrorKind::TimedOut);
        // Kernel buffers on both ends are bounded: far less than 64 MiB went out.
        assert!(written < 64 << 20, "{written}");
    }
    #[tokio::test]
    async fn connections_beyond_the_cap_are_closed() {
        use axum::serve::Listener;
        let (mut listener, addr) = pair(1).await;
        let _first = TcpStream::connect(addr).await.unwrap();
        let (kept, _) = listener.accept().await;
        let mut second = TcpStream::connect(addr).await.unwrap();
        let accept = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
        assert!(
            accept.is_err(),
            "the second connection must not be handed out"
        );
        let mut byte = [0u8; 1];
        // Closed by the server: end of stream (or a reset).
        let read = second.read(&mut byte).await;
        assert!(matches!(read, Ok(0) | Err(_)));
        drop(kept);
        let _third = TcpStream::connect(addr).await.unwrap();
        let accepted = tokio::time::timeout(Duration::from_secs(5), listener.accept()).await;
        assert!(
            accepted.is_ok(),
            "a slot freed by a closed connection is reused"
        );
    }
}
