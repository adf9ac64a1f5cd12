//! The response: status, message, headers and a lazy body, with Koa's and
//! Adonis's semantics.
//!
//! A [`Response`] nobody touched is `404 Not Found` with the body
//! "Not Found". Setting a body on an untouched status makes it 200;
//! setting [`Body::Empty`] makes it 204 and removes the content headers.
//! The Content-Type and Content-Length are worked out from the final body
//! when the response is [finalized](Response::finalize), unless the handler
//! set them itself; until then the body stays inspectable and replaceable.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::Response;
//!
//! let mut res = Response::new();
//! assert_eq!(res.status().as_u16(), 404);
//! res.set_body("<h1>Hello</h1>");
//! assert_eq!(res.status().as_u16(), 200);
//! assert_eq!(res.content_type(), Some("text/html"));
//! assert_eq!(res.length(), Some(14));
//! res.set("X-Request-Id", "abc").unwrap();
//! assert_eq!(res.get("x-request-id"), Some("abc"));
//! assert!(res.set("X-Bad", "a\r\nInjected: 1").is_err());
//! ```

use std::borrow::Cow;
use std::time::SystemTime;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode, Version};

use crate::body::{Body, JsonBody};
use crate::error::{Error, Kind};
use crate::header::{IntoHeaderName, IntoHeaderValues};
use crate::outcome::{Checked, HeaderOutput, Join, Outcome, Typed};
use crate::wire::ResBody;
use crate::{mime, status, vary};

mod merge;

mod sealed {
    pub trait Sealed {}
}

/// Something that names a status: a number, a [`StatusCode`], or a reason
/// phrase (`"not found"`, `"NOT_FOUND"`). Sealed.
///
/// A [`StatusCode`] is valid by construction, so [`Response::set_status`]
/// given one returns `&mut Response`; numbers and names are checked, and
/// return a `Result` (see [`outcome`](crate::outcome)).
pub trait IntoStatus: sealed::Sealed {
    /// [`Typed`] for [`StatusCode`], [`Checked`] otherwise.
    type Outcome: Outcome;

    /// Converts, validating.
    ///
    /// # Errors
    ///
    /// A number outside 100–999 or an unknown phrase.
    fn into_status(self) -> Result<StatusCode, Error>;
}

impl<T: crate::outcome::Integer> sealed::Sealed for T {}
impl<T: crate::outcome::Integer> IntoStatus for T {
    type Outcome = Checked;
    fn into_status(self) -> Result<StatusCode, Error> {
        let n = self.to_i128();
        match u16::try_from(n) {
            Ok(code) => Ok(status::validate(code)?),
            Err(_) => Err(status::StatusError::Invalid(
                n.clamp(i64::MIN.into(), i64::MAX.into()) as i64
            )
            .into()),
        }
    }
}
impl sealed::Sealed for StatusCode {}
impl IntoStatus for StatusCode {
    type Outcome = Typed;
    fn into_status(self) -> Result<StatusCode, Error> {
        Ok(self)
    }
}
impl sealed::Sealed for &str {}
impl IntoStatus for &str {
    type Outcome = Checked;
    fn into_status(self) -> Result<StatusCode, Error> {
        Ok(status::validate(status::code_for(self)?)?)
    }
}

/// Something that names a content type for [`Response::set_type`]: a media
/// type or extension as text (checked), or a [`mime::Mime`] (typed, so the
/// setter cannot fail). Sealed.
pub trait IntoContentType: sealed::Sealed {
    /// [`Typed`] for [`mime::Mime`], [`Checked`] for text.
    type Outcome: Outcome;

    #[doc(hidden)]
    fn as_type_str(&self) -> &str;
}

impl IntoContentType for &str {
    type Outcome = Checked;
    fn as_type_str(&self) -> &str {
        self
    }
}
impl sealed::Sealed for &String {}
impl IntoContentType for &String {
    type Outcome = Checked;
    fn as_type_str(&self) -> &str {
        self
    }
}
impl sealed::Sealed for ::mime::Mime {}
impl IntoContentType for ::mime::Mime {
    type Outcome = Typed;
    fn as_type_str(&self) -> &str {
        self.as_ref()
    }
}
impl sealed::Sealed for &::mime::Mime {}
impl IntoContentType for &::mime::Mime {
    type Outcome = Typed;
    fn as_type_str(&self) -> &str {
        self.as_ref()
    }
}

/// A bounded listing of response headers (Kong's `get_headers(max)`).
#[derive(Debug)]
pub struct HeaderListing<'a> {
    /// The first entries, one per value, in map order.
    pub entries: Vec<(&'a HeaderName, &'a HeaderValue)>,
    /// Whether entries were left out because of the limit.
    pub truncated: bool,
}

