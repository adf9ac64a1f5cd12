//! The body of an incoming request, as an `http_body::Body`.

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use rejoinder_core::BoxError;

/// The body of an incoming request.
///
/// Read it through the helpers on [`Request`](crate::Request)
/// (`bytes()`, `text()`, `json()`, `form()`, `body_stream()`), which apply
/// the body limit; this type is the raw `http_body::Body` underneath.
pub struct RequestBody {
    kind: BodyKind,
    polled: bool,
}

enum BodyKind {
    Empty,
    Incoming(hyper::body::Incoming),
    Boxed(UnsyncBoxBody<Bytes, BoxError>),
}

impl RequestBody {
    /// No body.
    pub fn empty() -> Self {
        RequestBody {
            kind: BodyKind::Empty,
            polled: false,
        }
    }

    /// Any `http_body::Body` of bytes.
    pub fn new<B>(body: B) -> Self
    where
        B: HttpBody<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        use http_body_util::BodyExt;
        // A body that already is one (or hyper's own) is kept as it is, so
        // passing a request through tower layers does not box it again.
        let mut slot = Some(body);
        let any = &mut slot as &mut dyn std::any::Any;
        if let Some(same) = any.downcast_mut::<Option<RequestBody>>() {
            return same.take().unwrap_or_else(RequestBody::empty);
        }
        if let Some(incoming) = any.downcast_mut::<Option<hyper::body::Incoming>>() {
            return incoming
                .take()
                .map_or_else(RequestBody::empty, RequestBody::from);
        }
        let body = slot.take().expect("the body is still here");
        RequestBody {
            kind: BodyKind::Boxed(body.map_err(Into::into).boxed_unsync()),
            polled: false,
        }
    }

    /// Whether anything asked this body for data yet. Until then an HTTP/1.1
    /// client that sent `Expect: 100-continue` has not been told to send it.
    pub(crate) fn was_polled(&self) -> bool {
        self.polled
    }
}

impl From<hyper::body::Incoming> for RequestBody {
    fn from(b: hyper::body::Incoming) -> Self {
        RequestBody {
            kind: BodyKind::Incoming(b),
            polled: false,
        }
    }
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBody")
            .field("size_hint", &self.size_hint())
            .finish_non_exhaustive()
    }
}

impl HttpBody for RequestBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        this.polled = true;
        match &mut this.kind {
            BodyKind::Empty => Poll::Ready(None),
            BodyKind::Incoming(b) => Pin::new(b).poll_frame(cx).map_err(Into::into),
            BodyKind::Boxed(b) => Pin::new(b).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            BodyKind::Empty => true,
            BodyKind::Incoming(b) => b.is_end_stream(),
            BodyKind::Boxed(b) => b.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            BodyKind::Empty => SizeHint::with_exact(0),
            BodyKind::Incoming(b) => b.size_hint(),
            BodyKind::Boxed(b) => b.size_hint(),
        }
    }
}
