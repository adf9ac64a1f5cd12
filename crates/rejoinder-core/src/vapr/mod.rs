//! vapr's responses as values: a handler answers with a status code, or with
//! the code followed by an optional message, headers and a nested body with
//! optional trailers.
//!
//! vapr accepts three shapes, and so does rejoinder:
//!
//! - `code`
//! - `[code, message?, headers?, [body, trailers?]?]`
//! - `[[body, trailers?]]` (a 200)
//!
//! They exist twice here. At compile time they are tuples wrapped in
//! [`Vapr`], which implements [`IntoResponse`]: `Vapr((code,))`,
//! `Vapr((code, message))`, `Vapr((code, headers))`,
//! `Vapr((code, message, headers))`, each optionally followed by `(body,)`
//! or `(body, trailers)`, and `Vapr(((body,),))` / `Vapr(((body, trailers),))`.
//! (Unwrapped tuples mean what they mean in axum: `(StatusCode, body)` is a
//! status and a body.) At run time
//! they are JSON values read by [`Response::from_value`], for handlers that
//! receive their answer as data (a script, a fixture, a proxy).
//!
//! # Design
//!
//! - The slots are told apart by type, never by position alone: a code is a
//!   `u16` or a [`StatusCode`] ([`Code`]), a message a `&'static str` or a
//!   `String` ([`Message`]), headers a list of pairs or a
//!   [`HeaderMap`] ([`Headers`]), and the body always sits in its own 1- or
//!   2-tuple, so `(200, "Fine")` is a code and a message, never a body. The
//!   slot traits are sealed: the impls listed are all there are.
//! - A code is valid when it is a registered status code of 200 or more
//!   (vapr's rule: no 1xx, nothing unregistered). The message defaults to
//!   the code's reason phrase.
//! - The response is sent as given: only the headers in the headers slot,
//!   no inferred Content-Type, and a missing body is an *empty* body
//!   (`Content-Length: 0`), not the reason phrase other flavours send. A
//!   repeated header name replaces the earlier value, as in vapr's `Map`;
//!   use a [`HeaderMap`] for repeated fields.
//! - Trailer values here are strings known now. For vapr's promise-valued
//!   trailers, add a future to the converted response with
//!   [`Trailers::insert_future`](crate::trailers::Trailers::insert_future)
//!   through [`Response::trailers_mut`]. Names that must not be trailers
//!   (Content-Type, Content-Length, …) are refused.
//! - A value that cannot be sent — an invalid code, a header name or value
//!   HTTP does not allow, a forbidden trailer — becomes a `500` with an
//!   empty body; the reason is logged and kept as the response's
//!   [error cause](Response::error_cause), never shown to the client.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::prelude::*;
//! use rejoinder_core::vapr::Vapr;
//! use rejoinder_core::{IntoResponse, Response};
//!
//! let res = Vapr((201, "Made", [("x-id", "7")], ("done", [("x-checksum", "abc")]))).into_response();
//! assert_eq!(res.status().as_u16(), 201);
//! assert_eq!(res.message(), Some("Made"));
//! assert_eq!(res.get("x-id"), Some("7"));
//! assert_eq!(res.body().and_then(|b| b.as_text()), Some("done"));
//! assert_eq!(res.trailers().unwrap().get("x-checksum").unwrap(), "abc");
//!
//! // The default message is the reason phrase; no body is an empty body.
//! let res = Vapr((404,)).into_response();
//! assert_eq!(res.message(), Some("Not Found"));
//! assert!(res.body().unwrap().is_empty());
//!
//! // An invalid code is a 500 whose cause says why.
//! let res = Vapr((99, "hm")).into_response();
//! assert_eq!(res.status().as_u16(), 500);
//! assert!(res.error_cause().unwrap().to_string().starts_with("Invalid response code: 99"));
//!
//! // The same shapes as JSON.
//! let value = serde_json::json!([200, {"x-a": "1"}, ["hi", {"x-checksum": "abc"}]]);
//! let res = Response::from_value(&value).unwrap();
//! assert_eq!(res.message(), Some("OK"));
//! assert_eq!(res.get("x-a"), Some("1"));
//! assert_eq!(res.body().and_then(|b| b.as_text()), Some("hi"));
//!
//! let err = Response::from_value(&serde_json::json!([200, 5])).unwrap_err();
//! assert!(err.is_invalid_message());
//! assert!(err.to_string().starts_with(
//!     "Expected response message to be a string (got number); a response is `code`"
//! ));
//! ```
//!
//! A body outside its tuple is a message (or headers) slot, so it does not
//! compile:
//!
//! ```compile_fail
//! use rejoinder_core::vapr::Vapr;
//! use rejoinder_core::IntoResponse;
//!
//! let res = Vapr((200, "status", [("x-a", "1")], "body")).into_response();
//! ```