/// The default limit of [`Response::headers_limited`].
pub const DEFAULT_HEADER_LIMIT: usize = 100;

/// Where a response came from (Kong's `get_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Source {
    /// The handler (the service) produced it.
    #[default]
    Service,
    /// A short-circuit with [`Response::exit`].
    Exit,
    /// An error: an `HttpError`, a refused operation, a panic, or Kong's
    /// `error()`.
    Error,
}

impl Source {
    /// Kong's name for the source: `"service"`, `"exit"` or `"error"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Service => "service",
            Source::Exit => "exit",
            Source::Error => "error",
        }
    }
}

/// A response being built. See the [module docs](self).
#[must_use = "a response does nothing until it is returned or finalized"]
pub struct Response {
    status: StatusCode,
    status_by: StatusBy,
    message: Option<Cow<'static, str>>,
    headers: HeaderMap,
    body: Option<Body>,
    infer_type: bool,
    headers_sent: bool,
    source: Source,
    error_cause: Option<crate::http_error::Cause>,
    stream_error: Option<StreamErrorHandler>,
    trailers: Option<crate::trailers::Trailers>,
}

/// Who decided the status: nobody yet (404), a body (200), or a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusBy {
    Default,
    Body,
    Caller,
}

/// Decides the message and status for a stream that fails before its first
/// byte (Adonis's `stream(body, (error) => [message, status])`).
pub type StreamErrorHandler =
    std::sync::Arc<dyn Fn(&crate::BoxError) -> (String, u16) + Send + Sync>;

