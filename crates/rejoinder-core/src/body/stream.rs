//! Streamed bodies: any `Stream` of byte chunks, boxed once.

use std::pin::Pin;

use bytes::Bytes;
use futures_core::Stream;

use super::{Body, BoxError};

/// A boxed stream of body chunks.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

impl Body {
    /// A streaming body. The stream is polled as the client reads and dropped
    /// as soon as the client goes away. It is fused: once it has ended it is
    /// never polled again, so streams that must not be (`stream::unfold`)
    /// are safe under layers that poll past the end.
    pub fn stream<S, B, E>(stream: S) -> Body
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes>,
        E: Into<BoxError>,
    {
        Body::Stream(Box::pin(MapStream {
            inner: stream,
            done: false,
        }))
    }
}

pin_project_lite::pin_project! {
    struct MapStream<S> {
        #[pin]
        inner: S,
        done: bool,
    }
}

impl<S, B, E> Stream for MapStream<S>
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
    E: Into<BoxError>,
{
    type Item = Result<Bytes, BoxError>;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = self.project();
        if *this.done {
            return std::task::Poll::Ready(None);
        }
        let polled = this.inner.poll_next(cx);
        if let std::task::Poll::Ready(None) = polled {
            *this.done = true;
        }
        polled.map(|o| o.map(|r| r.map(Into::into).map_err(Into::into)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            (0, Some(0))
        } else {
            self.inner.size_hint()
        }
    }
}
