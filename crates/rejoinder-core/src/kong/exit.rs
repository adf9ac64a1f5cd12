//! Kong's `exit`: what a short-circuit sends, and the gRPC mapping.

use std::convert::Infallible;

use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use http::StatusCode;
use serde_json::Value;

use crate::body::{Body, JsonBody};
use crate::error::{Error, Kind};
use crate::header::IntoHeaderValues;
use crate::kong::KongResponse;
use crate::response::Source;
use crate::Abort;
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

fn invalid(message: String) -> Abort {
    Error::new(Kind::Invalid(message)).into()
}

/// Kong's `exit` on `this`, knowing whether the request is a gRPC call.
pub(super) fn exit<N, V, I>(
    this: &mut Response,
    grpc_request: bool,
    status: u16,
    body: impl Into<ExitBody>,
    headers: I,
) -> Result<Infallible, Abort>
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
    let mut res = std::mem::take(this);
    res.kong().set_headers(fields)?;
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
            let v = crate::header::value_from_str(&grpc_message, &s)?;
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
    Err(Abort::new(res))
}

pub use crate::mime::GRPC_TYPE;
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
    crate::header::dashed(name).eq_ignore_ascii_case(wanted.as_str())
}
