//! Boom-style HTTP errors: a status, a message, optional data, and the JSON
//! payload `{statusCode, error, message[, attributes]}` that Boom (and so
//! Strapi) sends.
//!
//! As Boom really does: only a 500 hides its message from the client ("An
//! internal server error occurred"), `data` never enters the payload, and
//! the real message, data and cause of every server error are logged through
//! `tracing` when the error becomes a response. `unauthorized` builds
//! WWW-Authenticate from a scheme (or a list of schemes) and attributes;
//! `method_not_allowed` sets Allow.
//!
//! Any `std::error::Error` converts into an [`HttpError`] (a 500 that keeps
//! its cause), so `?` works in handlers returning `Result<_, HttpError>`.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::{HttpError, IntoResponse};
//!
//! let err = HttpError::unauthorized("invalid password").scheme("sample");
//! assert_eq!(err.headers()["www-authenticate"], "sample error=\"invalid password\"");
//! assert_eq!(err.payload()["attributes"]["error"], "invalid password");
//!
//! let err = HttpError::internal("db down").data(serde_json::json!({"table": "users"}));
//! assert_eq!(err.payload()["message"], "An internal server error occurred");
//! assert!(err.payload().get("data").is_none());
//! assert_eq!(err.into_response().status().as_u16(), 500);
//! ```

use std::fmt;
use std::sync::Arc;

use http::header::{HeaderMap, HeaderName, HeaderValue, ALLOW, WWW_AUTHENTICATE};
use http::StatusCode;
use serde_json::Value;

use crate::body::Json;
use crate::error::Error;
use crate::{status, IntoResponse, Response};

mod names;
mod payload;

pub use names::error_name;
use payload::{Payload, PayloadAttributes};

/// The message a 500 shows instead of its own.
pub const HIDDEN_MESSAGE: &str = "An internal server error occurred";

#[derive(Debug, Clone)]
enum Scheme {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone)]
enum Attributes {
    Map(Vec<(String, Value)>),
    Token68(String),
}

pub use crate::error::Cause;

/// An HTTP error: see the [module docs](self).
///
/// Not itself a `std::error::Error`, so that every error type can convert
/// into it with `?` (the same choice `anyhow::Error` makes); it implements
/// `Display` and `Debug`, and [`HttpError::cause`] gives the wrapped error.
#[must_use = "an HttpError does nothing until it is returned"]
pub struct HttpError {
    inner: Box<Inner>,
}

struct Inner {
    status: StatusCode,
    message: Option<String>,
    data: Option<Value>,
    scheme: Option<Scheme>,
    attributes: Option<Attributes>,
    allow: Option<Vec<String>>,
    cause: Option<Cause>,
}

macro_rules! constructors {
    ($( ($name:ident, $code:literal, $boom:literal) ),* $(,)?) => {
        impl HttpError {
            $(
                #[doc = concat!("A ", stringify!($code), " error (Boom's `", $boom, "`). ")]
                #[doc = "An empty message means the status's error name."]
                pub fn $name(message: impl Into<String>) -> HttpError {
                    HttpError::with_code(StatusCode::from_u16($code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), message.into())
                }
            )*
        }
    };
}

