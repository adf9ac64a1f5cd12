//! The one early return of a handler: [`Abort`], a finished response.
//!
//! Everything that can end a request early converts into it, so a handler
//! returning `Result<T, Abort>` can use `?` on all of them:
//!
//! - an [`HttpError`] (Boom's errors) answers with its JSON payload;
//! - any other `std::error::Error` is a 500 that hides its text from the
//!   client and keeps the error as the response's cause (Boom's rule);
//! - Adonis's `abort`, Kong's `exit` and `error`, and a file that cannot be
//!   sent are `Abort`s already, carrying the response they prepared;
//! - a [`Response`] converts too, for answers built by hand.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::prelude::*;
//! use rejoinder_core::{Abort, HttpError, Response};
//!
//! fn load(id: &str) -> Result<u64, Abort> {
//!     let id: u64 = id.parse()?; // ParseIntError: a 500, cause kept
//!     if id == 0 {
//!         return Err(HttpError::not_found("no user 0").into());
//!     }
//!     Ok(id)
//! }
//!
//! assert_eq!(load("7").unwrap(), 7);
//! let res = load("0").unwrap_err().into_response();
//! assert_eq!(res.status(), 404);
//! let res = load("x").unwrap_err().into_response();
//! assert_eq!((res.status().as_u16(), res.error_cause().is_some()), (500, true));
//!
//! let mut res = Response::new();
//! let abort = res.abort("Not logged in", 401).unwrap_err(); // Adonis's abort
//! assert_eq!(abort.response().status(), 401);
//! ```

use std::fmt;

use crate::{HttpError, IntoResponse, Response};

/// A finished response that ends the request early: an `HttpError`, any
/// `std::error::Error` (a 500 that hides its text), or a response prepared
/// by `abort`, `exit`, `error` or a download converts into it, so `?`
/// works on all of them in a handler returning `Result<T, Abort>`.
///
/// Not itself a `std::error::Error`, so that every error type can convert
/// into it with `?` (the same choice `anyhow::Error` makes).
#[must_use = "an Abort does nothing unless it is returned"]
pub struct Abort {
    response: Box<Response>,
}

impl Abort {
    /// An early return answering with `response`.
    pub fn new(response: Response) -> Abort {
        Abort {
            response: Box::new(response),
        }
    }

    /// The response this answers with.
    pub fn response(&self) -> &Response {
        &self.response
    }

    /// The response, to change before it is sent.
    pub fn response_mut(&mut self) -> &mut Response {
        &mut self.response
    }
}

impl IntoResponse for Abort {
    fn into_response(self) -> Response {
        *self.response
    }
}

impl From<Response> for Abort {
    fn from(response: Response) -> Abort {
        Abort::new(response)
    }
}

impl From<HttpError> for Abort {
    fn from(error: HttpError) -> Abort {
        Abort::new(error.into_response())
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Abort {
    /// A 500 that keeps `error` as its cause and shows the client only
    /// "An internal server error occurred".
    fn from(error: E) -> Abort {
        HttpError::wrap(error).into()
    }
}

impl fmt::Debug for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Abort")
            .field("status", &self.response.status())
            .field("source", &self.response.source())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the request ended early with {}", self.response.status())?;
        if let Some(cause) = self.response.error_cause() {
            write!(f, " (caused by: {cause})")?;
        }
        Ok(())
    }
}
