//! The response body coming from an HTTP/1.1 upstream, read from the
//! socket only when it is polled (backpressure), through the decoder of
//! its framing. An upload the upstream answered before it was complete is
//! written on while the answer is read. At the body's clean end the
//! connection goes back to the pool when it can carry another request;
//! on an error, a close-delimited body, or the body dropped unread, it is
//! closed.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

use super::conn::Conn;
use super::decode::{Decoded, Decoder};
use super::upload::Upload;
use super::Release;

/// An HTTP/1.1 response body.
pub(crate) struct Body {
    /// `None` once the body has ended or failed.
    conn: Option<Box<Conn>>,
    decoder: Decoder,
    /// The response allows another request on the connection.
    keep_alive: bool,
    /// What is left of the request to write (rarely anything: boxed).
    upload: Option<Box<Upload>>,
    release: Release,
    /// A failure held back for one poll, so that what came before it is
    /// flushed to the client first.
    failed: Option<io::Error>,
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Body")
            .field("decoder", &self.decoder)
            .finish_non_exhaustive()
    }
}

impl Body {
    pub(crate) fn new(
        conn: Box<Conn>,
        decoder: Decoder,
        keep_alive: bool,
        upload: Option<Upload>,
        release: Release,
    ) -> Self {
        let mut body = Body {
            conn: Some(conn),
            decoder,
            keep_alive,
            upload: upload.map(Box::new),
            release,
            failed: None,
        };
        if body.decoder.is_done() {
            body.finish();
        }
        body
    }

    /// The body has ended: the connection goes back to the pool if
    /// nothing is left on it either way.
    fn finish(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if self.keep_alive
            && self.upload.is_none()
            && !self.decoder.is_close_delimited()
            && conn.buf.is_empty()
        {
            self.release.give_back(conn);
        }
    }

    /// The body as a [`Splicer`](super::splice::Splicer), the kernel to
    /// move its bytes, when nothing of it has been taken yet and its
    /// length makes it worth it (see `splice::MIN`); the body is left
    /// ended. `idle`: the idle-body timeout.
    #[cfg(target_os = "linux")]
    pub(crate) fn splicer(
        &mut self,
        idle: Option<std::time::Duration>,
    ) -> Option<super::splice::Splicer> {
        if self.failed.is_some() || self.upload.is_some() || self.decoder.is_close_delimited() {
            return None;
        }
        let remaining = self.decoder.remaining()?;
        if remaining < super::splice::MIN {
            return None;
        }
        let conn = self.conn.take()?;
        self.decoder = Decoder::empty();
        Some(super::splice::Splicer::new(
            conn,
            remaining,
            self.keep_alive,
            self.release.clone(),
            idle,
        ))
    }

    /// A failure: the connection is closed, the body ends. The error is
    /// given at the next poll: a server writing the body flushes what it
    /// holds when it is told to wait, so the client gets every byte that
    /// came before the failure.
    fn fail(
        &mut self,
        e: io::Error,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.conn = None;
        self.upload = None;
        self.failed = Some(e);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if let Some(e) = this.failed.take() {
            this.decoder = Decoder::empty();
            return Poll::Ready(Some(Err(e)));
        }
        let Some(conn) = this.conn.as_mut() else {
            return Poll::Ready(None);
        };
        if let Some(up) = this.upload.as_mut() {
            match up.poll_send(&conn.io, cx) {
                Poll::Pending => {}
                Poll::Ready(Ok(())) => this.upload = None,
                // The answer is what counts now; the connection is not
                // kept with the request unfinished.
                Poll::Ready(Err(e)) => {
                    tracing::debug!(error = ?e, "the rest of the upload was not sent");
                    this.upload.take();
                    this.keep_alive = false;
                }
            }
        }
        loop {
            let Some(conn) = this.conn.as_mut() else {
                return Poll::Ready(None);
            };
            match this.decoder.decode(&mut conn.buf) {
                Ok(Decoded::Data(data)) => {
                    if this.decoder.is_done() {
                        this.finish();
                    }
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Ok(Decoded::Trailers(map)) => {
                    this.finish();
                    return Poll::Ready(Some(Ok(Frame::trailers(map))));
                }
                Ok(Decoded::End) => {
                    this.finish();
                    return Poll::Ready(None);
                }
                Ok(Decoded::More) => {}
                Err(e) => return this.fail(e, cx),
            }
            match std::task::ready!(conn.poll_fill(cx)) {
                Ok(0) => {
                    if let Err(e) = this.decoder.eof() {
                        return this.fail(e, cx);
                    }
                }
                Ok(_) => {}
                Err(e) => return this.fail(e, cx),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.decoder.is_done() && self.failed.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match self.decoder.remaining() {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}