constructors! {
    (bad_request, 400, "badRequest"),
    (unauthorized, 401, "unauthorized"),
    (payment_required, 402, "paymentRequired"),
    (forbidden, 403, "forbidden"),
    (not_found, 404, "notFound"),
    (method_not_allowed, 405, "methodNotAllowed"),
    (not_acceptable, 406, "notAcceptable"),
    (proxy_auth_required, 407, "proxyAuthRequired"),
    (client_timeout, 408, "clientTimeout"),
    (conflict, 409, "conflict"),
    (resource_gone, 410, "resourceGone"),
    (length_required, 411, "lengthRequired"),
    (precondition_failed, 412, "preconditionFailed"),
    (entity_too_large, 413, "entityTooLarge"),
    (uri_too_long, 414, "uriTooLong"),
    (unsupported_media_type, 415, "unsupportedMediaType"),
    (range_not_satisfiable, 416, "rangeNotSatisfiable"),
    (expectation_failed, 417, "expectationFailed"),
    (teapot, 418, "teapot"),
    (bad_data, 422, "badData"),
    (locked, 423, "locked"),
    (failed_dependency, 424, "failedDependency"),
    (too_early, 425, "tooEarly"),
    (precondition_required, 428, "preconditionRequired"),
    (too_many_requests, 429, "tooManyRequests"),
    (illegal, 451, "illegal"),
    (internal, 500, "internal"),
    (bad_implementation, 500, "badImplementation"),
    (not_implemented, 501, "notImplemented"),
    (bad_gateway, 502, "badGateway"),
    (server_unavailable, 503, "serverUnavailable"),
    (gateway_timeout, 504, "gatewayTimeout"),
}

fn check_status(status: u16) -> Result<StatusCode, Error> {
    Ok(status::Range::Boom.check(status)?)
}

fn non_empty(message: String) -> Option<String> {
    (!message.is_empty()).then_some(message)
}

