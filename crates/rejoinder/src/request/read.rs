//! Reading the request body, always under the request's body limit.

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::{Bytes, BytesMut};
use http_body::Body as HttpBody;
use rejoinder_core::HttpError;
use serde::de::DeserializeOwned;

use super::{Request, RequestBody};

/// The 413 for a body over `limit` bytes.
fn too_large(limit: usize) -> HttpError {
    HttpError::entity_too_large(format!(
        "The request body is larger than the limit of {limit} bytes"
    ))
}

fn unsupported(expected: &str, got: Option<&str>) -> HttpError {
    HttpError::unsupported_media_type(match got {
        Some(t) => format!("Expected a request with Content-Type: {expected}, got {t:?}"),
        None => format!("Expected a request with Content-Type: {expected}"),
    })
}

impl Request {
    /// The media type of the body, lower-cased, without parameters.
    fn media_type(&self) -> Option<String> {
        self.header("content-type")
            .map(|t| rejoinder_core::mime::essence(t).trim().to_ascii_lowercase())
    }

    /// Takes the body for reading, refusing it at once when its declared
    /// length is over the limit (the body goes back, unread, for the server
    /// to drain).
    fn body_for_reading(&mut self) -> Result<RequestBody, HttpError> {
        let body = self
            .body
            .take()
            .ok_or_else(|| HttpError::internal("").cause_by(AlreadyRead))?;
        let declared = body.size_hint().exact().or_else(|| {
            self.header("content-length")
                .and_then(|v| v.trim().parse::<u64>().ok())
        });
        if declared.is_some_and(|n| n > self.body_limit as u64) {
            self.body = Some(body);
            return Err(too_large(self.body_limit));
        }
        Ok(body)
    }

    /// The whole body, up to the [body limit](Self::body_limit).
    ///
    /// # Errors
    ///
    /// 413 when the body is (or is declared) larger than the limit — a
    /// declared length is refused before anything is read; 400 when the
    /// client breaks off or sends a malformed body; 500 when the body was
    /// already taken.
    pub async fn bytes(&mut self) -> Result<Bytes, HttpError> {
        let limit = self.body_limit;
        let mut body = self.body_for_reading()?;
        let hint = body.size_hint().lower().min(limit as u64) as usize;
        let mut buf = BytesMut::with_capacity(hint);
        let mut single: Option<Bytes> = None;
        loop {
            let frame = match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
                None => break,
                Some(Ok(frame)) => frame,
                Some(Err(e)) => return Err(unreadable(e)),
            };
            let Ok(data) = frame.into_data() else {
                continue; // trailers
            };
            let total = buf.len() + single.as_ref().map_or(0, Bytes::len) + data.len();
            if total > limit {
                self.body = Some(body);
                return Err(too_large(limit));
            }
            // One chunk is kept as it is; only a second one is copied.
            match single.take() {
                None if buf.is_empty() => single = Some(data),
                None => buf.extend_from_slice(&data),
                Some(first) => {
                    buf.extend_from_slice(&first);
                    buf.extend_from_slice(&data);
                }
            }
        }
        Ok(single.unwrap_or_else(|| buf.freeze()))
    }

    /// The body as UTF-8 text, up to the limit.
    ///
    /// # Errors
    ///
    /// 400 when it is not valid UTF-8; otherwise as [`bytes`](Self::bytes).
    pub async fn text(&mut self) -> Result<String, HttpError> {
        let bytes = self.bytes().await?;
        String::from_utf8(bytes.into()).map_err(|e| {
            HttpError::bad_request(format!(
                "The request body is not valid UTF-8: {}",
                e.utf8_error()
            ))
        })
    }

    /// The body parsed as JSON into `T`.
    ///
    /// # Errors
    ///
    /// 415 unless the Content-Type is `application/json` or a `+json` type;
    /// 400 with serde's message, line and column when the body is not JSON
    /// or not the JSON `T` expects; otherwise as [`bytes`](Self::bytes).
    pub async fn json<T: DeserializeOwned>(&mut self) -> Result<T, HttpError> {
        let is_json = self
            .media_type()
            .is_some_and(|t| t == "application/json" || (t.contains('/') && t.ends_with("+json")));
        if !is_json {
            return Err(unsupported("application/json", self.header("content-type")));
        }
        let bytes = self.bytes().await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            HttpError::bad_request(format!("Failed to parse the request body as JSON: {e}"))
        })
    }

    /// The body parsed as an HTML form (`application/x-www-form-urlencoded`)
    /// into `T`, percent-decoding and `+` handled by `serde_urlencoded`.
    ///
    /// # Errors
    ///
    /// 415 for another Content-Type; 400 when the form does not fit `T`;
    /// otherwise as [`bytes`](Self::bytes).
    pub async fn form<T: DeserializeOwned>(&mut self) -> Result<T, HttpError> {
        if self.media_type().as_deref() != Some("application/x-www-form-urlencoded") {
            return Err(unsupported(
                "application/x-www-form-urlencoded",
                self.header("content-type"),
            ));
        }
        let bytes = self.bytes().await?;
        serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            HttpError::bad_request(format!("Failed to parse the request body as a form: {e}"))
        })
    }

    /// The body as a stream of chunks, as they arrive, cut at the body
    /// limit: once more than the limit has arrived the stream yields a 413
    /// and ends.
    ///
    /// ```
    /// # use rejoinder::{Context, HttpError};
    /// async fn count(ctx: &mut Context) -> Result<String, HttpError> {
    ///     let mut body = ctx.req.body_stream()?;
    ///     let mut total = 0;
    ///     while let Some(chunk) = body.chunk().await? {
    ///         total += chunk.len();
    ///     }
    ///     Ok(format!("{total} bytes"))
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// 413 at once when the declared length is over the limit; 500 when the
    /// body was already taken.
    pub fn body_stream(&mut self) -> Result<BodyStream, HttpError> {
        let body = self.body_for_reading()?;
        Ok(BodyStream {
            body: Some(body),
            limit: self.body_limit,
            read: 0,
            expects_continue: self.expects_continue(),
        })
    }
}

