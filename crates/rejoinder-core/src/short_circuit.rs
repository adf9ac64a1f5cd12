//! Ending a request early: Adonis's `abort` family and Kong's `exit`.
//!
//! Each returns `Err(HttpError)` carrying the finished response, so `?` in a
//! handler that returns `Result<_, HttpError>` ends the request there. Bad
//! input (an invalid status, a header with CR/LF) is an error too: its
//! `HttpError` answers 500 and keeps the refused operation as its cause, so
//! nothing invalid reaches the wire.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::{IntoResponse, Response, NO_HEADERS};
//!
//! let mut res = Response::new();
//! let err = res.abort_if(true, "Not logged in", 401).unwrap_err();
//! assert_eq!(err.into_response().status().as_u16(), 401);
//!
//! let mut res = Response::new();
//! let err = res.exit(403, serde_json::json!({"message": "forbidden"}), NO_HEADERS).unwrap_err();
//! let res = err.into_response();
//! assert_eq!(res.content_type(), Some("application/json"));
//! ```

use std::convert::Infallible;

use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use http::StatusCode;
use serde_json::Value;

use crate::body::{Body, JsonBody};
use crate::error::{Error, Kind};
use crate::header::IntoHeaderValues;
use crate::http_error::HttpError;
use crate::response::Source;
use crate::Response;

/// No headers, for [`Response::exit`] and `Context::error`.
pub const NO_HEADERS: [(&str, &str); 0] = [];

/// The body of an [`exit`](Response::exit): nothing, a string sent as is,
/// or a JSON value.
#[derive(Debug, Clone)]
pub enum ExitBody {
    /// No body (Content-Length 0).
    None,
    /// Sent as is, without a Content-Type unless one is given.
    Text(String),
    /// Sent as JSON, `application/json; charset=utf-8` unless a type is given.
    Json(Value),
}

impl From<()> for ExitBody {
    fn from((): ()) -> Self {
        ExitBody::None
    }
}
impl From<&str> for ExitBody {
    fn from(s: &str) -> Self {
        ExitBody::Text(s.to_owned())
    }
}
impl From<String> for ExitBody {
    fn from(s: String) -> Self {
        ExitBody::Text(s)
    }
}
impl From<Value> for ExitBody {
    fn from(v: Value) -> Self {
        ExitBody::Json(v)
    }
}
impl<T: Into<ExitBody>> From<Option<T>> for ExitBody {
    fn from(v: Option<T>) -> Self {
        v.map_or(ExitBody::None, Into::into)
    }
}

fn invalid(message: String) -> HttpError {
    HttpError::wrap(Error::new(Kind::Invalid(message)))
}

impl Response {
    /// Ends the request with `status` (400 when `None`) and `body`, sent
    /// with [`send`](Self::send)'s rules; headers already set are kept
    /// (Adonis's `abort`).
    ///
    /// # Errors
    ///
    /// Always: the `HttpError` carries the finished response. An invalid
    /// status gives a 500 whose cause says why.
    pub fn abort(
        &mut self,
        body: impl Into<Body>,
        status: impl Into<Option<u16>>,
    ) -> Result<Infallible, HttpError> {
        let code = status.into().unwrap_or(400);
        let mut res = std::mem::take(self);
        if let Err(e) = res.set_status(code) {
            return Err(HttpError::wrap(e));
        }
        res.send(body);
        res.set_source(Source::Error);
        Err(HttpError::from_response(res))
    }

    /// [`abort`](Self::abort) when `condition` holds.
    ///
    /// # Errors
    ///
    /// When `condition` is true.
    pub fn abort_if(
        &mut self,
        condition: bool,
        body: impl Into<Body>,
        status: impl Into<Option<u16>>,
    ) -> Result<(), HttpError> {
        if condition {
            self.abort(body, status)?;
        }
        Ok(())
    }

    /// [`abort`](Self::abort) unless `condition` holds.
    ///
    /// # Errors
    ///
    /// When `condition` is false.
    pub fn abort_unless(
        &mut self,
        condition: bool,
        body: impl Into<Body>,
        status: impl Into<Option<u16>>,
    ) -> Result<(), HttpError> {
        self.abort_if(!condition, body, status)
    }

    /// Ends the request with `status`, `body` and `headers` (Kong's
    /// `kong.response.exit`): a string body is sent as is, a JSON body as
    /// `application/json; charset=utf-8` unless `headers` gives a type; the
    /// headers are applied like [`Kong::set_headers`](crate::kong::Kong::set_headers)
    /// (Transfer-Encoding ignored with a warning), and Content-Length is the
    /// body's real length. The response's source becomes [`Source::Exit`].
    ///
    /// # Errors
    ///
    /// Always: the `HttpError` carries the finished response. A status
    /// outside 100–599, an invalid header, or a Content-Length that is not a
    /// number gives a 500 whose cause says why.
    pub fn exit<N, V, I>(
        &mut self,
        status: u16,
        body: impl Into<ExitBody>,
        headers: I,
    ) -> Result<Infallible, HttpError>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: IntoHeaderValues,
    {
        self.exit_for_request(false, status, body, headers)
    }

