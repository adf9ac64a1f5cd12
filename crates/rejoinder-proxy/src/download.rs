//! The upstream's answer coming down: a stream for a rejoinder body, with
//! the idle-body timeout and the trailers, or the whole body at once when
//! it is small and already there.
//!
//! It does not buffer: it is polled only when the client's connection
//! wants more, so a slow client slows the upstream (backpressure) and
//! memory stays flat whatever the size.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body as HttpBody, Frame};
use rejoinder::BoxError;

use crate::h1;
use crate::upstream::InFlight;

/// An upstream's response body: from the crate's HTTP/1.1 client or from
/// hyper's h2c one.
// Moved a few times per request, never stored in bulk: boxing the
// large variant would cost an allocation per request instead.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Incoming {
    /// Nothing (an upgraded connection's).
    Empty,
    H1(h1::Body),
    H2(hyper::body::Incoming),
}

impl HttpBody for Incoming {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            Incoming::Empty => Poll::Ready(None),
            Incoming::H1(b) => Pin::new(b).poll_frame(cx).map_err(Into::into),
            Incoming::H2(b) => Pin::new(b).poll_frame(cx).map_err(Into::into),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Incoming::Empty => true,
            Incoming::H1(b) => b.is_end_stream(),
            Incoming::H2(b) => b.is_end_stream(),
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self {
            Incoming::Empty => http_body::SizeHint::with_exact(0),
            Incoming::H1(b) => b.size_hint(),
            Incoming::H2(b) => b.size_hint(),
        }
    }
}

/// Where the upstream's trailers land for the downstream response.
pub(crate) type TrailerSlot = Arc<Mutex<Option<HeaderMap>>>;

/// The upstream response body as a stream of chunks for a rejoinder
/// [`Body::stream`](rejoinder::Body::stream).
pub(crate) struct Downstream {
    body: Incoming,
    idle: Option<Duration>,
    /// Armed on the first wait; moved only when it fires (resetting a
    /// timer for every chunk costs more than reading the clock).
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    /// When data last came while the timer was armed.
    last_data: Option<tokio::time::Instant>,
    trailers: Option<TrailerSlot>,
    /// A frame taken by [`take_small`] that is not the whole body.
    first: Option<Result<Frame<Bytes>, BoxError>>,
    _in_flight: Option<InFlight>,
}

/// The most bytes a body may have to be taken whole when it is already
/// there (see [`take_small`]).
const SMALL: u64 = 64 * 1024;

/// What [`take_small`] found.
// Moved a few times per request, never stored in bulk: boxing the
// large variant would cost an allocation per request instead.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Small {
    /// The whole body, already received.
    Whole(Bytes),
    /// Not (all) there yet: stream it, starting with what was taken.
    Stream(Incoming, Option<Result<Frame<Bytes>, BoxError>>),
}

/// Takes a small body of known length whole when its bytes have already
/// arrived (the common case for a short answer: the upstream sent head and
/// body in one packet), so it is sent as one buffer with its exact length
/// instead of through a stream. Never waits.
pub(crate) fn take_small(mut body: Incoming) -> Small {
    if body.size_hint().exact().is_none_or(|n| n > SMALL) {
        return Small::Stream(body, None);
    }
    let mut cx = Context::from_waker(std::task::Waker::noop());
    match Pin::new(&mut body).poll_frame(&mut cx) {
        Poll::Pending => Small::Stream(body, None),
        Poll::Ready(None) => Small::Whole(Bytes::new()),
        Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
            Ok(data) if body.is_end_stream() => Small::Whole(data),
            Ok(data) => Small::Stream(body, Some(Ok(Frame::data(data)))),
            Err(frame) => Small::Stream(body, Some(Ok(frame))),
        },
        Poll::Ready(Some(Err(e))) => Small::Stream(body, Some(Err(e))),
    }
}

impl Downstream {
    pub(crate) fn new(
        body: Incoming,
        first: Option<Result<Frame<Bytes>, BoxError>>,
        idle: Option<Duration>,
        trailers: Option<TrailerSlot>,
        in_flight: Option<InFlight>,
    ) -> Self {
        Downstream {
            body,
            idle,
            sleep: None,
            last_data: None,
            trailers,
            first,
            _in_flight: in_flight,
        }
    }
}

impl rejoinder_core::body::Relay for Downstream {
    /// An HTTP/1.1 body of known length, untouched, with nothing to
    /// collect after it (no trailers), moves by `splice(2)`.
    #[cfg(target_os = "linux")]
    fn take_source(self: Pin<&mut Self>) -> Option<Box<dyn rejoinder_core::body::RelaySource>> {
        let this = self.get_mut();
        if this.first.is_some() || this.trailers.is_some() {
            return None;
        }
        let Incoming::H1(body) = &mut this.body else {
            return None;
        };
        let splicer = body.splicer(this.idle)?;
        this.body = Incoming::Empty;
        Some(Box::new(Spliced {
            splicer,
            _in_flight: this._in_flight.take(),
        }))
    }
}

/// A body being spliced, still counted against its target (least
/// connections) until its last byte.
#[cfg(target_os = "linux")]
struct Spliced {
    splicer: h1::splice::Splicer,
    _in_flight: Option<InFlight>,
}

#[cfg(target_os = "linux")]
impl rejoinder_core::body::RelaySource for Spliced {
    fn poll_send(
        &mut self,
        to: &tokio::net::TcpStream,
        cx: &mut Context<'_>,
        max: usize,
    ) -> Poll<std::io::Result<usize>> {
        self.splicer.poll_send(to, cx, max)
    }
}

/// The upstream sent nothing for longer than the idle-body timeout.
#[derive(Debug)]
pub struct IdleTimeout(pub Duration);

impl std::fmt::Display for IdleTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the upstream body was idle for {:?}", self.0)
    }
}

impl std::error::Error for IdleTimeout {}

impl futures_core::Stream for Downstream {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            let polled = match this.first.take() {
                Some(first) => Poll::Ready(Some(first)),
                None => Pin::new(&mut this.body).poll_frame(cx),
            };
            match polled {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => {
                        if this.sleep.is_some() {
                            this.last_data = Some(tokio::time::Instant::now());
                        }
                        if data.is_empty() {
                            continue;
                        }
                        return Poll::Ready(Some(Ok(data)));
                    }
                    Err(frame) => {
                        if let (Ok(map), Some(slot)) = (frame.into_trailers(), &this.trailers) {
                            if let Ok(mut s) = slot.lock() {
                                *s = Some(map);
                            }
                        }
                    }
                },
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => {
                    this.sleep = None;
                    return Poll::Ready(None);
                }
                Poll::Pending => {
                    let Some(idle) = this.idle else {
                        return Poll::Pending;
                    };
                    let sleep = this
                        .sleep
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                    loop {
                        if std::future::Future::poll(sleep.as_mut(), cx).is_pending() {
                            return Poll::Pending;
                        }
                        match this.last_data.take() {
                            // Data came since the timer was armed: idle
                            // counts from the last of it.
                            Some(last) => sleep.as_mut().reset(last + idle),
                            None => {
                                this.idle = None;
                                return Poll::Ready(Some(Err(Box::new(IdleTimeout(idle)))));
                            }
                        }
                    }
                }
            }
        }
    }
}