fn unreadable(e: rejoinder_core::BoxError) -> HttpError {
    // A limit enforced below the app (tower-http's `RequestBodyLimitLayer`
    // wraps the body in `http_body_util::Limited`) is a 413 too.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e.as_ref());
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return HttpError::entity_too_large(format!("The request body is too large: {err}"))
                .cause_by(Unreadable(e));
        }
        source = err.source();
    }
    HttpError::bad_request("The request body could not be read").cause_by(Unreadable(e))
}

#[derive(Debug)]
struct Unreadable(rejoinder_core::BoxError);

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the request body could not be read: {}", self.0)
    }
}

impl std::error::Error for Unreadable {}

#[derive(Debug)]
struct AlreadyRead;

impl std::fmt::Display for AlreadyRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body was already taken; it can be read once")
    }
}

impl std::error::Error for AlreadyRead {}

/// The request body as chunks, under the body limit; from
/// [`Request::body_stream`]. Also a `Stream` of `Result<Bytes, HttpError>`.
#[must_use = "a body stream reads nothing unless polled"]
#[derive(Debug)]
pub struct BodyStream {
    body: Option<RequestBody>,
    limit: usize,
    read: usize,
    expects_continue: bool,
}

impl BodyStream {
    /// The next chunk; `Ok(None)` at the end.
    ///
    /// # Errors
    ///
    /// 413 once more than the limit arrived; 400 when the client breaks off.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, HttpError> {
        std::future::poll_fn(|cx| self.poll_chunk(cx))
            .await
            .transpose()
    }

    /// How many bytes arrived so far.
    pub fn bytes_read(&self) -> usize {
        self.read
    }

    fn poll_chunk(&mut self, cx: &mut TaskContext<'_>) -> Poll<Option<Result<Bytes, HttpError>>> {
        loop {
            let Some(body) = self.body.as_mut() else {
                return Poll::Ready(None);
            };
            match std::task::ready!(Pin::new(body).poll_frame(cx)) {
                None => {
                    self.body = None;
                    return Poll::Ready(None);
                }
                Some(Err(e)) => {
                    self.body = None;
                    return Poll::Ready(Some(Err(unreadable(e))));
                }
                Some(Ok(frame)) => {
                    let Ok(data) = frame.into_data() else {
                        continue;
                    };
                    self.read += data.len();
                    if self.read > self.limit {
                        if let Some(rest) = self.body.take() {
                            super::linger(rest, self.expects_continue);
                        }
                        return Poll::Ready(Some(Err(too_large(self.limit))));
                    }
                    return Poll::Ready(Some(Ok(data)));
                }
            }
        }
    }
}

impl futures_core::Stream for BodyStream {
    type Item = Result<Bytes, HttpError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_chunk(cx)
    }
}

impl Drop for BodyStream {
    fn drop(&mut self) {
        // A stream dropped before its end drains the rest, so a client
        // still sending can read the answer.
        if let Some(rest) = self.body.take() {
            super::linger(rest, self.expects_continue);
        }
    }
}