    /// [`exit`](Self::exit), knowing whether the request is a gRPC call
    /// (`Content-Type: application/grpc…` over HTTP/2; `Context::exit`
    /// works it out). A gRPC exit carries `grpc-status` (mapped from the
    /// HTTP status as Kong maps it) and `grpc-message`; for a gRPC request
    /// whose response is not itself gRPC, a string body (or a JSON body's
    /// `message`) becomes `grpc-message` and no body is sent.
    ///
    /// # Errors
    ///
    /// As [`exit`](Self::exit); also a JSON body on a response whose
    /// Content-Type is gRPC (it cannot be encoded).
    pub fn exit_for_request<N, V, I>(
        &mut self,
        grpc_request: bool,
        status: u16,
        body: impl Into<ExitBody>,
        headers: I,
    ) -> Result<Infallible, HttpError>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: IntoHeaderValues,
    {
        if !(100..=599).contains(&status) {
            return Err(invalid(format!(
                "code must be a number between 100 and 599, got {status}"
            )));
        }
        let fields: Vec<(N, V)> = headers.into_iter().collect();
        let explicit_type = fields
            .iter()
            .any(|(n, _)| is_named(n.as_ref(), &CONTENT_TYPE));
        let mut res = std::mem::take(self);
        res.kong().set_headers(fields).map_err(HttpError::wrap)?;
        if let Some(cl) = res.get("content-length") {
            if cl.trim().parse::<u64>().is_err() {
                return Err(invalid(format!(
                    "invalid Content-Length {cl:?} in exit headers"
                )));
            }
        }
        res.apply_status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
        res.headers_mut().remove(CONTENT_LENGTH);
        let (is_grpc, grpc_output) = match res.get("content-type") {
            Some(ct) => {
                let g = ct.starts_with(GRPC_TYPE);
                (g, g)
            }
            None => (grpc_request, false),
        };
        let mut grpc_status = None;
        if is_grpc && !res.has(GRPC_STATUS) {
            let code = grpc_status_for(status);
            res.headers_mut().insert(
                HeaderName::from_static(GRPC_STATUS),
                HeaderValue::from(code),
            );
            grpc_status = Some(code);
        }
        let body = match body.into() {
            ExitBody::Json(v) if is_grpc => {
                if grpc_output {
                    return Err(invalid(
                        "table body encoding with gRPC is not supported".into(),
                    ));
                }
                match v.get("message").and_then(Value::as_str) {
                    Some(m) => ExitBody::Text(m.to_owned()),
                    None => {
                        tracing::warn!(
                            "body was removed because table body encoding with gRPC is not supported"
                        );
                        ExitBody::None
                    }
                }
            }
            other => other,
        };
        let grpc_message = HeaderName::from_static(GRPC_MESSAGE);
        let default_message = |res: &mut Response| {
            if let Some(code) = grpc_status {
                if !res.has(GRPC_MESSAGE) {
                    res.headers_mut().insert(
                        HeaderName::from_static(GRPC_MESSAGE),
                        HeaderValue::from_static(grpc_name(code)),
                    );
                }
            }
        };
        match body {
            ExitBody::Json(v) => {
                if !explicit_type {
                    res.headers_mut().remove(CONTENT_TYPE);
                }
                res.set_body_raw(Body::Json(JsonBody::Value(v)), !explicit_type);
            }
            ExitBody::Text(s) if is_grpc && !grpc_output => {
                let v =
                    crate::header::value_from_str(&grpc_message, &s).map_err(HttpError::wrap)?;
                res.headers_mut().insert(grpc_message, v);
                res.set_body_raw(Body::Empty, false);
            }
            ExitBody::Text(s) => {
                default_message(&mut res);
                res.set_body_raw(Body::Bytes(s.into()), false);
            }
            ExitBody::None => {
                default_message(&mut res);
                res.set_body_raw(Body::Empty, false);
            }
        }
        res.set_source(Source::Exit);
        Err(HttpError::from_response(res))
    }
}

/// The Content-Type prefix of gRPC messages.
pub const GRPC_TYPE: &str = "application/grpc";
const GRPC_STATUS: &str = "grpc-status";
const GRPC_MESSAGE: &str = "grpc-message";

/// The gRPC status Kong answers for an HTTP status.
fn grpc_status_for(status: u16) -> u16 {
    const TABLE: &[(u16, u16)] = &[
        (200, 0),
        (400, 3),
        (401, 16),
        (403, 7),
        (404, 5),
        (409, 6),
        (429, 8),
        (499, 1),
        (500, 13),
        (501, 12),
        (503, 14),
        (504, 4),
    ];
    if let Some((_, code)) = TABLE.iter().find(|(s, _)| *s == status) {
        return *code;
    }
    match status {
        500..=599 => 13,
        400..=499 => 3,
        200..=299 => 0,
        _ => 2,
    }
}

/// The name of a gRPC status code.
fn grpc_name(code: u16) -> &'static str {
    match code {
        0 => "OK",
        1 => "Canceled",
        3 => "InvalidArgument",
        4 => "DeadlineExceeded",
        5 => "NotFound",
        6 => "AlreadyExists",
        7 => "PermissionDenied",
        8 => "ResourceExhausted",
        9 => "FailedPrecondition",
        10 => "Aborted",
        11 => "OutOfRange",
        12 => "Unimplemented",
        13 => "Internal",
        14 => "Unavailable",
        15 => "DataLoss",
        16 => "Unauthenticated",
        _ => "Unknown",
    }
}

fn is_named(name: &str, wanted: &HeaderName) -> bool {
    name.replace('_', "-").eq_ignore_ascii_case(wanted.as_str())
}
