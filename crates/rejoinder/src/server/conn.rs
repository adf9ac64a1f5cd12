//! One connection's clock: how many requests are in flight, when it went
//! idle, when the bytes of its next head began to arrive, and the deadline
//! these give. The socket wrapper ([`Watched`]) notices the first bytes of a
//! head, the response body wrapper ([`Tracked`]) notices when a response is
//! done, and the server's sweeper looks at the deadline (see `sweeper` in
//! the parent module).
//!
//! hyper's own header-read timeout is not used: under hyper-util's
//! protocol detection it starts only once a byte has arrived, so a
//! connection that never speaks was never closed. Here the first deadline
//! counts from accept.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::OwnedSemaphorePermit;

/// Not yet (no response finished, no head begun).
const NEVER: u64 = u64::MAX;

/// It happened, and the sweeper has not stamped the time yet: the request
/// path reads no clock (about 80 instructions per request); the sweeper
/// stamps it on its next tick, so a deadline counts from at most one tick
/// after the event.
const PENDING: u64 = u64::MAX - 1;

/// What a connection's deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// A request head: from accept, or from the first byte after idling.
    Head,
    /// The next request on an idle keep-alive connection.
    Idle,
}

/// Shared by a connection's socket, its response bodies and the sweeper.
pub(crate) struct ConnState {
    /// Accept, on the connection's clock (see `clock`).
    epoch_ms: u64,
    header_ms: u64,
    idle_ms: u64,
    inflight: AtomicUsize,
    /// Milliseconds after accept the last response finished.
    idle_since: AtomicU64,
    /// Milliseconds after accept the first byte of the next head arrived.
    head_since: AtomicU64,
    /// The files this connection's socket sends with `sendfile` (plain
    /// TCP on Linux only; see rejoinder-core's `body::splice`).
    #[cfg(all(feature = "fs", target_os = "linux"))]
    splices: Option<Arc<Splices>>,
}

#[cfg(all(feature = "fs", target_os = "linux"))]
type Splices = rejoinder_core::body::splice::SpliceQueue;

impl std::fmt::Debug for ConnState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnState")
            .field("inflight", &self.inflight.load(Relaxed))
            .finish_non_exhaustive()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX / 4)
}

impl ConnState {
    /// A connection accepted now; `plain`: it is plain TCP (no TLS), so
    /// whole files may go out with `sendfile`.
    pub(crate) fn new(header_read: Duration, keep_alive: Duration, plain: bool) -> Arc<ConnState> {
        #[cfg(not(all(feature = "fs", target_os = "linux")))]
        let _ = plain;
        Arc::new(ConnState {
            epoch_ms: super::clock::now_ms(),
            header_ms: millis(header_read),
            idle_ms: millis(keep_alive),
            inflight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(NEVER),
            head_since: AtomicU64::new(NEVER),
            #[cfg(all(feature = "fs", target_os = "linux"))]
            splices: plain.then(Arc::default),
        })
    }

    /// Bytes arrived on the socket.
    #[inline]
    fn on_bytes(&self) {
        if self.inflight.load(Relaxed) == 0 && self.head_since.load(Relaxed) == NEVER {
            self.head_since.store(PENDING, Relaxed);
        }
    }

    /// Whether a request is in flight (its head read, its response not
    /// yet written to the end).
    #[inline]
    pub(crate) fn in_flight(&self) -> bool {
        self.inflight.load(Relaxed) > 0
    }

    /// A request head is complete and goes to the app; the guard ends it.
    pub(crate) fn begin(self: &Arc<Self>) -> Guard {
        self.inflight.fetch_add(1, Relaxed);
        self.head_since.store(NEVER, Relaxed);
        Guard(self.clone())
    }

    fn end(&self) {
        if self.inflight.fetch_sub(1, Relaxed) == 1 {
            self.idle_since.store(PENDING, Relaxed);
        }
    }

    /// Gives a pending event the time `now` (unless it changed meanwhile).
    fn stamp(field: &AtomicU64, now: u64) -> u64 {
        match field.compare_exchange(PENDING, now, Relaxed, Relaxed) {
            Ok(_) => now,
            Err(current) => current,
        }
    }

    /// The deadline at `now` (ms after accept; an event not yet stamped
    /// is stamped with it), and what it waits for; `None` while requests
    /// are in flight (their responses are not limited here).
    pub(crate) fn deadline(&self, now: u64) -> Option<(u64, Wait)> {
        if self.inflight.load(Relaxed) > 0 {
            return None;
        }
        let idle = Self::stamp(&self.idle_since, now);
        let head = Self::stamp(&self.head_since, now);
        if idle == NEVER {
            return Some((self.header_ms, Wait::Head));
        }
        if head != NEVER {
            return Some((head.saturating_add(self.header_ms), Wait::Head));
        }
        Some((idle.saturating_add(self.idle_ms), Wait::Idle))
    }

    /// Milliseconds after accept, now.
    pub(crate) fn elapsed_ms(&self) -> u64 {
        super::clock::now_ms().saturating_sub(self.epoch_ms)
    }
}

/// Ends a request when dropped: with its response body, or with its
/// service future if the response never came.
#[derive(Debug)]
pub(crate) struct Guard(Arc<ConnState>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.end();
    }
}

