//! The two bodies a proxied exchange streams: the client's upload going up
//! (taken back when a retry needs it) and the upstream's answer coming
//! down (with its idle timeout and its trailers).
//!
//! Neither buffers: each is polled only when the other side's connection
//! wants more, so a slow reader slows the writer (backpressure both ways)
//! and memory stays flat whatever the size.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body as HttpBody, Frame, SizeHint};
use rejoinder::{BoxError, RequestBody};

use crate::upstream::InFlight;

/// The request body sent to the upstream.
pub struct UpstreamBody {
    kind: Kind,
}

enum Kind {
    Empty,
    Direct(RequestBody),
    /// Shared with the proxy, which takes it back for a retry when the
    /// attempt failed before polling it.
    Shared(Arc<Mutex<Shared>>),
}

/// A request body and whether an attempt has started reading it.
pub(crate) struct Shared {
    body: RequestBody,
    started: bool,
}

impl std::fmt::Debug for UpstreamBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UpstreamBody")
    }
}

impl UpstreamBody {
    pub(crate) fn empty() -> Self {
        UpstreamBody { kind: Kind::Empty }
    }

    pub(crate) fn direct(body: RequestBody) -> Self {
        UpstreamBody {
            kind: Kind::Direct(body),
        }
    }

    fn shared(slot: Arc<Mutex<Shared>>) -> Self {
        UpstreamBody {
            kind: Kind::Shared(slot),
        }
    }
}

/// A request body that a failed attempt may hand back.
pub(crate) struct Reclaim {
    slot: Option<Arc<Mutex<Shared>>>,
}

impl Reclaim {
    /// Splits `body` into what the attempt sends and a handle to take it
    /// back. An empty body needs no sharing: a retry sends nothing again.
    pub(crate) fn new(body: Option<RequestBody>, retryable: bool) -> (Self, UpstreamBody) {
        match body.filter(|b| !b.is_end_stream()) {
            None => (Reclaim { slot: None }, UpstreamBody::empty()),
            Some(b) if retryable => {
                let slot = Arc::new(Mutex::new(Shared {
                    body: b,
                    started: false,
                }));
                (
                    Reclaim {
                        slot: Some(slot.clone()),
                    },
                    UpstreamBody::shared(slot),
                )
            }
            Some(b) => (Reclaim { slot: None }, UpstreamBody::direct(b)),
        }
    }

    /// The body for one more attempt, if the last one did not start
    /// sending it (`None` when it did, or when it is gone).
    pub(crate) fn again(&self) -> Option<UpstreamBody> {
        match &self.slot {
            None => Some(UpstreamBody::empty()),
            Some(slot) => {
                let untouched = slot.lock().is_ok_and(|g| !g.started);
                untouched.then(|| UpstreamBody::shared(slot.clone()))
            }
        }
    }
}

impl HttpBody for UpstreamBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().kind {
            Kind::Empty => Poll::Ready(None),
            Kind::Direct(b) => Pin::new(b).poll_frame(cx),
            Kind::Shared(slot) => {
                let Ok(mut guard) = slot.lock() else {
                    return Poll::Ready(Some(Err("the request body lock was poisoned".into())));
                };
                guard.started = true;
                Pin::new(&mut guard.body).poll_frame(cx)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Empty => true,
            Kind::Direct(b) => b.is_end_stream(),
            Kind::Shared(slot) => slot.lock().map(|g| g.body.is_end_stream()).unwrap_or(true),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Empty => SizeHint::with_exact(0),
            Kind::Direct(b) => b.size_hint(),
            Kind::Shared(slot) => slot
                .lock()
                .ok()
                .map(|g| g.body.size_hint())
                .unwrap_or_default(),
        }
    }
}

/// Where the upstream's trailers land for the downstream response.
pub(crate) type TrailerSlot = Arc<Mutex<Option<HeaderMap>>>;

/// The upstream response body as a stream of chunks for a rejoinder
/// [`Body::stream`](rejoinder::Body::stream).
pub(crate) struct Downstream {
    body: hyper::body::Incoming,
    idle: Option<Duration>,
    /// Armed on the first wait; moved only when it fires (resetting a
    /// timer for every chunk costs more than reading the clock).
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    /// When data last came while the timer was armed.
    last_data: Option<tokio::time::Instant>,
    trailers: Option<TrailerSlot>,
    /// A frame taken by [`take_small`] that is not the whole body.
    first: Option<Result<Frame<Bytes>, hyper::Error>>,
    _in_flight: Option<InFlight>,
}

/// The most bytes a body may have to be taken whole when it is already
/// there (see [`take_small`]).
const SMALL: u64 = 64 * 1024;

/// What [`take_small`] found.
pub(crate) enum Small {
    /// The whole body, already received.
    Whole(Bytes),
    /// Not (all) there yet: stream it, starting with what was taken.
    Stream(
        hyper::body::Incoming,
        Option<Result<Frame<Bytes>, hyper::Error>>,
    ),
}

/// Takes a small body of known length whole when its bytes have already
/// arrived (the common case for a short answer: the upstream sent head and
/// body in one packet), so it is sent as one buffer with its exact length
/// instead of through a stream. Never waits.
pub(crate) fn take_small(mut body: hyper::body::Incoming) -> Small {
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
        body: hyper::body::Incoming,
        first: Option<Result<Frame<Bytes>, hyper::Error>>,
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
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(Box::new(e)))),
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