impl Default for Response {
    fn default() -> Self {
        Response::new()
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("message", &self.message())
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

/// The result of [`Response::finalize`]: the `http` response and the reason
/// phrase to send when it differs from the `http` crate's canonical one.
#[derive(Debug)]
pub struct Finalized {
    /// What goes on the wire.
    pub response: http::Response<ResBody>,
    /// A reason phrase other than [`StatusCode::canonical_reason`] (HTTP/1).
    pub reason: Option<Cow<'static, str>>,
}

fn is_valid_reason(s: &str) -> bool {
    s.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

impl Response {
    /// A fresh response: 404, no headers, no body.
    pub fn new() -> Self {
        Response {
            status: StatusCode::NOT_FOUND,
            status_by: StatusBy::Default,
            message: None,
            headers: HeaderMap::new(),
            body: None,
            infer_type: false,
            headers_sent: false,
            source: Source::Service,
            error_cause: None,
            stream_error: None,
            trailers: None,
        }
    }

    /// The trailers, if any were set.
    pub fn trailers(&self) -> Option<&crate::trailers::Trailers> {
        self.trailers.as_ref().filter(|t| !t.is_empty())
    }

    /// The trailers, to add to (see [`trailers`](crate::trailers)).
    pub fn trailers_mut(&mut self) -> &mut crate::trailers::Trailers {
        self.trailers.get_or_insert_with(Default::default)
    }

    /// Streams `stream` as the body (Adonis's `stream`). When it fails
    /// before its first chunk — while the headers are not sent yet —
    /// `on_error` decides the message and status of the answer instead; an
    /// error after that aborts the connection, so the client sees a
    /// truncated transfer.
    ///
    /// Without `on_error`, an early failure answers 500 with the status's
    /// reason phrase, and the cause is logged.
    pub fn stream<S, B, E>(&mut self, stream: S, on_error: Option<StreamErrorHandler>) -> &mut Self
    where
        S: futures_core::Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes>,
        E: Into<crate::BoxError>,
    {
        self.stream_error = Some(on_error.unwrap_or_else(|| {
            std::sync::Arc::new(|_: &crate::BoxError| ("Internal Server Error".to_owned(), 500))
        }));
        self.set_body(Body::stream(stream))
    }

    /// The early-failure handler of a body set with [`stream`](Self::stream).
    pub fn take_stream_error_handler(&mut self) -> Option<StreamErrorHandler> {
        self.stream_error.take()
    }

    /// Where this response came from.
    pub fn source(&self) -> Source {
        self.source
    }

    /// Records where this response came from.
    pub fn set_source(&mut self, source: Source) -> &mut Self {
        self.source = source;
        self
    }

    /// The error that produced this response, if any: a handler's error, a
    /// refused operation or a panic (vapr's `res.error`). Visible to code
    /// that runs after the handler.
    pub fn error_cause(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.error_cause.as_deref()
    }

    /// The error cause, shared (for keeping it past the response).
    pub fn error_cause_shared(&self) -> Option<crate::http_error::Cause> {
        self.error_cause.clone()
    }

    /// Records the error behind this response and marks its source as
    /// [`Source::Error`].
    pub fn set_error_cause(&mut self, cause: crate::http_error::Cause) -> &mut Self {
        self.error_cause = Some(cause);
        self.source = Source::Error;
        self
    }

    // ---- status and message -------------------------------------------

    /// The status; 404 until something sets it.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Whether the status was set explicitly (by a setter, or by setting a
    /// body on an untouched response).
    pub fn is_status_explicit(&self) -> bool {
        self.status_by != StatusBy::Default
    }

    /// Sets the status from a [`StatusCode`], a number (100–999) or a
    /// reason phrase. The message returns to the new status's default.
    /// Setting an empty-body status (204, 205, 304) drops the body and its
    /// content headers.
    ///
    /// A [`StatusCode`] cannot be invalid, so this returns `&mut Self`;
    /// numbers and names return a `Result` (see [`outcome`](crate::outcome)).
    ///
    /// # Errors
    ///
    /// An invalid code or unknown name; the response is unchanged.
    ///
    /// ```
    /// # use rejoinder_core::{http::StatusCode, Response};
    /// let mut res = Response::new();
    /// res.set_status(StatusCode::CREATED);
    /// assert_eq!(res.message(), Some("Created"));
    /// res.set_status("I'm a teapot").unwrap();
    /// assert_eq!(res.status().as_u16(), 418);
    /// let err = res.set_status(99).unwrap_err();
    /// assert!(err.to_string().contains("100 to 999"));
    /// ```
    pub fn set_status<S: IntoStatus>(&mut self, status: S) -> <S::Outcome as Outcome>::Output<'_> {
        let result = self
            .check_open()
            .and_then(|()| status.into_status())
            .map(|code| self.apply_status(code));
        S::Outcome::finish(self, result)
    }

    pub(crate) fn apply_status(&mut self, code: StatusCode) {
        self.status = code;
        self.status_by = StatusBy::Caller;
        self.message = None;
        if status::is_empty(code.as_u16()) && self.body.is_some() {
            self.body = None;
            self.strip_content_headers();
        }
    }

    /// Sets the status only when none was set yet (Adonis `safeStatus`).
    ///
    /// # Errors
    ///
    /// As [`set_status`](Self::set_status).
    pub fn set_status_if_unset<S: IntoStatus>(
        &mut self,
        status: S,
    ) -> <S::Outcome as Outcome>::Output<'_> {
        let result = self.check_open().and_then(|()| status.into_status());
        let result = result.map(|code| {
            if self.status_by == StatusBy::Default {
                self.apply_status(code);
            }
        });
        S::Outcome::finish(self, result)
    }

    /// The status message: one set with [`set_message`](Self::set_message),
    /// else the canonical reason phrase, else `None` for unregistered codes.
    pub fn message(&self) -> Option<&str> {
        self.message
            .as_deref()
            .or_else(|| status::reason(self.status.as_u16()))
    }

    /// Sets the status message, sent as the HTTP/1.1 reason phrase. A later
    /// [`set_status`](Self::set_status) resets it.
    ///
    /// # Errors
    ///
    /// A message with CR, LF or other control characters.
    pub fn set_message(
        &mut self,
        message: impl Into<Cow<'static, str>>,
    ) -> Result<&mut Self, Error> {
        self.check_open()?;
        let message = message.into();
        if !is_valid_reason(&message) {
            return Err(Error::new(Kind::Message(message.into_owned())));
        }
        self.message = Some(message);
        Ok(self)
    }

    // ---- headers -------------------------------------------------------

    /// All headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// All headers, mutable. The map takes `http`'s validated types, so
    /// nothing invalid can be put in; a Content-Type inserted here is kept,
    /// one removed here is inferred again at finalize.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The first value of a header (case-insensitive name) as text, if it is
    /// visible ASCII.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(|v| v.to_str().ok())
    }

    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        self.headers.get(name)
    }

    /// Every value of a header, in order.
    pub fn get_all(&self, name: &str) -> Vec<&HeaderValue> {
        self.headers.get_all(name).iter().collect()
    }

    /// Whether the header is present.
    pub fn has(&self, name: &str) -> bool {
        self.headers.contains_key(name)
    }

    /// Refuses changes once the headers are on their way.
    fn check_open(&self) -> Result<(), Error> {
        if self.headers_sent {
            Err(Error::new(Kind::Invalid(
                "headers have already been sent; status and headers can no longer change".into(),
            )))
        } else {
            Ok(())
        }
    }

    /// A response standing in for one whose headers were flushed: every
    /// status or header change on it is refused.
    pub fn flushed() -> Self {
        let mut res = Response::new();
        res.headers_sent = true;
        res
    }

    /// Whether the response has been handed to the connection (finalized
    /// or flushed); Adonis's `finished`.
    pub fn finished(&self) -> bool {
        self.headers_sent
    }

    /// Whether the response is still being built; Adonis's `isPending`.
    pub fn is_pending(&self) -> bool {
        !self.headers_sent
    }

    fn prepare(&self, name: HeaderName) -> Result<HeaderName, Error> {
        self.check_open()?;
        if name == header::TRANSFER_ENCODING {
            return Err(Error::new(Kind::Forbidden("Transfer-Encoding")));
        }
        Ok(name)
    }

    fn touched(&mut self, name: &HeaderName) {
        if name == header::CONTENT_TYPE {
            self.infer_type = false;
        }
    }

    /// Sets a header, replacing every value it had. A list of values is sent
    /// as repeated header lines.
    ///
    /// Given a [`HeaderName`] and a [`HeaderValue`] (or an integer), nothing
    /// can be invalid and this returns `&mut Self`; text is checked and
    /// returns a `Result` (see [`outcome`](crate::outcome)).
    ///
    /// # Errors
    ///
    /// An invalid name or value, or Transfer-Encoding (the server frames the
    /// body); the response is unchanged.
    pub fn set<N: IntoHeaderName, V: IntoHeaderValues>(
        &mut self,
        name: N,
        value: V,
    ) -> HeaderOutput<'_, N, V>
    where
        N::Outcome: Join<V::Outcome>,
    {
        let result = self.try_set(name, value).map(|_| ());
        <N::Outcome as Join<V::Outcome>>::Both::finish(self, result)
    }

    /// [`set`](Self::set) for generic code: always a `Result`.
    pub(crate) fn try_set<N: IntoHeaderName, V: IntoHeaderValues>(
        &mut self,
        name: N,
        value: V,
    ) -> Result<&mut Self, Error> {
        let (name, values) = self.checked_pair(name, value)?;
        self.touched(&name);
        self.headers.remove(&name);
        for v in values {
            self.headers.append(name.clone(), v);
        }
        Ok(self)
    }

    /// [`append`](Self::append) for generic code: always a `Result`.
    pub(crate) fn try_append<N: IntoHeaderName, V: IntoHeaderValues>(
        &mut self,
        name: N,
        value: V,
    ) -> Result<&mut Self, Error> {
        let (name, values) = self.checked_pair(name, value)?;
        self.touched(&name);
        for v in values {
            self.headers.append(name.clone(), v);
        }
        Ok(self)
    }

    fn checked_pair<N: IntoHeaderName, V: IntoHeaderValues>(
        &self,
        name: N,
        value: V,
    ) -> Result<(HeaderName, crate::header::HeaderValues), Error> {
        let name = self.prepare(name.into_header_name()?)?;
        let values = value.into_header_values(&name)?;
        Ok((name, values))
    }

    /// Appends values to a header, keeping the ones it has.
    ///
    /// # Errors
    ///
    /// As [`set`](Self::set).
    pub fn append<N: IntoHeaderName, V: IntoHeaderValues>(
        &mut self,
        name: N,
        value: V,
    ) -> HeaderOutput<'_, N, V>
    where
        N::Outcome: Join<V::Outcome>,
    {
        let result = self.try_append(name, value).map(|_| ());
        <N::Outcome as Join<V::Outcome>>::Both::finish(self, result)
    }

    /// Sets a header only when it is absent (Adonis `safeHeader`).
    ///
    /// # Errors
    ///
    /// As [`set`](Self::set).
    pub fn set_if_absent<N: IntoHeaderName, V: IntoHeaderValues>(
        &mut self,
        name: N,
        value: V,
    ) -> HeaderOutput<'_, N, V>
    where
        N::Outcome: Join<V::Outcome>,
    {
        let result = self.checked_pair(name, value).map(|(name, values)| {
            if !self.headers.contains_key(&name) {
                self.touched(&name);
                for v in values {
                    self.headers.append(name.clone(), v);
                }
            }
        });
        <N::Outcome as Join<V::Outcome>>::Both::finish(self, result)
    }

    /// Removes a header (case-insensitive); a name that cannot exist is a
    /// no-op.
    pub fn remove(&mut self, name: &str) -> &mut Self {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            self.touched(&name);
            self.headers.remove(&name);
        }
        self
    }

    /// Sets several headers at once, in the given order (Koa's `set(fields)`).
    /// Everything is validated before anything is set.
    ///
    /// # Errors
    ///
    /// The first invalid name or value; then no header was changed.
    pub fn set_all<N, V, I>(&mut self, fields: I) -> Result<&mut Self, Error>
    where
        I: IntoIterator<Item = (N, V)>,
        N: IntoHeaderName,
        V: IntoHeaderValues,
    {
        let mut checked = Vec::new();
        for (n, v) in fields {
            let name = self.prepare(n.into_header_name()?)?;
            let values = v.into_header_values(&name)?;
            checked.push((name, values));
        }
        for (name, values) in checked {
            self.touched(&name);
            self.headers.remove(&name);
            for v in values {
                self.headers.append(name.clone(), v);
            }
        }
        Ok(self)
    }

    /// Looks a header up the way Kong's `get_header` does: the name as given
    /// (when it is already lower case), then with `_` read as `-`, ignoring
    /// case, so `x_custom_header` finds `X-Custom-Header`.
    pub fn header_any(&self, name: &str) -> Option<&HeaderValue> {
        if !name.bytes().any(|b| b.is_ascii_uppercase()) {
            if let Some(v) = self.headers.get(name) {
                return Some(v);
            }
        }
        let normalized: String = name
            .chars()
            .map(|c| {
                if c == '_' {
                    '-'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        self.headers.get(normalized.as_str())
    }

    /// Lists at most `max` header entries (one per value), saying whether
    /// some were left out (Kong's `get_headers(max)`; Kong's default is
    /// [`DEFAULT_HEADER_LIMIT`]).
    ///
    /// # Errors
    ///
    /// `max` outside 1..=1000.
    pub fn headers_limited(&self, max: usize) -> Result<HeaderListing<'_>, Error> {
        if !(1..=1000).contains(&max) {
            return Err(Error::new(Kind::Limit(max)));
        }
        let mut iter = self.headers.iter();
        let entries: Vec<_> = iter.by_ref().take(max).collect();
        Ok(HeaderListing {
            entries,
            truncated: iter.next().is_some(),
        })
    }

    // ---- body ----------------------------------------------------------

    /// The body, if one was set.
    pub fn body(&self) -> Option<&Body> {
        self.body.as_ref()
    }

    /// The body, mutable, for middleware that rewrites it after the handler.
    pub fn body_mut(&mut self) -> Option<&mut Body> {
        self.body.as_mut()
    }

    /// Takes the body out, leaving none.
    pub fn take_body(&mut self) -> Option<Body> {
        self.body.take()
    }

    /// Sets the body as given, without Koa's status and type rules, and
    /// without content-type inference (Kong's `exit`).
    pub(crate) fn set_body_raw(&mut self, body: Body, infer_type: bool) {
        self.drop_length();
        self.infer_type = infer_type;
        self.body = Some(body);
    }

    /// Removes any Content-Length (skipping the hash lookup when there are
    /// no headers at all, the common case on the hot path).
    fn drop_length(&mut self) {
        if !self.headers.is_empty() {
            self.headers.remove(header::CONTENT_LENGTH);
        }
    }

    fn strip_content_headers(&mut self) {
        self.headers.remove(header::CONTENT_TYPE);
        self.drop_length();
        self.infer_type = false;
    }

    /// Sets the body with Koa's rules; the last call wins.
    ///
    /// - An untouched status becomes 200.
    /// - The Content-Type is inferred at finalize from the body's kind unless
    ///   one is present now or set later; a JSON body replaces a non-JSON
    ///   type that was set before it.
    /// - Any Content-Length set before is dropped; the length is deduced.
    /// - [`Body::Empty`] (or `None`) makes the status 204 unless it is
    ///   already an empty-body status, and removes the content headers —
    ///   except when the type is `application/json`, where the body becomes
    ///   the JSON `null` (Koa's rule).
    ///
    /// ```
    /// # use rejoinder_core::{Body, Response};
    /// let mut res = Response::new();
    /// res.set_body("x");
    /// res.set_body(Body::Empty);
    /// assert_eq!(res.status().as_u16(), 204);
    /// ```
    pub fn set_body(&mut self, body: impl Into<Body>) -> &mut Self {
        let body = body.into();
        if let Body::Empty = body {
            let code = self.status.as_u16();
            if !status::is_empty(code) {
                if self.content_type() == Some("application/json") {
                    self.body = Some(Body::json(serde_json::Value::Null));
                    return self;
                }
                self.apply_status(StatusCode::NO_CONTENT);
            }
            self.strip_content_headers();
            self.body = Some(Body::Empty);
            return self;
        }
        if self.status_by == StatusBy::Default {
            self.status = StatusCode::OK;
            self.status_by = StatusBy::Body;
            self.message = None;
        }
        self.drop_length();
        let has_type = !self.headers.is_empty() && self.headers.contains_key(header::CONTENT_TYPE);
        if let Body::Json(_) = body {
            let json_type = self
                .get("content-type")
                .is_some_and(|t| has_json_word(mime::essence(t)));
            if has_type && !json_type {
                self.headers.remove(header::CONTENT_TYPE);
            }
            self.infer_type = !json_type;
        } else {
            self.infer_type = !has_type;
        }
        self.body = Some(body);
        self
    }

    /// Sends a body with Adonis's rules: an empty body (`""` or
    /// [`Body::Empty`]) makes an untouched status 204 and sends nothing; any
    /// other body is set as with [`set_body`](Self::set_body), except that a
    /// Content-Type already present is always kept. The last call wins.
    pub fn send(&mut self, body: impl Into<Body>) -> &mut Self {
        let body = body.into();
        let empty = match &body {
            Body::Empty => true,
            Body::Text(t) | Body::Html(t) => t.is_empty(),
            _ => false,
        };
        if empty {
            if self.status_by == StatusBy::Default {
                self.apply_status(StatusCode::NO_CONTENT);
                self.status_by = StatusBy::Body;
            }
            self.strip_content_headers();
            self.body = Some(Body::Empty);
            return self;
        }
        let has_type = !self.headers.is_empty() && self.headers.contains_key(header::CONTENT_TYPE);
        if self.status_by == StatusBy::Default {
            self.status = StatusCode::OK;
            self.status_by = StatusBy::Body;
            self.message = None;
        }
        self.drop_length();
        self.infer_type = !has_type;
        self.body = Some(body);
        self
    }

    /// Sends a body with a strong ETag computed from its bytes (Adonis
    /// `send(body, true)`); a stream gets none.
    pub fn send_with_etag(&mut self, body: impl Into<Body>) -> &mut Self {
        let mut body = body.into();
        // A JSON value is serialized here, once: the tag hashes the bytes
        // that will be sent, and finalize sends them as they are.
        if let Body::Json(j @ JsonBody::Value(_)) = &mut body {
            let value = std::mem::replace(j, JsonBody::Failed(String::new()));
            *j = match value.into_bytes() {
                Ok(bytes) => JsonBody::Serialized(bytes),
                Err(e) => JsonBody::Failed(e),
            };
        }
        let tag = match &body {
            Body::Text(t) | Body::Html(t) => Some(crate::etag::etag(t.as_bytes(), false)),
            Body::Bytes(b) | Body::Json(JsonBody::Serialized(b)) => {
                Some(crate::etag::etag(b, false))
            }
            Body::File(f) => Some(f.weak_etag()),
            Body::Json(_) | Body::Empty | Body::Stream(_) => None,
        };
        if let Some(tag) = tag.and_then(|t| HeaderValue::from_str(&t).ok()) {
            self.headers.insert(header::ETAG, tag);
        }
        self.send(body)
    }

    // ---- type and length -----------------------------------------------

    /// The media type without parameters: from the Content-Type header, or
    /// the one the body implies when no type was set. `None` without either.
    pub fn content_type(&self) -> Option<&str> {
        match self.headers.get(header::CONTENT_TYPE) {
            Some(v) => v.to_str().ok().map(mime::essence).filter(|s| !s.is_empty()),
            None if self.infer_type => self
                .body
                .as_ref()
                .and_then(Body::default_content_type)
                .map(mime::essence),
            None => None,
        }
    }

    /// Sets the Content-Type from a media type (`"text/html"`, kept as
    /// written, or a [`mime::Mime`]) or an extension (`"png"`, `".png"`,
    /// `"report.csv"`), adding `charset=utf-8` to text types.
    ///
    /// A [`mime::Mime`] is valid by construction, so this returns
    /// `&mut Self` for one; text returns a `Result`.
    ///
    /// # Errors
    ///
    /// An unknown extension, or a media type that is not a valid header
    /// value; the response is unchanged.
    ///
    /// ```
    /// # use rejoinder_core::Response;
    /// let mut res = Response::new();
    /// res.set_type("html").unwrap();
    /// assert_eq!(res.get("content-type"), Some("text/html; charset=utf-8"));
    /// res.set_type(rejoinder_core::mime::IMAGE_PNG);
    /// assert_eq!(res.get("content-type"), Some("image/png"));
    /// assert!(res.set_type("nosuchext").unwrap_err().is_unknown_type());
    /// ```
    pub fn set_type<T: IntoContentType>(
        &mut self,
        value: T,
    ) -> <T::Outcome as Outcome>::Output<'_> {
        let result = self.try_set_type(value.as_type_str());
        T::Outcome::finish(self, result)
    }

    fn try_set_type(&mut self, value: &str) -> Result<(), Error> {
        self.check_open()?;
        let ct = mime::content_type_for(value)
            .ok_or_else(|| Error::new(Kind::UnknownType(value.to_owned())))?;
        let ct = match ct {
            Cow::Borrowed(s) => HeaderValue::from_static(s),
            Cow::Owned(s) => HeaderValue::from_str(&s)
                .map_err(|_| Error::new(Kind::UnknownType(value.to_owned())))?,
        };
        self.infer_type = false;
        self.headers.insert(header::CONTENT_TYPE, ct);
        Ok(())
    }

    /// Matches the content type against patterns as Koa's `is()`; see
    /// [`mime::type_is`].
    ///
    /// ```
    /// # use rejoinder_core::Response;
    /// let mut res = Response::new();
    /// res.set_body(serde_json::json!({"a": 1}));
    /// assert_eq!(res.is(&["html", "json"]).as_deref(), Some("json"));
    /// assert_eq!(res.is(&["text/*"]), None);
    /// ```
    pub fn is(&self, patterns: &[&str]) -> Option<String> {
        mime::type_is(self.content_type()?, patterns)
    }

    /// The Content-Length: declared, or deduced from the body when its
    /// length is known.
    pub fn length(&self) -> Option<u64> {
        if let Some(v) = self.headers.get(header::CONTENT_LENGTH) {
            return v.to_str().ok().and_then(|s| s.trim().parse().ok());
        }
        self.body.as_ref().and_then(Body::len).map(|n| n as u64)
    }

    /// Declares the Content-Length. For a body whose length is known, the
    /// real length is what goes on the wire (a HEAD response sends the
    /// declared one).
    pub fn set_length(&mut self, length: u64) -> &mut Self {
        self.headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        self
    }

    // ---- caching -------------------------------------------------------

    /// Sets the ETag, adding quotes unless it is already quoted or weak
    /// (`W/"..."`).
    ///
    /// # Errors
    ///
    /// A value that is not a valid header value.
    pub fn set_etag(&mut self, etag: &str) -> Result<&mut Self, Error> {
        self.check_open()?;
        let quoted = etag.starts_with('"') || etag.starts_with("W/\"");
        let value = if quoted {
            Cow::Borrowed(etag)
        } else {
            Cow::Owned(format!("\"{etag}\""))
        };
        let v = crate::header::value_from_str(&header::ETAG, &value)?;
        self.headers.insert(header::ETAG, v);
        Ok(self)
    }

    /// The ETag, if set.
    pub fn etag(&self) -> Option<&str> {
        self.get("etag")
    }

    /// Sets Last-Modified as an HTTP date (second precision).
    pub fn set_last_modified(&mut self, time: SystemTime) -> &mut Self {
        let v = HeaderValue::from_str(&httpdate::fmt_http_date(time))
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        self.headers.insert(header::LAST_MODIFIED, v);
        self
    }

    /// Last-Modified, parsed, if present and valid.
    pub fn last_modified(&self) -> Option<SystemTime> {
        self.get("last-modified")
            .and_then(|s| httpdate::parse_http_date(s).ok())
    }

    /// Adds fields to Vary, de-duplicated; `*` wins. See [`vary::append`].
    ///
    /// # Errors
    ///
    /// An empty field or one that is not a header name; Vary is unchanged.
    pub fn vary(&mut self, fields: &[&str]) -> Result<&mut Self, Error> {
        self.check_open()?;
        let existing: Vec<&str> = self
            .headers
            .get_all(header::VARY)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let value = vary::append(&existing.join(", "), fields)?;
        if !value.is_empty() {
            let v = crate::header::value_from_str(&header::VARY, &value)?;
            self.headers.insert(header::VARY, v);
        }
        Ok(self)
    }

    /// The Location header, if set.
    pub fn location(&self) -> Option<&str> {
        self.get("location")
    }

    /// Sets the Location header as given (see the redirect helpers for
    /// normalization and status).
    ///
    /// # Errors
    ///
    /// A value with CR, LF or other control bytes.
    pub fn set_location(&mut self, url: &str) -> Result<&mut Self, Error> {
        self.check_open()?;
        let v = crate::header::value_from_str(&header::LOCATION, url)?;
        self.headers.insert(header::LOCATION, v);
        Ok(self)
    }

    // ---- lifecycle -----------------------------------------------------

    /// Whether the status and headers have been handed to the connection.
    pub fn headers_sent(&self) -> bool {
        self.headers_sent
    }

    /// Turns the response into what goes on the wire, applying the finalize
    /// rules: inferred Content-Type and Content-Length, the default body of
    /// a response without one (its status message), no body for HEAD and for
    /// 204/205/304 (which also lose their content headers), and the reason
    /// phrase.
    ///
    /// Afterwards [`headers_sent`](Self::headers_sent) is true and the
    /// response is empty.
    pub fn finalize(&mut self, method: &Method, version: Version) -> Finalized {
        self.headers_sent = true;
        let mut body = self.body.take();
        if let Some(Body::Json(JsonBody::Failed(e))) = &body {
            tracing::error!(error = %e, "JSON body failed to serialize; sending 500");
            self.status = StatusCode::INTERNAL_SERVER_ERROR;
            self.message = None;
            self.strip_content_headers();
            body = None;
        }
        let code = self.status.as_u16();
        let wire = if status::is_empty(code) {
            self.headers.remove(header::CONTENT_TYPE);
            self.drop_length();
            ResBody::empty()
        } else if method == Method::HEAD {
            if let Some(b) = &body {
                if !self.headers.contains_key(header::CONTENT_LENGTH) {
                    if let Some(n) = b.len() {
                        self.headers
                            .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
                    }
                }
                self.infer_content_type(b);
            }
            ResBody::empty()
        } else {
            match body {
                None => {
                    let text = match (version, &self.message) {
                        (Version::HTTP_2 | Version::HTTP_3, _) => Bytes::from(code.to_string()),
                        (_, Some(m)) => Bytes::from(m.to_string()),
                        (_, None) => status::reason(code).map_or_else(
                            || Bytes::from(code.to_string()),
                            |r| Bytes::from_static(r.as_bytes()),
                        ),
                    };
                    self.headers.insert(header::CONTENT_TYPE, TEXT_PLAIN);
                    self.drop_length();
                    ResBody::full(text)
                }
                Some(b) => {
                    self.infer_content_type(&b);
                    self.wire_body(b)
                }
            }
        };
        let wire = match self.trailers.take().filter(|t| !t.is_empty()) {
            Some(trailers) if !status::is_empty(code) && method != Method::HEAD => {
                if let Some(v) = trailers.declaration() {
                    self.headers.insert(header::TRAILER, v);
                }
                self.drop_length();
                wire.with_trailers(Box::pin(trailers.resolve()))
            }
            _ => wire,
        };
        let reason = self.wire_reason();
        let mut response = http::Response::new(wire);
        *response.status_mut() = self.status;
        *response.version_mut() = Version::HTTP_11;
        *response.headers_mut() = std::mem::take(&mut self.headers);
        Finalized { response, reason }
    }

    fn infer_content_type(&mut self, body: &Body) {
        if self.infer_type {
            if let Some(ct) = body.default_content_type_value() {
                // One lookup: insert only when the handler set none.
                if let header::Entry::Vacant(slot) = self.headers.entry(header::CONTENT_TYPE) {
                    slot.insert(ct);
                }
            }
        }
    }

    fn wire_body(&mut self, body: Body) -> ResBody {
        let bytes = match body {
            Body::Empty => Bytes::new(),
            Body::Text(t) | Body::Html(t) => t.into_bytes(),
            Body::Bytes(b) => b,
            Body::Json(j) => match j.into_bytes() {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(error = %e, "JSON body failed to serialize");
                    Bytes::new()
                }
            },
            Body::Stream(s) => return ResBody::stream(s),
            Body::File(f) => {
                self.drop_length();
                let len = f.len();
                return ResBody::sized(Box::pin(f.into_stream()), len);
            }
        };
        // The connection writes the exact Content-Length of a full body.
        self.drop_length();
        ResBody::full(bytes)
    }

    fn wire_reason(&self) -> Option<Cow<'static, str>> {
        let canonical = self.status.canonical_reason();
        match &self.message {
            Some(m) if Some(m.as_ref()) != canonical => Some(m.clone()),
            Some(_) => None,
            None => match status::reason(self.status.as_u16()) {
                Some(r) if Some(r) != canonical => Some(Cow::Borrowed(r)),
                Some(_) => None,
                None => Some(Cow::Borrowed("unknown")),
            },
        }
    }
}

const TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");

fn has_json_word(s: &str) -> bool {
    // Koa's /\bjson\b/i.
    let lower = s.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    lower.match_indices("json").any(|(i, _)| {
        (i == 0 || !word(bytes[i - 1])) && (i + 4 >= bytes.len() || !word(bytes[i + 4]))
    })
}
