//! The client's upload going up to the upstream, taken back when a retry
//! needs it (the answer coming down is the `download` module's).
//!
//! It does not buffer: it is polled only when the upstream connection
//! wants more, so a slow upstream slows the client (backpressure) and
//! memory stays flat whatever the size.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use rejoinder::{BoxError, RequestBody};

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