pin_project_lite::pin_project! {
    /// A response body that ends its request when it is dropped (hyper drops
    /// it once written, or when the connection goes away).
    #[derive(Debug)]
    pub(crate) struct Tracked<B> {
        #[pin]
        body: B,
        _guard: Guard,
    }
}

impl<B> Tracked<B> {
    pub(crate) fn new(body: B, guard: Guard) -> Self {
        Tracked {
            body,
            _guard: guard,
        }
    }
}

impl<B: Body> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    #[inline]
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        self.project().body.poll_frame(cx)
    }

    #[inline]
    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    #[inline]
    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// What a request's pipeline does last with its response: the body ends
/// the request when dropped (the guard does, if the pipeline's future is
/// dropped first, since it holds this). `http1`: the request came over
/// HTTP/1.x, whose writer can send a whole file with `sendfile`.
pub(crate) struct Finish {
    guard: Guard,
    http1: bool,
}

impl Finish {
    pub(crate) fn new(guard: Guard, http1: bool) -> Self {
        Finish { guard, http1 }
    }

    /// The response as hyper gets it.
    pub(crate) fn apply(
        self,
        res: http::Response<rejoinder_core::ResBody>,
    ) -> Result<http::Response<Tracked<rejoinder_core::ResBody>>, std::convert::Infallible> {
        #[allow(unused_mut)]
        let mut res = res;
        // Nothing stands between this body and hyper's HTTP/1 writer now:
        // an untouched file body may go out by `sendfile`.
        #[cfg(all(feature = "fs", target_os = "linux"))]
        if self.http1 {
            if let Some(queue) = &self.guard.0.splices {
                res.body_mut().splice_into(queue);
            }
        }
        #[cfg(not(all(feature = "fs", target_os = "linux")))]
        let _ = self.http1;
        let guard = self.guard;
        Ok(res.map(|body| Tracked::new(body, guard)))
    }
}

/// A socket that tells its connection when the bytes of a request head
/// arrive, and holds the connection's place under the cap.
#[derive(Debug)]
pub(crate) struct Watched<S> {
    // Declared first so it is released before the socket closes: a client
    // that sees the close can connect again at once.
    _permit: OwnedSemaphorePermit,
    stream: S,
    state: Arc<ConnState>,
    reads: Reads,
}

/// What the bytes read so far say about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reads {
    /// Nothing yet.
    None,
    /// HTTP/1: bytes while idle begin a request head.
    Http1,
    /// HTTP/2 (the client preface): bytes while idle are frames (pings,
    /// settings, window updates), not a head; only the idle timeout applies.
    Http2,
}

/// The start of the HTTP/2 client preface.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0";

/// What a connection's first bytes say it speaks.
#[cold]
fn detect(first: &[u8]) -> Reads {
    let n = first.len().min(H2_PREFACE.len());
    if first[..n] == H2_PREFACE[..n] {
        Reads::Http2
    } else {
        Reads::Http1
    }
}

impl<S> Watched<S> {
    pub(crate) fn new(stream: S, state: Arc<ConnState>, permit: OwnedSemaphorePermit) -> Self {
        Watched {
            _permit: permit,
            stream,
            state,
            reads: Reads::None,
        }
    }

    /// The stream it watches.
    pub(crate) fn stream(&self) -> &S {
        &self.stream
    }
}

#[cfg(all(feature = "fs", target_os = "linux"))]
impl<S: super::socket::Plain> Watched<S> {
    /// Writes through the connection's file queue while files wait in it
    /// (their placeholder bytes become `sendfile`s); `None` otherwise.
    #[inline]
    fn poll_splice(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Option<Poll<io::Result<usize>>> {
        let queue = self.state.splices.as_ref()?;
        if queue.is_empty() {
            return None;
        }
        Some(queue.poll_write(self.stream.tcp()?, cx, bufs))
    }
}

impl<S> Watched<S> {
    /// `read` came in.
    #[inline]
    fn saw(&mut self, read: &[u8]) {
        if read.is_empty() {
            return;
        }
        if self.reads == Reads::None {
            self.reads = detect(read);
        }
        if self.reads == Reads::Http1 {
            self.state.on_bytes();
        }
    }
}

impl Watched<super::socket::Socket> {
    /// Reads into the spare room of `buf` (plain TCP; the inline HTTP/1
    /// path's read).
    pub(crate) fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut bytes::BytesMut,
    ) -> Poll<io::Result<usize>> {
        let before = buf.len();
        let polled = match &self.stream {
            super::socket::Socket::Tcp(s) => s.poll_read_buf(cx, buf),
            #[cfg(feature = "tls")]
            super::socket::Socket::Tls(_) => Poll::Ready(Err(io::ErrorKind::Unsupported.into())),
        };
        if let Poll::Ready(Ok(n)) = polled {
            self.saw(&buf[before..before + n]);
        }
        polled
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        this.saw(&buf.filled()[before..]);
        polled
    }
}

impl<S: AsyncWrite + Unpin + super::socket::Plain> AsyncWrite for Watched<S> {
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        #[cfg(all(feature = "fs", target_os = "linux"))]
        if let Some(polled) = this.poll_splice(cx, &[io::IoSlice::new(buf)]) {
            return polled;
        }
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        #[cfg(all(feature = "fs", target_os = "linux"))]
        if let Some(polled) = this.poll_splice(cx, bufs) {
            return polled;
        }
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
    }

    #[inline]
    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    #[inline]
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