use std::borrow::Cow;

use http::{HeaderMap, StatusCode};

use crate::body::Body;
use crate::{IntoResponse, Response};

mod error;
mod value;

pub use error::VaprError;
use error::{check_code, Kind};
pub use value::VaprResponse;

// ---- compile-time shapes -------------------------------------------------

/// A vapr response written as a tuple: `Vapr((code,))`,
/// `Vapr((code, message, headers, (body, trailers)))` and the other shapes
/// in the [module docs](self).
///
/// The wrapper says which reading is meant: a plain `(StatusCode, "made")`
/// is a status and a body, as in axum, while `Vapr((201, "Made"))` is vapr's
/// code and reason phrase.
///
/// ```
/// use rejoinder_core::vapr::Vapr;
/// use rejoinder_core::IntoResponse;
///
/// let res = Vapr((201, "Made")).into_response();
/// assert_eq!((res.status().as_u16(), res.message()), (201, Some("Made")));
/// assert!(res.body().unwrap().is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a response does nothing unless it is returned"]
pub struct Vapr<T>(pub T);

impl<T: Shape> IntoResponse for Vapr<T> {
    fn into_response(self) -> Response {
        self.0.build()
    }
}

/// A tuple that is one of vapr's shapes (see the [module docs](self)).
/// Sealed: the impls listed are all there are.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a vapr response",
    label = "not one of vapr's shapes",
    note = "vapr's shapes: (code,), (code, message), (code, headers), (code, message, headers), \
            any of them followed by (body,) or (body, trailers), or ((body,),) / \
            ((body, trailers),); code is u16 or StatusCode, message &'static str or String, \
            headers [(&str, &str); N], Vec<(String, String)> or HeaderMap, trailers \
            [(&str, &str); N] or Vec<(String, String)>; the body always sits in its own 1- or \
            2-tuple, so Vapr((200, \"text\")) is a code and a message"
)]
pub trait Shape: sealed::Shape {
    #[doc(hidden)]
    fn build(self) -> Response;
}

mod sealed {
    use super::{Response, VaprError};

    /// Puts one slot of a tuple into the response being built.
    pub trait Slot {
        fn apply(self, res: &mut Response) -> Result<(), VaprError>;
    }

    /// A tuple of slots.
    pub trait Shape {}

    /// Puts trailer fields into the response being built.
    pub trait TrailerFields {
        fn apply_trailers(self, res: &mut Response) -> Result<(), VaprError>;
    }
}

use sealed::Slot;

/// A status in the code slot: `u16` or [`StatusCode`]. Sealed.
///
/// Only registered codes of 200 or more are valid; any other code turns the
/// response into a `500` whose cause says "Invalid response code: N".
pub trait Code: sealed::Slot {}

/// A status message in the message slot: `&'static str` or `String`.
/// Sealed.
///
/// A message with CR, LF or other control characters turns the response
/// into a `500`.
pub trait Message: sealed::Slot {}

/// Headers in the headers slot: `[(&str, &str); N]`,
/// `Vec<(String, String)>` or [`HeaderMap`]. Sealed.
///
/// Pairs are set in order, a repeated name replacing the earlier value; a
/// [`HeaderMap`] keeps all its values. An invalid name or value, or
/// Transfer-Encoding, turns the response into a `500`.
pub trait Headers: sealed::Slot {}

