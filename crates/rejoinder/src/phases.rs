//! Kong's filter phases: `header_filter`, `body_filter` and `log`.
//!
//! They run for every response — a handler's, an exit, an error, a panic's
//! 500 — after the middleware and late handlers:
//!
//! - **header filters** (`App::header_filter`)
//!   run once before the headers are sent and may change the status and the
//!   headers. A filter that returns an error (for example from an invalid
//!   header value) is logged; what it refused never reaches the wire.
//! - **body filters** (`App::body_filter`) see
//!   each chunk and the end through a [`BodyChunk`], which has no status or
//!   header setters: the headers are gone by then, so the type does not
//!   offer them. [`BodyChunk::raw_body`] buffers and returns the whole body
//!   at the end; [`BodyChunk::set_raw_body`] replaces it. A body held whole
//!   is filtered before it is framed, so its Content-Length is the filtered
//!   length; a streamed body is sent chunked, because the headers go out
//!   before a filter has seen it — unless every filter was added with
//!   `App::body_filter_same_length`, a promise to send as many bytes as
//!   it gets: then a file keeps its Content-Length (a broken promise cuts
//!   the connection off instead of sending a wrong length).
//! - **log** callbacks (`App::log`) run once the response
//!   is done — sent completely, or cut off — with a [`LogEntry`].
//!
//! # Examples
//!
//! ```
//! use rejoinder::{App, Context};
//!
//! let app = App::new()
//!     .handler(async |ctx: &mut Context| { ctx.res.set_body("hello"); })
//!     .header_filter(|res| {
//!         res.set("X-Filtered", "yes")?;
//!         Ok(())
//!     })
//!     .body_filter(|chunk| {
//!         if let Some(body) = chunk.raw_body() {
//!             chunk.set_raw_body(body.to_ascii_uppercase());
//!         }
//!     })
//!     .log(|entry| println!("{} {} {} bytes", entry.status, entry.path, entry.bytes_sent));
//! # drop(app);
//! ```

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::Method;
use http_body::{Body as HttpBody, Frame, SizeHint};
use rejoinder_core::http_error::Cause;
use rejoinder_core::{BoxError, ResBody, Response, Source};

/// A header filter.
pub type HeaderFilter = dyn Fn(&mut Response) -> Result<(), rejoinder_core::Error> + Send + Sync;
/// A body filter.
pub type BodyFilter = dyn Fn(&mut BodyChunk) + Send + Sync;
/// A log callback.
pub type LogCallback = dyn Fn(&LogEntry) + Send + Sync;

/// One chunk of a response body as a body filter sees it.
#[derive(Debug)]
pub struct BodyChunk {
    data: Bytes,
    last: bool,
    buffer: BytesMut,
    buffering: bool,
    replacement: Option<Bytes>,
}

impl BodyChunk {
    fn new() -> Self {
        BodyChunk {
            data: Bytes::new(),
            last: false,
            buffer: BytesMut::new(),
            buffering: false,
            replacement: None,
        }
    }

    /// The chunk's bytes.
    pub fn chunk(&self) -> &Bytes {
        &self.data
    }

    /// Replaces this chunk's bytes.
    pub fn set_chunk(&mut self, data: impl Into<Bytes>) {
        self.data = data.into();
    }

    /// Whether this is the end of the body.
    pub fn is_last(&self) -> bool {
        self.last
    }

    /// The whole body, at the end; before that `None`, and the chunk is
    /// withheld and buffered (Kong's `get_raw_body`).
    pub fn raw_body(&mut self) -> Option<Bytes> {
        self.buffering = true;
        self.buffer.extend_from_slice(&self.data);
        if self.last {
            let whole = std::mem::take(&mut self.buffer).freeze();
            self.data = whole.clone();
            Some(whole)
        } else {
            self.data = Bytes::new();
            None
        }
    }

    /// Replaces the whole body: nothing more of the original is sent, and
    /// `body` goes out at the end (Kong's `set_raw_body`).
    pub fn set_raw_body(&mut self, body: impl Into<Bytes>) {
        self.replacement = Some(body.into());
        self.data = Bytes::new();
        self.buffer.clear();
    }