/// JavaScript's `String(value)` for attribute values.
fn js_string(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn escape_attribute(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

impl HttpError {
    fn with_code(status: StatusCode, message: String) -> HttpError {
        HttpError {
            inner: Box::new(Inner {
                status,
                message: non_empty(message),
                data: None,
                scheme: None,
                attributes: None,
                allow: None,
                cause: None,
            }),
        }
    }

    /// An error with any status from 400 to 999 (Boom's custom codes; codes
    /// without a name are "Unknown").
    ///
    /// # Errors
    ///
    /// A status below 400 or above 999.
    pub fn new(status: u16, message: impl Into<String>) -> Result<HttpError, Error> {
        let status = check_status(status)?;
        Ok(HttpError::with_code(status, message.into()))
    }

    /// Wraps any error as a 500 that keeps it as its cause (Boom's
    /// `boomify`); the message is the error's text, shown only for non-500
    /// statuses (see [`with_status`](Self::with_status)).
    pub fn wrap<E: std::error::Error + Send + Sync + 'static>(error: E) -> HttpError {
        let mut e = HttpError::with_code(StatusCode::INTERNAL_SERVER_ERROR, error.to_string());
        e.inner.cause = Some(Arc::new(error));
        e
    }

    /// The same error with another status (Boom's `internal(msg, data,
    /// status)` and `boomify(err, {statusCode})`).
    ///
    /// # Errors
    ///
    /// A status below 400 or above 999.
    pub fn with_status(mut self, status: u16) -> Result<HttpError, Error> {
        self.inner.status = check_status(status)?;
        Ok(self)
    }

    /// Attaches data for the server's own use: logged, never sent.
    pub fn data(mut self, data: impl serde::Serialize) -> Self {
        self.inner.data = Some(serde_json::to_value(data).unwrap_or(Value::Null));
        self
    }

    /// Keeps `cause` as the underlying error.
    pub fn cause_by<E: std::error::Error + Send + Sync + 'static>(mut self, cause: E) -> Self {
        self.inner.cause = Some(Arc::new(cause));
        self
    }

    /// An authentication scheme for WWW-Authenticate (with `unauthorized`).
    pub fn scheme(mut self, scheme: impl Into<String>) -> Self {
        self.inner.scheme = Some(Scheme::One(scheme.into()));
        self
    }

    /// Several schemes, sent as a list (`Basic, Bearer`); no attributes.
    pub fn schemes<I, S>(mut self, schemes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.inner.scheme = Some(Scheme::Many(schemes.into_iter().map(Into::into).collect()));
        self
    }

    /// Adds an auth-param (`realm="example"`) to the scheme; values are JSON
    /// values (a null is sent as an empty string).
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        let pair = (name.into(), value.into());
        match &mut self.inner.attributes {
            Some(Attributes::Map(list)) => list.push(pair),
            _ => self.inner.attributes = Some(Attributes::Map(vec![pair])),
        }
        self
    }

    /// A token68 credential after the scheme instead of auth-params.
    pub fn token68(mut self, token: impl Into<String>) -> Self {
        self.inner.attributes = Some(Attributes::Token68(token.into()));
        self
    }

    /// The methods for the Allow header (with `method_not_allowed`).
    pub fn allow<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.inner.allow = Some(methods.into_iter().map(Into::into).collect());
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// Whether this is a server error (5xx and above).
    pub fn is_server(&self) -> bool {
        self.inner.status.as_u16() >= 500
    }

    /// The real message: the one given, else the status's error name.
    pub fn message(&self) -> &str {
        self.inner
            .message
            .as_deref()
            .unwrap_or_else(|| error_name(self.inner.status.as_u16()))
    }

    /// The data attached with [`data`](Self::data).
    pub fn data_value(&self) -> Option<&Value> {
        self.inner.data.as_ref()
    }

    /// The underlying error, if any.
    pub fn cause(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.inner.cause.as_deref()
    }

    /// The JSON payload sent to the client, as a value to inspect.
    pub fn payload(&self) -> Value {
        serde_json::to_value(self.wire_payload()).unwrap_or(Value::Null)
    }

    /// The payload in Boom's order (`statusCode`, `error`, `message`,
    /// `attributes`), whatever serde_json's map order is.
    fn wire_payload(&self) -> Payload<'_> {
        let code = self.inner.status.as_u16();
        let message = if code == 500 {
            HIDDEN_MESSAGE
        } else {
            self.message()
        };
        let attributes = match (&self.inner.scheme, &self.inner.attributes) {
            (Some(Scheme::One(_)), Some(Attributes::Token68(t))) => {
                Some(PayloadAttributes::Token(t))
            }
            (Some(Scheme::One(_)), Some(Attributes::Map(list))) => Some(PayloadAttributes::Map {
                list,
                error: self.inner.message.as_deref(),
            }),
            (Some(Scheme::One(_)), None) if self.inner.message.is_some() => {
                Some(PayloadAttributes::Map {
                    list: &[],
                    error: self.inner.message.as_deref(),
                })
            }
            _ => None,
        };
        Payload {
            status_code: code,
            error: error_name(code),
            message,
            attributes,
        }
    }

    fn www_authenticate(&self) -> Option<String> {
        match self.inner.scheme.as_ref()? {
            Scheme::Many(list) => Some(list.join(", ")),
            Scheme::One(scheme) => {
                let mut value = scheme.clone();
                match &self.inner.attributes {
                    Some(Attributes::Token68(t)) => {
                        value.push(' ');
                        value.push_str(&escape_attribute(t));
                    }
                    Some(Attributes::Map(list)) => {
                        let params: Vec<String> = list
                            .iter()
                            .map(|(k, v)| format!("{k}=\"{}\"", escape_attribute(&js_string(v))))
                            .collect();
                        value.push(' ');
                        value.push_str(&params.join(", "));
                    }
                    None => {}
                }
                if let Some(m) = &self.inner.message {
                    if self.inner.attributes.is_some() {
                        value.push(',');
                    }
                    value.push_str(&format!(" error=\"{}\"", escape_attribute(m)));
                }
                Some(value)
            }
        }
    }

    /// Whether Boom would build this error: the WWW-Authenticate scheme's
    /// attribute values, token68 and message must be printable ASCII
    /// (Hoek's `escapeHeaderAttribute`). A refused error answers 500 with
    /// the refusal as its cause, so raw non-ASCII never reaches the header.
    ///
    /// ```
    /// use rejoinder_core::HttpError;
    ///
    /// let ok = HttpError::unauthorized("expired").scheme("Bearer").attribute("realm", "api");
    /// assert!(ok.check().is_ok());
    /// let bad = HttpError::unauthorized("expired").scheme("Bearer").attribute("realm", "é");
    /// assert_eq!(bad.check().unwrap_err().to_string(), "Bad attribute value (é)");
    /// ```
    ///
    /// # Errors
    ///
    /// The first value outside printable ASCII.
    pub fn check(&self) -> Result<(), Error> {
        let Some(Scheme::One(_)) = &self.inner.scheme else {
            return Ok(());
        };
        let printable = |v: &str| v.bytes().all(|b| (0x20..=0x7e).contains(&b));
        let refuse = |v: &str| Err(Error::other(format!("Bad attribute value ({v})")));
        match &self.inner.attributes {
            Some(Attributes::Token68(t)) if !printable(t) => return refuse(t),
            Some(Attributes::Map(list)) => {
                for (_, v) in list {
                    let v = js_string(v);
                    if !printable(&v) {
                        return refuse(&v);
                    }
                }
            }
            _ => {}
        }
        match &self.inner.message {
            Some(m) if !printable(m) => refuse(m),
            _ => Ok(()),
        }
    }

    /// Puts `prefix: ` before the message (Boom's `boomify(err, {message})`;
    /// an empty message becomes the prefix alone).
    ///
    /// ```
    /// use rejoinder_core::HttpError;
    ///
    /// let err = HttpError::wrap(std::io::Error::other("Original")).prefixed("Prefix");
    /// assert_eq!(err.message(), "Prefix: Original");
    /// ```
    pub fn prefixed(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        if prefix.is_empty() {
            return self;
        }
        self.inner.message = Some(match self.inner.message.take() {
            Some(m) => format!("{prefix}: {m}"),
            None => prefix,
        });
        self
    }

    /// The headers sent with the error (WWW-Authenticate, Allow). A value
    /// that cannot be a header (control characters in an attribute) is left
    /// out and logged; see [`check`](Self::check).
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let mut put = |name: HeaderName, value: String| match HeaderValue::from_str(&value) {
            Ok(v) => {
                headers.insert(name, v);
            }
            Err(_) => {
                tracing::warn!(header = %name, %value, "invalid header value in HTTP error; left out")
            }
        };
        if let Some(v) = self.www_authenticate() {
            put(WWW_AUTHENTICATE, v);
        }
        if let Some(allow) = &self.inner.allow {
            put(ALLOW, allow.join(", "));
        }
        headers
    }

    fn cause_record(&self) -> Cause {
        Arc::new(CauseRecord {
            status: self.inner.status.as_u16(),
            message: self.message().to_owned(),
            source: self.inner.cause.clone(),
        })
    }
}

