//! The body type handed to the connection.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

use crate::body::{BodyStream, BoxError};
use futures_core::Stream;

/// A finalized response body: nothing, one buffer, or a stream.
///
/// Implements [`http_body::Body`]. A full body reports its exact size, so
/// the connection writes Content-Length itself; a stream is polled as the
/// client reads, and dropped when the connection goes away.
///
/// Why not `http-body-util`'s bodies: one response type must hold every
/// kind without a box on the common path, and the crate's pieces do not
/// combine into one type — `Full` cannot give its bytes back (the body
/// filters need them), `StreamBody` reports no length (a file streams with
/// a known Content-Length), and `with_trailers` wraps the body in a new
/// type, so a `BoxBody` would be needed for every response: one more
/// allocation per response. The enum below costs one match per frame
/// instead.
pub struct ResBody {
    kind: Kind,
    trailers: Option<TrailersFuture>,
}

type TrailersFuture = Pin<Box<dyn std::future::Future<Output = http::HeaderMap> + Send>>;

enum Kind {
    Full(Option<Bytes>),
    Stream(BodyStream),
    Sized(BodyStream, u64),
    /// A relayed body: its stream, and the bytes it has left.
    Relay(std::pin::Pin<Box<dyn super::Relay>>, u64),
    Boxed(BoxedBody),
    /// A file's bytes, read as the client takes them.
    #[cfg(feature = "fs")]
    File(Box<super::file::FileStream>, u64),
    /// A file sent by the kernel: placeholder frames (see `splice`).
    #[cfg(all(feature = "fs", target_os = "linux"))]
    Spliced(Box<Spliced>),
}

/// A spliced file's body: its range goes to the connection's queue when
/// first polled, then as many placeholder bytes as it holds.
#[cfg(all(feature = "fs", target_os = "linux"))]
struct Spliced {
    queue: std::sync::Arc<super::splice::SpliceQueue>,
    splice: Option<super::splice::Splice>,
    remaining: u64,
}

#[doc(hidden)]
/// Any body of bytes, boxed.
pub type BoxedBody = Pin<Box<dyn http_body::Body<Data = Bytes, Error = BoxError> + Send>>;

impl ResBody {
    #[doc(hidden)]
    /// No bytes.
    pub fn empty() -> Self {
        ResBody {
            kind: Kind::Full(None),
            trailers: None,
        }
    }

    #[doc(hidden)]
    /// One buffer.
    pub fn full(bytes: Bytes) -> Self {
        ResBody {
            kind: Kind::Full((!bytes.is_empty()).then_some(bytes)),
            trailers: None,
        }
    }

    #[doc(hidden)]
    /// A stream of chunks.
    pub fn stream(stream: BodyStream) -> Self {
        ResBody {
            kind: Kind::Stream(stream),
            trailers: None,
        }
    }

    #[doc(hidden)]
    /// Any `http_body::Body`, boxed (its frames, trailers included, pass
    /// through unchanged).
    pub fn boxed(body: BoxedBody) -> Self {
        ResBody {
            kind: Kind::Boxed(body),
            trailers: None,
        }
    }

    /// A relayed body (sent with its Content-Length): its stream, or its
    /// source when the connection can splice (see [`ResBody::splice_into`]).
    pub(crate) fn relay(body: super::RelayBody) -> Self {
        ResBody {
            kind: Kind::Relay(body.stream, body.len),
            trailers: None,
        }
    }

    #[doc(hidden)]
    /// A stream of exactly `len` bytes (sent with a Content-Length).
    pub fn sized(stream: BodyStream, len: u64) -> Self {
        ResBody {
            kind: Kind::Sized(stream, len),
            trailers: None,
        }
    }

    /// A file's bytes (sent with a Content-Length).
    #[cfg(feature = "fs")]
    pub(crate) fn file(stream: super::file::FileStream, len: u64) -> Self {
        ResBody {
            kind: Kind::File(Box::new(stream), len),
            trailers: None,
        }
    }

    #[doc(hidden)]
    /// Makes a file body, not yet read, or a relayed body whose stream
    /// gives up its source, send itself through `queue`: its frames become
    /// placeholders (see `splice`), which only the connection's socket may
    /// write. `false`: not such a body, unchanged.
    #[cfg(all(feature = "fs", target_os = "linux"))]
    pub fn splice_into(&mut self, queue: &std::sync::Arc<super::splice::SpliceQueue>) -> bool {
        if self.trailers.is_some() {
            return false;
        }
        let (splice, remaining) = match &mut self.kind {
            Kind::File(stream, remaining) => {
                let Some((file, pos, end)) = stream.untouched() else {
                    return false;
                };
                (
                    super::splice::Splice::new(file.clone(), pos, end),
                    *remaining,
                )
            }
            Kind::Relay(stream, len) if *len > 0 => {
                let Some(source) = stream.as_mut().take_source() else {
                    return false;
                };
                (super::splice::Splice::relay(source, *len), *len)
            }
            _ => return false,
        };
        let spliced = Spliced {
            queue: queue.clone(),
            splice: Some(splice),
            remaining,
        };
        self.kind = Kind::Spliced(Box::new(spliced));
        true
    }

    #[doc(hidden)]
    /// The bytes of a body held whole (no stream, no trailers), or the body
    /// back unchanged.
    ///
    /// # Errors
    ///
    /// The body is a stream or has trailers; it is handed back.
    pub fn into_full(self) -> Result<Bytes, ResBody> {
        match self {
            ResBody {
                kind: Kind::Full(b),
                trailers: None,
            } => Ok(b.unwrap_or_default()),
            other => Err(other),
        }
    }