/// Trailers after the body: `[(&str, &str); N]` or `Vec<(String, String)>`.
/// Sealed.
///
/// Values computed after the body (vapr's promises) are added to the
/// converted response with
/// [`Trailers::insert_future`](crate::trailers::Trailers::insert_future).
/// A forbidden or invalid name, or an invalid value, turns the response
/// into a `500`.
///
/// # Examples
///
/// ```
/// use rejoinder_core::vapr::Vapr;
/// use rejoinder_core::IntoResponse;
///
/// let mut res = Vapr((200, ("body", [("x-checksum", "abc")]))).into_response();
/// res.trailers_mut()
///     .insert_future("x-finished-at", async { Ok::<_, std::io::Error>("later") })
///     .unwrap();
/// assert_eq!(res.trailers().unwrap().len(), 2);
///
/// let res = Vapr((200, ("body", [("content-length", "4")]))).into_response();
/// assert_eq!(res.status().as_u16(), 500);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as response trailers",
    label = "not trailers",
    note = "trailers are `[(&str, &str); N]` or `Vec<(String, String)>`, after the body: \
            `(body, trailers)`"
)]
pub trait TrailerFields: sealed::TrailerFields {}

impl Slot for u16 {
    fn apply(self, res: &mut Response) -> Result<(), VaprError> {
        res.apply_status(check_code(self)?);
        Ok(())
    }
}
impl Code for u16 {}

impl Slot for StatusCode {
    fn apply(self, res: &mut Response) -> Result<(), VaprError> {
        self.as_u16().apply(res)
    }
}
impl Code for StatusCode {}

fn set_message(res: &mut Response, message: Cow<'static, str>) -> Result<(), VaprError> {
    res.set_message(message)
        .map(|_| ())
        .map_err(|e| VaprError::new(Kind::Message(e)))
}

impl Slot for &'static str {
    fn apply(self, res: &mut Response) -> Result<(), VaprError> {
        set_message(res, Cow::Borrowed(self))
    }
}
impl Message for &'static str {}

impl Slot for String {
    fn apply(self, res: &mut Response) -> Result<(), VaprError> {
        set_message(res, Cow::Owned(self))
    }
}
impl Message for String {}

fn set_header(res: &mut Response, name: &str, value: &str) -> Result<(), VaprError> {
    res.set(name, value)
        .map(|_| ())
        .map_err(|e| VaprError::new(Kind::Header(e)))
}

impl<const N: usize> Slot for [(&str, &str); N] {
    fn apply(self, res: &mut Response) -> Result<(), VaprError> {
        self.iter().try_for_each(|(n, v)| set_header(res, n, v))
    }
}
impl<const N: usize> Headers for [(&str, &str); N] {}

impl Slot for Vec<(String, String)> {
    fn apply(self, res: &mut Response) -> Result<(), VaprError> {
        self.iter().try_for_each(|(n, v)| set_header(res, n, v))
    }
}
impl Headers for Vec<(String, String)> {}

impl Slot for HeaderMap {
    fn apply(self, res: &mut Response) -> Result<(), VaprError> {
        for (name, value) in &self {
            res.try_append(name, value)
                .map_err(|e| VaprError::new(Kind::Header(e)))?;
        }
        Ok(())
    }
}
impl Headers for HeaderMap {}

fn set_trailer(res: &mut Response, name: &str, value: &str) -> Result<(), VaprError> {
    res.trailers_mut()
        .insert(name, value)
        .map(|_| ())
        .map_err(|e| VaprError::new(Kind::Trailer(e)))
}

impl<const N: usize> sealed::TrailerFields for [(&str, &str); N] {
    fn apply_trailers(self, res: &mut Response) -> Result<(), VaprError> {
        self.iter().try_for_each(|(n, v)| set_trailer(res, n, v))
    }
}
impl<const N: usize> TrailerFields for [(&str, &str); N] {}

impl sealed::TrailerFields for Vec<(String, String)> {
    fn apply_trailers(self, res: &mut Response) -> Result<(), VaprError> {
        self.iter().try_for_each(|(n, v)| set_trailer(res, n, v))
    }
}
impl TrailerFields for Vec<(String, String)> {}

