//! A body of known length relayed from another socket (a gateway's
//! upstream): read as a stream of chunks, or, when nothing stands between
//! it and a plain-TCP HTTP/1 client, moved by the kernel from one socket to
//! the other (`splice(2)` through a pipe) without entering the process.
//!
//! The choice is made where `sendfile` is chosen for a file (see `splice`):
//! a body filter, a layer that wraps the body, TLS or HTTP/2 in between
//! keep the stream; an untouched body on a plain-TCP HTTP/1 connection
//! asks its stream for a [`RelaySource`] and, if it gets one, is sent by
//! that source instead.

use std::pin::Pin;

use bytes::Bytes;
use futures_core::Stream;

use super::{Body, BoxError};

/// A stream of body bytes that may hand over the socket they come from.
///
/// Implemented by rejoinder-proxy's upstream bodies; the default method
/// keeps any stream a plain stream.
pub trait Relay: Stream<Item = Result<Bytes, BoxError>> + Send {
    /// The source of all of the stream's bytes, taken out of it, when it
    /// has yielded nothing yet and can send its bytes itself; the stream
    /// is then left empty. `None`: it stays a stream.
    #[cfg(all(feature = "fs", target_os = "linux"))]
    fn take_source(self: Pin<&mut Self>) -> Option<Box<dyn RelaySource>> {
        None
    }
}

/// What sends a relayed body's bytes to the client's socket itself.
#[cfg(all(feature = "fs", target_os = "linux"))]
pub trait RelaySource: Send {
    /// Sends at most `max` of the body's next bytes to `to` (waiting, as
    /// any `poll_write`, for the bytes to arrive and for room in `to`):
    /// the bytes sent, never 0 while the body has bytes left. An error
    /// cuts the client's connection (the body cannot end cleanly).
    fn poll_send(
        &mut self,
        to: &tokio::net::TcpStream,
        cx: &mut std::task::Context<'_>,
        max: usize,
    ) -> std::task::Poll<std::io::Result<usize>>;
}

/// A relayed body: its stream and how many bytes it holds.
pub struct RelayBody {
    pub(crate) stream: Pin<Box<dyn Relay>>,
    pub(crate) len: u64,
}

impl RelayBody {
    /// How many bytes the body holds.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The body as a plain stream of chunks (what a filter that reads it
    /// gets; it is never spliced then).
    pub fn into_stream(self) -> super::BodyStream {
        self.stream
    }
}

impl std::fmt::Debug for RelayBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayBody")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl Body {
    /// A body of exactly `len` bytes relayed from another socket: sent as
    /// the stream's chunks, or by the stream's [`RelaySource`] when the
    /// connection can take bytes from it directly (see [`Relay`]). The
    /// response keeps the Content-Length it was given (as for a stream);
    /// the connection frames the body by it.
    ///
    /// ```
    /// use std::pin::Pin;
    /// use std::task::{Context, Poll};
    ///
    /// use bytes::Bytes;
    /// use rejoinder_core::{body::Relay, Body, BoxError};
    ///
    /// struct Once(Option<Bytes>);
    /// impl futures_core::Stream for Once {
    ///     type Item = Result<Bytes, BoxError>;
    ///     fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
    ///         Poll::Ready(self.0.take().map(Ok))
    ///     }
    /// }
    /// impl Relay for Once {}
    ///
    /// let body = Body::relay(Once(Some(Bytes::from_static(b"hello"))), 5);
    /// assert!(matches!(&body, Body::Relay(r) if r.len() == 5));
    /// ```
    pub fn relay(stream: impl Relay + 'static, len: u64) -> Body {
        Body::Relay(RelayBody {
            stream: Box::pin(stream),
            len,
        })
    }
}