    #[doc(hidden)]
    /// The same body followed by trailer fields once `trailers` resolves;
    /// the length is no longer announced, so HTTP/1.1 sends it chunked.
    pub fn with_trailers(self, trailers: TrailersFuture) -> Self {
        let kind = match self.kind {
            Kind::Sized(s, _) => Kind::Stream(s),
            Kind::Relay(s, _) => Kind::Stream(s),
            #[cfg(feature = "fs")]
            Kind::File(s, _) => Kind::Stream(Box::pin(*s)),
            other => other,
        };
        ResBody {
            kind,
            trailers: Some(trailers),
        }
    }
}

impl std::fmt::Debug for ResBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Full(b) => f.debug_tuple("Full").field(b).finish(),
            Kind::Stream(_) => f.write_str("Stream(..)"),
            Kind::Sized(_, len) => write!(f, "Sized({len})"),
            Kind::Relay(_, len) => write!(f, "Relay({len})"),
            Kind::Boxed(_) => f.write_str("Boxed(..)"),
            #[cfg(feature = "fs")]
            Kind::File(_, len) => write!(f, "File({len})"),
            #[cfg(all(feature = "fs", target_os = "linux"))]
            Kind::Spliced(s) => write!(f, "Spliced({})", s.remaining),
        }
    }
}

impl Default for ResBody {
    /// No bytes (as [`ResBody::empty`]); tower-http layers build their own
    /// answers from it.
    fn default() -> Self {
        ResBody::empty()
    }
}

impl http_body::Body for ResBody {
    type Data = Bytes;
    type Error = BoxError;

    #[inline]
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        // The common body, whole and without trailers, straight out.
        if let (Kind::Full(b), None) = (&mut this.kind, &this.trailers) {
            return Poll::Ready(b.take().map(|b| Ok(Frame::data(b))));
        }
        let data = match &mut this.kind {
            Kind::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Kind::Stream(s) => s
                .as_mut()
                .poll_next(cx)
                .map(|o| o.map(|r| r.map(Frame::data))),
            Kind::Sized(s, remaining) => counted(s.as_mut(), remaining, cx),
            Kind::Relay(s, remaining) => counted(s.as_mut(), remaining, cx),
            #[cfg(feature = "fs")]
            Kind::File(s, remaining) => {
                let polled = Pin::new(&mut **s).poll_next(cx);
                if let Poll::Ready(Some(Ok(b))) = &polled {
                    *remaining = remaining.saturating_sub(b.len() as u64);
                }
                polled.map(|o| o.map(|r| r.map(Frame::data)))
            }
            #[cfg(all(feature = "fs", target_os = "linux"))]
            Kind::Spliced(s) => {
                if let Some(splice) = s.splice.take() {
                    s.queue.push(splice);
                }
                let n = s.remaining.min(super::splice::piece() as u64);
                s.remaining -= n;
                Poll::Ready(
                    (n > 0).then(|| Ok(Frame::data(super::splice::placeholder(n as usize)))),
                )
            }
            Kind::Boxed(b) => return b.as_mut().poll_frame(cx),
        };
        match &data {
            Poll::Ready(Some(Err(e))) => {
                tracing::error!(error = %e, "the body failed after the headers were sent; aborting the connection");
            }
            // A finished stream is never polled again (layers such as
            // compression poll past the end; `unfold` panics if polled then).
            Poll::Ready(None) => this.kind = Kind::Full(None),
            _ => {}
        }
        match data {
            Poll::Ready(None) => match &mut this.trailers {
                Some(t) => match t.as_mut().poll(cx) {
                    Poll::Ready(map) => {
                        this.trailers = None;
                        Poll::Ready(Some(Ok(Frame::trailers(map))))
                    }
                    Poll::Pending => Poll::Pending,
                },
                None => Poll::Ready(None),
            },
            other => other,
        }
    }

    #[inline]
    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full(b) => b.is_none() && self.trailers.is_none(),
            Kind::Boxed(b) => b.is_end_stream(),
            #[cfg(feature = "fs")]
            Kind::File(_, remaining) => self.trailers.is_none() && *remaining == 0,
            #[cfg(all(feature = "fs", target_os = "linux"))]
            Kind::Spliced(s) => s.remaining == 0,
            kind => {
                self.trailers.is_none() && matches!(kind, Kind::Sized(_, 0) | Kind::Relay(_, 0))
            }
        }
    }

    #[inline]
    fn size_hint(&self) -> SizeHint {
        if self.trailers.is_some() {
            return SizeHint::default();
        }
        match &self.kind {
            Kind::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Stream(_) => SizeHint::default(),
            Kind::Sized(_, remaining) | Kind::Relay(_, remaining) => {
                SizeHint::with_exact(*remaining)
            }
            #[cfg(feature = "fs")]
            Kind::File(_, remaining) => SizeHint::with_exact(*remaining),
            #[cfg(all(feature = "fs", target_os = "linux"))]
            Kind::Spliced(s) => SizeHint::with_exact(s.remaining),
            Kind::Boxed(b) => b.size_hint(),
        }
    }
}

/// A stream's next chunk as a frame, counted off the bytes it has left.
fn counted<S: Stream<Item = Result<Bytes, BoxError>> + ?Sized>(
    s: Pin<&mut S>,
    remaining: &mut u64,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
    let polled = s.poll_next(cx);
    if let Poll::Ready(Some(Ok(b))) = &polled {
        *remaining = remaining.saturating_sub(b.len() as u64);
    }
    polled.map(|o| o.map(|r| r.map(Frame::data)))
}