    /// Runs the filter on one piece of the body; returns what to send.
    fn feed(&mut self, filter: &BodyFilter, data: Bytes, last: bool) -> Bytes {
        if self.replacement.is_some() {
            // The body was replaced: drop the rest, send the replacement last.
            return if last {
                self.replacement.take().unwrap_or_default()
            } else {
                Bytes::new()
            };
        }
        self.data = data;
        self.last = last;
        if self.buffering && !last {
            self.buffer.extend_from_slice(&self.data);
            self.data = Bytes::new();
        }
        filter(self);
        match (&self.replacement, last) {
            (Some(_), true) => self.replacement.take().unwrap_or_default(),
            (Some(_), false) => Bytes::new(),
            (None, _) => std::mem::take(&mut self.data),
        }
    }
}

/// What a log callback learns about a finished response.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LogEntry {
    /// The request method.
    pub method: Method,
    /// The request path.
    pub path: String,
    /// The request id.
    pub request_id: String,
    /// The status sent.
    pub status: u16,
    /// Body bytes handed to the connection.
    pub bytes_sent: u64,
    /// From the request's arrival to the end of the body.
    pub duration: Duration,
    /// Where the response came from.
    pub source: Source,
    /// The error behind the response, if any.
    pub error_cause: Option<Cause>,
    /// Whether the body was sent completely (false when the client went
    /// away or the body failed).
    pub completed: bool,
}

/// Runs the header filters, logging refusals.
pub(crate) fn run_header_filters(filters: &[Arc<HeaderFilter>], res: &mut Response) {
    for filter in filters {
        if let Err(e) = filter(res) {
            tracing::error!(error = %e, "a header filter failed; its change was not applied");
        }
    }
}

/// The body filters of an app, in order, and whether every one of them
/// keeps the body's length (`App::body_filter_same_length`).
#[derive(Clone)]
pub(crate) struct BodyFilters {
    list: Arc<[Arc<BodyFilter>]>,
    same_length: bool,
}

impl BodyFilters {
    pub(crate) fn new(filter: Arc<BodyFilter>, same_length: bool) -> Self {
        BodyFilters {
            list: Arc::from([filter]),
            same_length,
        }
    }

    pub(crate) fn with(self, filter: Arc<BodyFilter>, same_length: bool) -> Self {
        let mut list = self.list.to_vec();
        list.push(filter);
        BodyFilters {
            list: list.into(),
            same_length: self.same_length && same_length,
        }
    }

    /// Applies the filters: a whole body at once (so it is framed with its
    /// filtered length), a stream chunk by chunk. A stream of known length
    /// keeps announcing it when every filter keeps the length.
    pub(crate) fn apply(&self, body: ResBody) -> ResBody {
        match body.into_full() {
            Ok(bytes) => {
                let mut out = bytes;
                for f in self.list.iter() {
                    out = BodyChunk::new().feed(f.as_ref(), out, true);
                }
                ResBody::full(out)
            }
            Err(stream) => {
                let length = if self.same_length {
                    stream.size_hint().exact()
                } else {
                    None
                };
                let states = self.list.iter().map(|_| BodyChunk::new()).collect();
                ResBody::boxed(Box::pin(Filtered {
                    inner: stream,
                    filters: self.list.clone(),
                    states,
                    done: false,
                    pending_trailers: None,
                    length,
                    sent: 0,
                }))
            }
        }
    }
}

struct Filtered {
    inner: ResBody,
    filters: Arc<[Arc<BodyFilter>]>,
    states: Vec<BodyChunk>,
    done: bool,
    pending_trailers: Option<Frame<Bytes>>,
    /// The length announced for the body (all filters keep the length).
    length: Option<u64>,
    sent: u64,
}

/// A length-keeping body filter that did not keep the length.
#[derive(Debug)]
struct LengthChanged {
    announced: u64,
    sent: u64,
}

