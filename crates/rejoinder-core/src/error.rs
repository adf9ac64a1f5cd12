//! The error type of every fallible response operation.

use std::fmt;

use crate::status::StatusError;

/// The cause of an error response, shared: what a handler failed with, a
/// refused operation, a panic. Kept for the server (logs, middleware, the
/// log phase), never shown to the client.
pub type Cause = std::sync::Arc<dyn std::error::Error + Send + Sync>;

/// Why a response operation was refused.
///
/// Every setter that takes run-time input (a status number, a header name or
/// value, a content type, a Vary field) validates it and answers with this
/// error instead of panicking or letting bad bytes reach the wire. The
/// response is left unchanged by a refused operation. The message says what
/// was wrong and what is accepted; the predicates tell the kinds apart.
///
/// # Examples
///
/// ```
/// use rejoinder_core::Response;
///
/// let mut res = Response::new();
/// let err = res.set_status(1000).unwrap_err();
/// assert!(err.is_invalid_status());
/// assert_eq!(res.status().as_u16(), 404);
/// ```
pub struct Error {
    kind: Kind,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Status(StatusError),
    HeaderName(String),
    HeaderValue {
        name: String,
        value: String,
    },
    HeaderText {
        name: String,
        value: String,
        at: usize,
        ch: char,
    },
    UnknownType(String),
    Vary(&'static str),
    Disposition(&'static str),
    #[cfg_attr(not(feature = "kong"), allow(dead_code))]
    Limit(usize),
    Message(String),
    Forbidden(&'static str),
    HeadersSent,
    Singleton(String),
    Invalid(String),
}

impl Error {
    pub(crate) fn new(kind: Kind) -> Self {
        Error { kind }
    }

    /// The refusal of a change after the headers were sent.
    pub fn headers_sent() -> Self {
        Error::new(Kind::HeadersSent)
    }

    /// An error with the given message, for code that builds on the
    /// response (extensions, the server crate).
    pub fn other(message: impl Into<String>) -> Self {
        Error::new(Kind::Invalid(message.into()))
    }

    /// A status code outside 100–999, or an unknown status name.
    pub fn is_invalid_status(&self) -> bool {
        matches!(self.kind, Kind::Status(_))
    }

    /// A header name with characters HTTP does not allow in a token.
    pub fn is_invalid_header_name(&self) -> bool {
        matches!(self.kind, Kind::HeaderName(_))
    }

    /// A header value with CR, LF, NUL or other control bytes, or text
    /// that is not ASCII.
    pub fn is_invalid_header_value(&self) -> bool {
        matches!(
            self.kind,
            Kind::HeaderValue { .. } | Kind::HeaderText { .. }
        )
    }

    /// A content type or extension that names no known media type.
    pub fn is_unknown_type(&self) -> bool {
        matches!(self.kind, Kind::UnknownType(_))
    }

    /// A Vary field that is empty or not a header name.
    pub fn is_invalid_vary(&self) -> bool {
        matches!(self.kind, Kind::Vary(_))
    }

    /// A Content-Disposition type that is not a token, or a filename
    /// fallback outside ISO-8859-1.
    pub fn is_invalid_disposition(&self) -> bool {
        matches!(self.kind, Kind::Disposition(_))
    }

    /// A header listing limit outside 1..=1000.
    pub fn is_invalid_limit(&self) -> bool {
        matches!(self.kind, Kind::Limit(_))
    }

    /// A reason phrase that cannot be sent (control characters).
    pub fn is_invalid_message(&self) -> bool {
        matches!(self.kind, Kind::Message(_))
    }

    /// An argument outside what the operation accepts (the message says
    /// what is accepted).
    pub fn is_invalid_argument(&self) -> bool {
        match &self.kind {
            Kind::Invalid(_) => true,
            Kind::Status(e) => e.is_out_of_range(),
            _ => false,
        }
    }

    /// A change refused because the status and headers were already sent
    /// (flushed, or finalized).
    pub fn is_headers_sent(&self) -> bool {
        matches!(self.kind, Kind::HeadersSent)
    }

    /// A header the server manages itself (for example Transfer-Encoding).
    pub fn is_forbidden_header(&self) -> bool {
        matches!(self.kind, Kind::Forbidden(_))
    }

    /// A header that has one value (Content-Type, Content-Length, Location,
    /// ETag, …) given several.
    pub fn is_singleton_header(&self) -> bool {
        matches!(self.kind, Kind::Singleton(_))
    }
}

impl From<StatusError> for Error {
    fn from(e: StatusError) -> Self {
        Error::new(Kind::Status(e))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Status(e) => e.fmt(f),
            Kind::HeaderName(name) => write!(
                f,
                "invalid header name {name:?}: a name is one or more of the token characters \
                 A-Z a-z 0-9 and !#$%&'*+-.^_`|~"
            ),
            Kind::HeaderValue { name, value } => write!(
                f,
                "invalid value for header {name:?}: {value:?} contains CR, LF, NUL or another \
                 control character; header text is visible ASCII, space and tab"
            ),
            Kind::HeaderText {
                name,
                value,
                at,
                ch,
            } => write!(
                f,
                "invalid value for header {name:?}: {value:?} has {ch:?} (U+{:04X}) at byte {at}, \
                 which is not ASCII; header text is visible ASCII, space and tab (RFC 9110 \
                 section 5.5): percent-encode it, or pass an http::HeaderValue made from bytes \
                 to send opaque octets",
                u32::from(*ch)
            ),
            Kind::UnknownType(t) => write!(
                f,
                "unknown content type {t:?}: give a media type such as \"text/html\" or a known \
                 file extension such as \"html\", \".png\" or \"json\""
            ),
            Kind::Vary(why) => write!(f, "invalid Vary field: {why}"),
            Kind::Disposition(why) => write!(f, "invalid Content-Disposition: {why}"),
            Kind::Limit(max) => write!(
                f,
                "invalid header limit {max}: max_headers must be >= 1 and <= 1000"
            ),
            Kind::Message(m) => write!(
                f,
                "invalid status message {m:?}: a reason phrase is visible ASCII, space, tab or \
                 bytes 0x80-0xFF, without CR or LF"
            ),
            Kind::Invalid(m) => f.write_str(m),
            Kind::Forbidden(name) => write!(
                f,
                "the {name} header is managed by the server and cannot be set by hand"
            ),
            Kind::Singleton(name) => write!(f, "{name} must contain exactly one value"),
            Kind::HeadersSent => f.write_str(
                "headers have already been sent; status and headers can no longer change",
            ),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.to_string())
            .finish()
    }
}

impl std::error::Error for Error {}
