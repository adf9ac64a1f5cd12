//! What a setter returns: `&mut Response` when its input was already typed,
//! `Result<&mut Response, Error>` when it had to be checked.
//!
//! A [`StatusCode`](http::StatusCode), a [`HeaderName`](http::HeaderName), a
//! [`HeaderValue`](http::HeaderValue) or a [`mime::Mime`] is valid by
//! construction, so a setter given one cannot fail on its input, and
//! returning a `Result` would only teach callers to write `let _ =`. Text
//! and numbers have to be checked, so the same setter given them returns a
//! `Result` (which must be used). The input's type decides, at compile time:
//!
//! ```
//! use rejoinder_core::http::{header, HeaderValue, StatusCode};
//! use rejoinder_core::Response;
//!
//! let mut res = Response::new();
//! // Typed input: nothing to check, nothing to handle.
//! res.set_status(StatusCode::CREATED)
//!     .set(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
//! // Run-time input: checked, and the check can fail.
//! assert!(res.set_status(1000).is_err());
//! assert!(res.set("x-note", "a\r\nb").is_err());
//! ```
//!
//! A typed change that is refused for another reason — the headers were
//! already sent, or the header is Transfer-Encoding, which the server owns
//! — is ignored with a warning in the log, as Koa ignores changes after the
//! headers are sent.

use crate::{Error, Response};

mod sealed {
    pub trait Sealed {}
}

/// The two outcomes of a setter; see the [module docs](self). Sealed.
pub trait Outcome: sealed::Sealed {
    /// What the setter returns.
    type Output<'a>;

    #[doc(hidden)]
    fn finish(res: &mut Response, result: Result<(), Error>) -> Self::Output<'_>;
}

/// The setter's input was typed: it returns `&mut Response`.
#[derive(Debug)]
pub enum Typed {}

/// The setter's input was checked: it returns `Result<&mut Response, Error>`.
#[derive(Debug)]
pub enum Checked {}

impl sealed::Sealed for Typed {}
impl Outcome for Typed {
    type Output<'a> = &'a mut Response;

    fn finish(res: &mut Response, result: Result<(), Error>) -> &mut Response {
        if let Err(e) = result {
            tracing::warn!(error = %e, "a response change was ignored");
        }
        res
    }
}

impl sealed::Sealed for Checked {}
impl Outcome for Checked {
    type Output<'a> = Result<&'a mut Response, Error>;

    fn finish(res: &mut Response, result: Result<(), Error>) -> Result<&mut Response, Error> {
        result.map(|()| res)
    }
}

/// The outcome of a setter with two inputs (a header name and its value):
/// typed only when both are.
pub trait Join<Other: Outcome>: Outcome {
    /// The combined outcome.
    type Both: Outcome;
}

impl Join<Typed> for Typed {
    type Both = Typed;
}
impl Join<Checked> for Typed {
    type Both = Checked;
}
impl Join<Typed> for Checked {
    type Both = Checked;
}
impl Join<Checked> for Checked {
    type Both = Checked;
}

/// The integer types (`u16`, `i32`, `u64`, …), taken as header values
/// (always valid) and as status codes (checked). One impl covers them all,
/// so a bare literal (`res.set_status(404)`, `res.set("x-count", 3)`) needs
/// no suffix. Sealed.
pub trait Integer: sealed::Sealed + Copy {
    #[doc(hidden)]
    fn header_value(self) -> http::HeaderValue;
    #[doc(hidden)]
    fn to_i128(self) -> i128;
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Integer for $t {
            fn header_value(self) -> http::HeaderValue {
                http::HeaderValue::from(self)
            }
            fn to_i128(self) -> i128 {
                i128::from(self)
            }
        }
    )*};
}
integers!(u16, i16, u32, i32, u64, i64);

impl sealed::Sealed for usize {}
impl Integer for usize {
    fn header_value(self) -> http::HeaderValue {
        http::HeaderValue::from(self)
    }
    fn to_i128(self) -> i128 {
        self as i128
    }
}
impl sealed::Sealed for isize {}
impl Integer for isize {
    fn header_value(self) -> http::HeaderValue {
        http::HeaderValue::from(self)
    }
    fn to_i128(self) -> i128 {
        self as i128
    }
}
