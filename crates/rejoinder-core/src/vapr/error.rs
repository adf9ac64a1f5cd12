//! Why a value is not a vapr response.

use std::fmt;

use http::StatusCode;

use crate::body::Body;
use crate::{status, IntoResponse, Response};

/// The valid shapes, quoted in every [`VaprError`].
pub(super) const SHAPES: &str =
    "a response is `code`, `[code, message?, headers?, [body, trailers?]?]` or `[[body, trailers?]]`";

/// A code vapr accepts: a registered status of 200 or more
/// ([`Range::Answer`](crate::status::Range::Answer)).
pub(super) fn check_code(code: u16) -> Result<StatusCode, VaprError> {
    status::Range::Answer
        .check(code)
        .map_err(|_| VaprError::new(Kind::InvalidCode(code.to_string())))
}

/// Why a value is not a vapr response.
///
/// The message says what was wrong, in vapr's words where vapr has them,
/// and lists the valid shapes; the predicates tell the kinds apart. As an
/// [`IntoResponse`] it is a `500` with an empty body whose cause is logged.
///
/// # Examples
///
/// ```
/// use rejoinder_core::prelude::*;
/// use rejoinder_core::Response;
///
/// let err = Response::from_value(&serde_json::json!(["200"])).unwrap_err();
/// assert!(err.is_invalid_shape());
/// assert_eq!(
///     err.to_string(),
///     "Expected response code to be a number (got string); a response is `code`, \
///      `[code, message?, headers?, [body, trailers?]?]` or `[[body, trailers?]]`"
/// );
/// ```
#[non_exhaustive]
pub struct VaprError {
    kind: Kind,
}

#[derive(Debug)]
pub(super) enum Kind {
    NotAResponse(&'static str),
    CodeNotNumber(&'static str),
    InvalidCode(String),
    MessageNotString(&'static str),
    Message(crate::Error),
    BodyNotNested(&'static str),
    Unexpected(usize),
    BodyArrayTooLong,
    HeadersNotObject(&'static str),
    HeaderValueNotString { name: String, got: &'static str },
    Header(crate::Error),
    TrailersNotObject(&'static str),
    TrailerValueNotString { name: String, got: &'static str },
    Trailer(crate::Error),
    BodyType(&'static str),
}

impl VaprError {
    pub(super) fn new(kind: Kind) -> Self {
        VaprError { kind }
    }

    /// A code that is not a registered status code of 200 or more.
    pub fn is_invalid_code(&self) -> bool {
        matches!(self.kind, Kind::InvalidCode(_))
    }

    /// A value of the wrong shape: not a number or array, a code that is
    /// not a number, a body not nested in its own array, or extra values.
    pub fn is_invalid_shape(&self) -> bool {
        matches!(
            self.kind,
            Kind::NotAResponse(_)
                | Kind::CodeNotNumber(_)
                | Kind::BodyNotNested(_)
                | Kind::Unexpected(_)
                | Kind::BodyArrayTooLong
        )
    }

    /// A message that is not a string, or has control characters.
    pub fn is_invalid_message(&self) -> bool {
        matches!(self.kind, Kind::MessageNotString(_) | Kind::Message(_))
    }

    /// Headers that are not an object of strings, or a name or value HTTP
    /// does not allow.
    pub fn is_invalid_header(&self) -> bool {
        matches!(
            self.kind,
            Kind::HeadersNotObject(_) | Kind::HeaderValueNotString { .. } | Kind::Header(_)
        )
    }

    /// Trailers that are not an object of strings, a forbidden name, or a
    /// name or value HTTP does not allow.
    pub fn is_invalid_trailer(&self) -> bool {
        matches!(
            self.kind,
            Kind::TrailersNotObject(_) | Kind::TrailerValueNotString { .. } | Kind::Trailer(_)
        )
    }

    /// A JSON body that is neither a string nor null.
    pub fn is_invalid_body(&self) -> bool {
        matches!(self.kind, Kind::BodyType(_))
    }
}

impl fmt::Display for VaprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::NotAResponse(got) => {
                write!(f, "Expected response to be a number or array (got {got})")?;
            }
            Kind::CodeNotNumber(got) => {
                write!(f, "Expected response code to be a number (got {got})")?;
            }
            Kind::InvalidCode(code) => write!(
                f,
                "Invalid response code: {code}; a code is a registered HTTP status code of \
                 200 or more (1xx and unregistered codes are refused)"
            )?,
            Kind::MessageNotString(got) => {
                write!(f, "Expected response message to be a string (got {got})")?;
            }
            Kind::Message(e) => write!(f, "Invalid response message: {e}")?,
            Kind::BodyNotNested(got) => write!(
                f,
                "Expected response body to be nested within another array (got {got})"
            )?,
            Kind::Unexpected(index) => write!(f, "Unexpected value at response array[{index}]")?,
            Kind::BodyArrayTooLong => {
                f.write_str("Unexpected value at response body array[2]")?;
            }
            Kind::HeadersNotObject(got) => {
                write!(f, "Expected headers to be an object (got {got})")?;
            }
            Kind::HeaderValueNotString { name, got } => write!(
                f,
                "Expected header value to be a string (got {got} for {name:?})"
            )?,
            Kind::Header(e) => write!(f, "Invalid response header: {e}")?,
            Kind::TrailersNotObject(got) => {
                write!(f, "Expected trailers to be an object (got {got})")?;
            }
            Kind::TrailerValueNotString { name, got } => write!(
                f,
                "Expected trailer value to be a string (got {got} for {name:?}); a trailer \
                 computed later is added with `trailers_mut().insert_future`"
            )?,
            Kind::Trailer(e) => write!(f, "Invalid response trailer: {e}")?,
            Kind::BodyType(got) => write!(
                f,
                "Expected response body to be a string or null (got {got}); serialize other \
                 values first"
            )?,
        }
        write!(f, "; {SHAPES}")
    }
}

impl fmt::Debug for VaprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaprError")
            .field("kind", &self.kind)
            .field("message", &self.to_string())
            .finish()
    }
}

impl std::error::Error for VaprError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::Message(e) | Kind::Header(e) | Kind::Trailer(e) => Some(e),
            _ => None,
        }
    }
}

impl IntoResponse for VaprError {
    /// A `500` with an empty body; the error is logged and kept as the
    /// response's [error cause](Response::error_cause).
    fn into_response(self) -> Response {
        tracing::error!(error = %self, "invalid vapr response; sending 500");
        let mut res = Response::from_error(StatusCode::INTERNAL_SERVER_ERROR, self);
        res.set_body_raw(Body::Empty, false);
        res
    }
}
