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

use http::header::HeaderMap;
use http::StatusCode;

use crate::body::Body;
use crate::error::{Error, Kind};
use crate::outcome::Outcome;
use crate::status;

mod body;
mod cache;
#[cfg(feature = "fs")]
pub(crate) mod files;
mod finalize;
mod headers;
mod input;
mod merge;

#[cfg(feature = "fs")]
pub use files::FileErrorHandler;
pub use finalize::Finalized;
pub use input::{IntoContentType, IntoHttpDate, IntoStatus};

/// Where a response came from (Kong's `get_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Source {
    /// The handler (the service) produced it.
    #[default]
    Service,
    /// A short-circuit with Kong's `exit`.
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
    pub(crate) status: StatusCode,
    pub(crate) status_by: StatusBy,
    pub(crate) message: Option<Cow<'static, str>>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Body>,
    pub(crate) infer_type: bool,
    pub(crate) headers_sent: bool,
    pub(crate) source: Source,
    /// What few responses carry, boxed: a response moves by value through
    /// every future on its way to the wire, and these would make it 64
    /// bytes larger for all.
    pub(crate) rare: Option<Box<Rare>>,
}

/// The parts of a response that few responses have.
#[derive(Default)]
pub(crate) struct Rare {
    pub(crate) error_cause: Option<crate::error::Cause>,
    pub(crate) stream_error: Option<StreamErrorHandler>,
    pub(crate) trailers: Option<crate::trailers::Trailers>,
}

impl Response {
    /// The rare parts, made on first use.
    pub(crate) fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Default::default)
    }

    /// The rare parts, if any were made.
    pub(crate) fn rare(&self) -> Option<&Rare> {
        self.rare.as_deref()
    }

    /// Takes the trailers out.
    pub(crate) fn take_trailers(&mut self) -> Option<crate::trailers::Trailers> {
        self.rare.as_mut().and_then(|r| r.trailers.take())
    }
}

/// Who decided the status: nobody yet (404), a body (200), or a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusBy {
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
            rare: None,
        }
    }

    /// The trailers, if any were set.
    pub fn trailers(&self) -> Option<&crate::trailers::Trailers> {
        self.rare()?.trailers.as_ref().filter(|t| !t.is_empty())
    }

    /// The trailers, to add to (see [`trailers`](crate::trailers)).
    pub fn trailers_mut(&mut self) -> &mut crate::trailers::Trailers {
        self.rare_mut()
            .trailers
            .get_or_insert_with(Default::default)
    }

    #[doc(hidden)]
    /// The early-failure handler of a body set with [`stream`](Self::stream).
    pub fn take_stream_error_handler(&mut self) -> Option<StreamErrorHandler> {
        self.rare.as_mut()?.stream_error.take()
    }

    /// Where this response came from.
    pub fn source(&self) -> Source {
        self.source
    }

    #[doc(hidden)]
    /// Records where this response came from.
    pub fn set_source(&mut self, source: Source) -> &mut Self {
        self.source = source;
        self
    }

    /// The error that produced this response, if any: a handler's error, a
    /// refused operation or a panic (vapr's `res.error`). Visible to code
    /// that runs after the handler.
    pub fn error_cause(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.rare()?.error_cause.as_deref()
    }

    #[doc(hidden)]
    /// The error cause, shared (for keeping it past the response).
    pub fn error_cause_shared(&self) -> Option<crate::http_error::Cause> {
        self.rare()?.error_cause.clone()
    }

    /// A response for an error: `status`, the error kept as its
    /// [cause](Self::error_cause) (for the server's logs and middleware,
    /// never for the client) and [`Source::Error`], so that it replaces
    /// whatever the context's response held. Without a body set, the
    /// status's reason phrase is sent. Every error answer in rejoinder is
    /// built here.
    ///
    /// ```
    /// # use rejoinder_core::{http::StatusCode, Response, Source};
    /// let io = std::io::Error::other("disk on fire");
    /// let res = Response::from_error(StatusCode::SERVICE_UNAVAILABLE, io);
    /// assert_eq!(res.status(), 503);
    /// assert_eq!(res.source(), Source::Error);
    /// assert_eq!(res.error_cause().unwrap().to_string(), "disk on fire");
    /// ```
    pub fn from_error<E>(status: StatusCode, cause: E) -> Response
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        Response::from_cause(status, std::sync::Arc::new(cause))
    }

    #[doc(hidden)]
    /// [`from_error`](Self::from_error) with a cause already shared.
    pub fn from_cause(status: StatusCode, cause: crate::Cause) -> Response {
        let mut res = Response::new();
        res.apply_status(status);
        res.rare_mut().error_cause = Some(cause);
        res.source = Source::Error;
        res
    }

    #[doc(hidden)]
    /// Records the error behind this response and marks its source as
    /// [`Source::Error`].
    pub fn set_error_cause(&mut self, cause: crate::http_error::Cause) -> &mut Self {
        self.rare_mut().error_cause = Some(cause);
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

    /// Refuses changes once the headers are on their way.
    pub(crate) fn check_open(&self) -> Result<(), Error> {
        if self.headers_sent {
            Err(Error::headers_sent())
        } else {
            Ok(())
        }
    }

    #[doc(hidden)]
    /// A response standing in for one whose headers were flushed: every
    /// status or header change on it is refused.
    pub fn flushed() -> Self {
        let mut res = Response::new();
        res.headers_sent = true;
        res
    }

    // ---- lifecycle -----------------------------------------------------

    /// Whether the status and headers have been handed to the connection.
    pub fn headers_sent(&self) -> bool {
        self.headers_sent
    }
}
