//! Values a handler can return.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::body::{Body, Json};
use crate::header::{IntoHeaderName, IntoHeaderValues};
use crate::{Error, Response};

/// Turns a handler's return value into a [`Response`].
///
/// Implemented for [`Response`] itself, everything that converts into a
/// [`Body`] (strings, bytes, [`Json`], [`serde_json::Value`]), status codes
/// (that status, an empty body), `()` (in a handler: the response the
/// context holds), `Result<T, E>` where both sides are responses, and the
/// tuples axum users know: `(StatusCode, body)`, `(StatusCode, headers,
/// body)` and `(headers, body)`, where headers are `[(name, value); N]`,
/// `Vec<(name, value)>` or a `HeaderMap`. vapr's shapes, where the second
/// slot is a reason phrase, are spelled [`Vapr`](crate::vapr::Vapr)`((201,
/// "Made", ..))`. A refused response operation ([`Error`]) becomes a 500
/// whose cause is logged, never shown to the client.
///
/// ```
/// use rejoinder_core::http::StatusCode;
/// use rejoinder_core::{IntoResponse, Json};
///
/// let res = Json(serde_json::json!([1, 2])).into_response();
/// assert_eq!(res.status().as_u16(), 200);
/// assert_eq!(res.content_type(), Some("application/json"));
///
/// let res = (StatusCode::CREATED, [("location", "/users/7")], "made").into_response();
/// assert_eq!(res.status().as_u16(), 201);
/// assert_eq!(res.get("location"), Some("/users/7"));
/// assert_eq!(res.body().and_then(|b| b.as_text()), Some("made"));
/// ```
///
/// A bare number is not a status inside a tuple: say which you mean.
///
/// ```compile_fail
/// use rejoinder_core::IntoResponse;
///
/// let res = (201, "made").into_response();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be turned into a response",
    label = "not a response",
    note = "a handler may return: (), Response, &'static str, String, Bytes, Vec<u8>, Json<T>, \
            serde_json::Value, Body, StatusCode, u16, HttpError, Abort, Result<T, E> where T and E are \
            responses, (StatusCode, body), (StatusCode, headers, body) or (headers, body), \
            where headers are [(name, value); N], Vec<(name, value)> or HeaderMap",
    note = "a status in a tuple is a StatusCode (`(StatusCode::CREATED, \"made\")`); vapr's \
            shapes, whose second slot is a reason phrase, are wrapped: `Vapr((201, \"Made\", \
            [(\"x\", \"y\")], (\"body\",)))`"
)]
#[must_use = "a response does nothing unless it is returned"]
pub trait IntoResponse {
    /// Converts.
    fn into_response(self) -> Response;