impl<B: Into<Body>> Slot for (B,) {
    fn apply(self, res: &mut Response) -> Result<(), VaprError> {
        res.set_body_raw(self.0.into(), false);
        Ok(())
    }
}

impl<B: Into<Body>, T: TrailerFields> Slot for (B, T) {
    fn apply(self, res: &mut Response) -> Result<(), VaprError> {
        res.set_body_raw(self.0.into(), false);
        self.1.apply_trailers(res)
    }
}

/// Builds a response from its slots: a 200 until the code slot says
/// otherwise, an empty body unless the body slot gives one, and a 500 when
/// a slot is refused.
fn build(slots: impl FnOnce(&mut Response) -> Result<(), VaprError>) -> Response {
    let mut res = Response::new();
    res.apply_status(StatusCode::OK);
    let result = slots(&mut res);
    finish(res, result)
}

fn finish(mut res: Response, result: Result<(), VaprError>) -> Response {
    match result {
        Ok(()) => {
            if res.body().is_none() {
                res.set_body_raw(Body::Empty, false);
            }
            res
        }
        Err(e) => e.into_response(),
    }
}

/// One `IntoResponse` impl for a tuple of concrete slot types.
macro_rules! vapr_tuple {
    ([$($gen:tt)*] ($($slot:ty),+) ($($idx:tt),+)) => {
        impl<$($gen)*> sealed::Shape for ($($slot,)+) {}
        impl<$($gen)*> Shape for ($($slot,)+) {
            fn build(self) -> Response {
                let value = self;
                build(|res| {
                    $( Slot::apply(value.$idx, res)?; )+
                    Ok(())
                })
            }
        }
    };
}

/// The shapes after a code and, if given, a message: headers, then
/// optionally a body.
macro_rules! with_headers {
    ($c:ty, [$($g:tt)*] $h:ty) => {
        vapr_tuple!([$($g)*] ($c, $h) (0, 1));
        vapr_tuple!([$($g)* B: Into<Body>] ($c, $h, (B,)) (0, 1, 2));
        vapr_tuple!([$($g)* B: Into<Body>, T: TrailerFields] ($c, $h, (B, T)) (0, 1, 2));
    };
    ($c:ty, $m:ty, [$($g:tt)*] $h:ty) => {
        vapr_tuple!([$($g)*] ($c, $m, $h) (0, 1, 2));
        vapr_tuple!([$($g)* B: Into<Body>] ($c, $m, $h, (B,)) (0, 1, 2, 3));
        vapr_tuple!([$($g)* B: Into<Body>, T: TrailerFields] ($c, $m, $h, (B, T)) (0, 1, 2, 3));
    };
}

/// Every shape that starts with a code (and optionally a message).
macro_rules! with_code {
    ($c:ty) => {
        vapr_tuple!([] ($c) (0));
        vapr_tuple!([B: Into<Body>] ($c, (B,)) (0, 1));
        vapr_tuple!([B: Into<Body>, T: TrailerFields] ($c, (B, T)) (0, 1));
        with_code!(@message $c, &'static str);
        with_code!(@message $c, String);
        with_headers!($c, ['h1, 'h2, const N: usize,] [(&'h1 str, &'h2 str); N]);
        with_headers!($c, [] Vec<(String, String)>);
        with_headers!($c, [] HeaderMap);
    };
    (@message $c:ty, $m:ty) => {
        vapr_tuple!([] ($c, $m) (0, 1));
        vapr_tuple!([B: Into<Body>] ($c, $m, (B,)) (0, 1, 2));
        vapr_tuple!([B: Into<Body>, T: TrailerFields] ($c, $m, (B, T)) (0, 1, 2));
        with_headers!($c, $m, ['h1, 'h2, const N: usize,] [(&'h1 str, &'h2 str); N]);
        with_headers!($c, $m, [] Vec<(String, String)>);
        with_headers!($c, $m, [] HeaderMap);
    };
}

with_code!(u16);
with_code!(StatusCode);
vapr_tuple!([B: Into<Body>] ((B,)) (0));
vapr_tuple!([B: Into<Body>, T: TrailerFields] ((B, T)) (0));

#[cfg(test)]
mod tests;
