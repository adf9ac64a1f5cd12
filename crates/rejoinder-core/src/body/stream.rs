//! Streamed bodies: any `Stream` of byte chunks, boxed once.

use std::pin::Pin;

use bytes::Bytes;
use futures_core::Stream;

use super::{Body, BoxError};

/// A boxed stream of body chunks.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

impl Body {
    /// A streaming body. The stream is polled as the client reads and dropped
    /// as soon as the client goes away.
    pub fn stream<S, B, E>(stream: S) -> Body
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes>,
        E: Into<BoxError>,
    {
        Body::Stream(Box::pin(MapStream { inner: stream }))
    }
}

pin_project_lite::pin_project! {
    struct MapStream<S> {
        #[pin]
        inner: S,
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
        self.project()
            .inner
            .poll_next(cx)
            .map(|o| o.map(|r| r.map(Into::into).map_err(Into::into)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}