    /// Writes this value into `res`, the response a context already holds:
    /// by default [`Response::merge`] of [`into_response`](Self::into_response),
    /// so an error replaces the response and anything else is laid over it.
    /// `()` leaves `res` as it is.
    fn apply_to(self, res: &mut Response)
    where
        Self: Sized,
    {
        res.merge(self.into_response());
    }
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for () {
    /// Outside a context, an untouched response (404).
    fn into_response(self) -> Response {
        Response::new()
    }

    /// The response in the context, unchanged.
    fn apply_to(self, _: &mut Response) {}
}

impl IntoResponse for StatusCode {
    /// A bare status, as vapr's `return 204`: that status, its reason
    /// phrase and an empty body; a status that is not a registered one of
    /// 200 or more ([`Range::Answer`](crate::status::Range::Answer)) is a
    /// 500 whose cause says so.
    fn into_response(self) -> Response {
        bare_status(self.as_u16())
    }
}

impl IntoResponse for u16 {
    /// A bare code, as vapr's `return 404`; see [`StatusCode`]'s.
    fn into_response(self) -> Response {
        bare_status(self)
    }
}

fn bare_status(code: u16) -> Response {
    match crate::status::Range::Answer.check(code) {
        Ok(status) => {
            let mut res = Response::new();
            res.apply_status(status);
            res.set_body_raw(Body::Empty, false);
            res
        }
        Err(e) => {
            let mut res = Response::from_error(StatusCode::INTERNAL_SERVER_ERROR, e);
            res.set_body_raw(Body::Empty, false);
            res
        }
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

            fn apply_to(self, res: &mut Response) {
                if !res.headers_sent() {
                    res.set_body(self);
                }
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

    fn apply_to(self, res: &mut Response) {
        if !res.headers_sent() {
            res.set_body(self);
        }
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(v) => v.into_response(),
            Err(e) => e.into_response(),
        }
    }

    fn apply_to(self, res: &mut Response) {
        match self {
            Ok(v) => v.apply_to(res),
            Err(e) => e.apply_to(res),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        tracing::error!(error = %self, "response operation refused; sending 500");
        Response::from_error(StatusCode::INTERNAL_SERVER_ERROR, self)
    }
}

mod sealed {
    pub trait Sealed {}
}

/// Headers in a response tuple: `[(name, value); N]`, `Vec<(name, value)>`
/// (names and values as [`Response::set`] takes them) or a [`HeaderMap`].
/// Sealed.
///
/// They are applied after the body, so a Content-Type given here wins over
/// the one the body implies. An invalid name or value turns the response
/// into a 500 whose cause says why.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as response headers",
    label = "not headers",
    note = "headers are [(name, value); N], Vec<(name, value)> or HeaderMap, where a name is \
            &str, String or HeaderName and a value &str, String, HeaderValue or an integer",
    note = "a status in a tuple is a StatusCode: `(StatusCode::CREATED, \"made\")` is 201 with \
            the body \"made\"; vapr's code-and-reason-phrase shapes are written \
            `Vapr((201, \"Made\"))`"
)]
pub trait IntoResponseHeaders: sealed::Sealed {
    #[doc(hidden)]
    fn apply_headers(self, res: &mut Response) -> Result<(), Error>;
}

impl<K: IntoHeaderName, V: IntoHeaderValues, const N: usize> sealed::Sealed for [(K, V); N] {}
impl<K: IntoHeaderName, V: IntoHeaderValues, const N: usize> IntoResponseHeaders for [(K, V); N] {
    fn apply_headers(self, res: &mut Response) -> Result<(), Error> {
        res.set_all(self).map(|_| ())
    }
}

impl<K: IntoHeaderName, V: IntoHeaderValues> sealed::Sealed for Vec<(K, V)> {}
impl<K: IntoHeaderName, V: IntoHeaderValues> IntoResponseHeaders for Vec<(K, V)> {
    fn apply_headers(self, res: &mut Response) -> Result<(), Error> {
        res.set_all(self).map(|_| ())
    }
}

impl sealed::Sealed for HeaderMap {}
impl IntoResponseHeaders for HeaderMap {
    fn apply_headers(self, res: &mut Response) -> Result<(), Error> {
        if res.headers_sent() {
            return Err(Error::headers_sent());
        }
        if self.contains_key(http::header::TRANSFER_ENCODING) {
            return Err(Error::other(
                "Transfer-Encoding cannot be set: the server frames the body",
            ));
        }
        for name in self.keys() {
            if crate::header::is_singleton(name) && self.get_all(name).iter().count() > 1 {
                return Err(crate::header::singleton_error(name));
            }
        }
        let mut last: Option<http::HeaderName> = None;
        for (name, value) in self {
            // `None` continues the previous name's values.
            let name = match (name, &last) {
                (Some(n), _) => {
                    res.remove(n.as_str());
                    last = Some(n.clone());
                    n
                }
                (None, Some(n)) => n.clone(),
                (None, None) => continue,
            };
            res.headers_mut().append(name, value);
        }
        Ok(())
    }
}

/// Lays `headers` over `res`; a refused header turns it into a 500.
fn with_headers(mut res: Response, headers: impl IntoResponseHeaders) -> Response {
    match headers.apply_headers(&mut res) {
        Ok(()) => res,
        Err(e) => e.into_response(),
    }
}

impl<R: IntoResponse> IntoResponse for (StatusCode, R) {
    fn into_response(self) -> Response {
        let mut res = self.1.into_response();
        if res.source() != crate::Source::Error {
            res.set_status(self.0);
        }
        res
    }
}

impl<H: IntoResponseHeaders, R: IntoResponse> IntoResponse for (StatusCode, H, R) {
    fn into_response(self) -> Response {
        let res = self.2.into_response();
        if res.source() == crate::Source::Error {
            return res;
        }
        let mut res = with_headers(res, self.1);
        if res.source() != crate::Source::Error {
            res.set_status(self.0);
        }
        res
    }
}

impl<H: IntoResponseHeaders, R: IntoResponse> IntoResponse for (H, R) {
    fn into_response(self) -> Response {
        let res = self.1.into_response();
        if res.source() == crate::Source::Error {
            return res;
        }
        with_headers(res, self.0)
    }
}
