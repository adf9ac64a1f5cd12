//! Values a handler can return.

use bytes::Bytes;
use http::StatusCode;

use crate::body::{Body, Json};
use crate::{Error, Response};

/// Turns a handler's return value into a [`Response`].
///
/// Implemented for [`Response`] itself, everything that converts into a
/// [`Body`] (strings, bytes, [`Json`], [`serde_json::Value`]), status codes,
/// `()` (an untouched response: 404), and `Result<T, E>` where both sides are
/// responses. A refused response operation ([`Error`]) becomes a 500 whose
/// cause is logged, never shown to the client.
///
/// ```
/// use rejoinder_core::{IntoResponse, Json};
///
/// let res = Json(serde_json::json!([1, 2])).into_response();
/// assert_eq!(res.status().as_u16(), 200);
/// assert_eq!(res.content_type(), Some("application/json"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be turned into a response",
    label = "not a response",
    note = "a handler may return: Response, Context, &'static str, String, Bytes, Vec<u8>, \
            Json<T>, serde_json::Value, Body, StatusCode, (), or Result<T, E> where T and E \
            are responses",
    note = "or a vapr tuple: (code,), (code, message), (code, headers), (code, message, \
            headers), any of them followed by (body,) or (body, trailers), or ((body,),) / \
            ((body, trailers),); code is u16 or StatusCode, message &'static str or String, \
            headers [(&str, &str); N], Vec<(String, String)> or HeaderMap, trailers \
            [(&str, &str); N] or Vec<(String, String)>; the body always sits in its own 1- or \
            2-tuple, so (200, \"text\") is a code and a message"
)]
pub trait IntoResponse {
    /// Converts.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::new()
    }
}

impl IntoResponse for StatusCode {
    /// A bare status, as vapr's `return 204`: that status, its reason
    /// phrase and an empty body.
    fn into_response(self) -> Response {
        (self,).into_response()
    }
}

impl IntoResponse for u16 {
    /// A bare code, as vapr's `return 404`; a code that is not a registered
    /// status of 200 or more is a 500 whose cause says so.
    fn into_response(self) -> Response {
        (self,).into_response()
    }
}

macro_rules! body_responses {
    ($($t:ty),*) => {$(
        impl IntoResponse for $t {
            fn into_response(self) -> Response {
                let mut res = Response::new();
                res.set_body(self);
                res
            }
        }
    )*};
}
body_responses!(
    &'static str,
    String,
    Bytes,
    Vec<u8>,
    serde_json::Value,
    Body
);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut res = Response::new();
        res.set_body(self);
        res
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(v) => v.into_response(),
            Err(e) => e.into_response(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        tracing::error!(error = %self, "response operation refused; sending 500");
        let mut res = Response::new();
        let _ = res.set_status(StatusCode::INTERNAL_SERVER_ERROR);
        res.set_error_cause(std::sync::Arc::new(self));
        res
    }
}