/// What `Response::error_cause` holds for an HTTP error.
#[derive(Debug)]
struct CauseRecord {
    status: u16,
    message: String,
    source: Option<Cause>,
}

impl fmt::Display for CauseRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status,
            error_name(self.status),
            self.message
        )
    }
}

impl std::error::Error for CauseRecord {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.inner.status.as_u16(),
            error_name(self.inner.status.as_u16()),
            self.message()
        )?;
        if let Some(cause) = &self.inner.cause {
            write!(f, " (caused by: {cause})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpError")
            .field("status", &self.inner.status)
            .field("message", &self.message())
            .field("data", &self.inner.data)
            .field("cause", &self.inner.cause)
            .finish()
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for HttpError {
    fn from(error: E) -> Self {
        HttpError::wrap(error)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        if let Err(refused) = self.check() {
            // Boom throws on such a value; it never reaches the wire.
            return refused.into_response();
        }
        if self.is_server() {
            tracing::error!(
                status = self.inner.status.as_u16(),
                error_message = %self.message(),
                data = ?self.inner.data,
                cause = ?self.inner.cause.as_ref().map(|c| c.to_string()),
                "server error"
            );
        } else {
            tracing::debug!(status = self.inner.status.as_u16(), error_message = %self.message(), "client error");
        }
        let mut res = Response::from_cause(self.inner.status, self.cause_record());
        *res.headers_mut() = self.headers();
        res.set_body(Json(self.wire_payload()));
        res
    }
}