impl std::fmt::Display for LengthChanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a body filter added with body_filter_same_length changed the body's length \
             (Content-Length {} announced, {} bytes {}): the response was cut off; add \
             the filter with body_filter to have the body sent chunked",
            self.announced,
            self.sent,
            if self.sent > self.announced {
                "given"
            } else {
                "at the end"
            }
        )
    }
}

impl std::error::Error for LengthChanged {}

impl Filtered {
    fn run(&mut self, data: Bytes, last: bool) -> Bytes {
        let mut out = data;
        for (f, state) in self.filters.iter().zip(self.states.iter_mut()) {
            out = state.feed(f.as_ref(), out, last);
        }
        out
    }
}

impl HttpBody for Filtered {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let polled = this.poll_filtered(cx);
        let Some(announced) = this.length else {
            return polled;
        };
        let ended = match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                this.sent += frame.data_ref().map_or(0, |d| d.len() as u64);
                this.sent > announced
            }
            Poll::Ready(None) => this.sent != announced,
            _ => false,
        };
        if ended {
            this.length = None;
            this.done = true;
            let err = LengthChanged {
                announced,
                sent: this.sent,
            };
            tracing::error!(error = %err, "body filter");
            return Poll::Ready(Some(Err(Box::new(err))));
        }
        polled
    }

    fn size_hint(&self) -> SizeHint {
        match self.length {
            Some(n) => SizeHint::with_exact(n.saturating_sub(self.sent)),
            None => SizeHint::default(),
        }
    }
}

impl Filtered {
    fn poll_filtered(
        &mut self,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self;
        loop {
            if let Some(t) = this.pending_trailers.take() {
                return Poll::Ready(Some(Ok(t)));
            }
            if this.done {
                return Pin::new(&mut this.inner).poll_frame(cx);
            }
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => {
                        let out = this.run(data, false);
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(out))));
                        }
                    }
                    Err(trailers) => {
                        // The data ended: flush the filters, then the trailers.
                        this.done = true;
                        this.pending_trailers = Some(trailers);
                        let out = this.run(Bytes::new(), true);
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(out))));
                        }
                    }
                },
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    let out = this.run(Bytes::new(), true);
                    return Poll::Ready((!out.is_empty()).then_some(Ok(Frame::data(out))));
                }
            }
        }
    }
}

/// A body that reports to the log callbacks when it ends or is dropped.
pub(crate) struct Logged {
    inner: ResBody,
    entry: Option<LogEntry>,
    started: Instant,
    callbacks: Option<Arc<[Arc<LogCallback>]>>,
    span: tracing::Span,
}

impl Logged {
    /// Reports to `callbacks` (the log phase) and to `span` (see
    /// [`trace`](crate::trace)), either of which may be absent or disabled.
    pub(crate) fn new(
        inner: ResBody,
        entry: LogEntry,
        started: Instant,
        callbacks: Option<Arc<[Arc<LogCallback>]>>,
        span: tracing::Span,
    ) -> Self {
        Logged {
            inner,
            entry: Some(entry),
            started,
            callbacks,
            span,
        }
    }

    fn finish(&mut self, completed: bool) {
        if let Some(mut entry) = self.entry.take() {
            entry.completed = completed;
            entry.duration = self.started.elapsed();
            if !self.span.is_disabled() {
                crate::trace::record_end(&self.span, entry.bytes_sent, entry.duration, completed);
            }
            for cb in self.callbacks.iter().flat_map(|c| c.iter()) {
                crate::panic::catch("a log callback", || cb(&entry));
            }
        }
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        // A body the connection never needed to poll to its end (it knew
        // the length) is complete when nothing is left of it.
        let complete = self.inner.is_end_stream();
        self.finish(complete);
    }
}

impl HttpBody for Logged {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(data), Some(entry)) = (frame.data_ref(), this.entry.as_mut()) {
                    entry.bytes_sent += data.len() as u64;
                }
                if this.inner.is_end_stream() {
                    this.finish(true);
                }
            }
            Poll::Ready(Some(Err(_))) => this.finish(false),
            Poll::Ready(None) => this.finish(true),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
