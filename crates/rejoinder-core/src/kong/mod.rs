//! Kong's PDK flavour of the header and status operations.
//!
//! [`Response::kong`] borrows the response as a [`Kong`] handle whose
//! methods behave like `kong.response.*`: names given with `_` mean `-`
//! (nginx's rule), `set_headers` applies its fields in lexicographic order
//! (Kong's documented promise; Kong itself uses hash order), a list value
//! sets repeated lines and an empty list clears the header, and
//! Transfer-Encoding is ignored with a warning.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::prelude::*;
//! use rejoinder_core::Response;
//!
//! let mut res = Response::new();
//! let mut kong = res.kong();
//! kong.set_header("x_custom_header", "bla").unwrap();
//! kong.set_headers([("b", vec!["2"]), ("a", vec!["1", "one"])]).unwrap();
//! assert_eq!(kong.get_header("X-Custom-Header").unwrap(), "bla");
//! let names: Vec<_> = res.headers().keys().map(|k| k.as_str()).collect();
//! assert_eq!(names, ["x-custom-header", "a", "b"]);
//! ```

use std::convert::Infallible;

use http::header::{HeaderName, HeaderValue, TRANSFER_ENCODING};
use http::StatusCode;

use crate::error::{Error, Kind};
use crate::header::{name_from_str, IntoHeaderValues};
use crate::Abort;
use crate::Response;

mod error_page;
mod exit;

pub use error_page::{default_message, negotiate, render, ErrorFormat, ErrorMessage};
pub use exit::{ExitBody, GRPC_TYPE, NO_HEADERS};

/// A response seen through Kong's PDK. See the [module docs](self).
#[derive(Debug)]
pub struct Kong<'a> {
    res: &'a mut Response,
}

fn kong_name(name: &str) -> Result<HeaderName, Error> {
    name_from_str(&crate::header::dashed(name))
}

impl Kong<'_> {
    /// The status (`get_status`).
    pub fn get_status(&self) -> StatusCode {
        self.res.status()
    }

    /// Sets the status (`set_status`), 100–599 as Kong accepts.
    ///
    /// # Errors
    ///
    /// A code outside 100–599.
    pub fn set_status(&mut self, code: u16) -> Result<(), Error> {
        if !(100..=599).contains(&code) {
            return Err(crate::status::Range::Kong.refusal(code.into()).into());
        }
        self.res.set_status(code).map(|_| ())
    }

    /// The first value of a header, `_` and case forgiven (`get_header`).
    pub fn get_header(&self, name: &str) -> Option<&HeaderValue> {
        let headers = self.res.headers();
        if !name.bytes().any(|b| b.is_ascii_uppercase()) {
            if let Some(v) = headers.get(name) {
                return Some(v);
            }
        }
        let normalized = crate::header::dashed(name).to_ascii_lowercase();
        headers.get(normalized.as_str())
    }

    /// At most `max` entries (default 100), and whether some were left out
    /// (`get_headers`).
    ///
    /// # Errors
    ///
    /// `max` outside 1..=1000.
    pub fn get_headers(&self, max: Option<usize>) -> Result<HeaderListing<'_>, Error> {
        let max = max.unwrap_or(DEFAULT_HEADER_LIMIT);
        if !(1..=1000).contains(&max) {
            return Err(Error::new(Kind::Limit(max)));
        }
        let mut iter = self.res.headers().iter();
        let entries: Vec<_> = iter.by_ref().take(max).collect();
        Ok(HeaderListing {
            entries,
            truncated: iter.next().is_some(),
        })
    }

    fn is_transfer_encoding(name: &HeaderName) -> bool {
        if name == TRANSFER_ENCODING {
            tracing::warn!("manually setting Transfer-Encoding. Ignored.");
            true
        } else {
            false
        }
    }

    /// The values Kong sends: for a one-value header (Content-Type,
    /// Content-Length, Location, …) only the last of a list, as nginx does.
    fn kong_values(
        name: &HeaderName,
        value: impl IntoHeaderValues,
    ) -> Result<crate::header::HeaderValues, Error> {
        let values = value.into_header_values(name)?;
        Ok(if crate::header::is_singleton(name) {
            values.into_last()
        } else {
            values
        })
    }

    /// Replaces a header (`set_header`).
    ///
    /// # Errors
    ///
    /// An invalid name or value.
    pub fn set_header(&mut self, name: &str, value: impl IntoHeaderValues) -> Result<(), Error> {
        let name = kong_name(name)?;
        if Self::is_transfer_encoding(&name) {
            return Ok(());
        }
        let values = Self::kong_values(&name, value)?;
        self.res.try_set(name, values).map(|_| ())
    }

    /// Adds a value to a header (`add_header`).
    ///
    /// # Errors
    ///
    /// An invalid name or value.
    pub fn add_header(&mut self, name: &str, value: impl IntoHeaderValues) -> Result<(), Error> {
        let name = kong_name(name)?;
        if Self::is_transfer_encoding(&name) {
            return Ok(());
        }
        let values = Self::kong_values(&name, value)?;
        if crate::header::is_singleton(&name) {
            // One value: the added one replaces it, as nginx keeps one.
            return self.res.try_set(name, values).map(|_| ());
        }
        self.res.try_append(name, values).map(|_| ())
    }

    /// Removes a header (`clear_header`).
    pub fn clear_header(&mut self, name: &str) {
        self.res.remove(&crate::header::dashed(name));
    }

    /// Sets several headers in lexicographic order of their names
    /// (`set_headers`). Everything is validated first.
    ///
    /// # Errors
    ///
    /// The first invalid name or value; then nothing was changed.
    pub fn set_headers<N, V, I>(&mut self, fields: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: IntoHeaderValues,
    {
        let mut checked = Vec::new();
        for (n, v) in fields {
            let name = kong_name(n.as_ref())?;
            let values = Self::kong_values(&name, v)?;
            if !Self::is_transfer_encoding(&name) {
                checked.push((name, values));
            }
        }
        checked.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        self.res.set_all(checked).map(|_| ())
    }
}

/// Kong's PDK on a [`Response`]: the [`Kong`] view and `exit`. Sealed;
/// in scope through the prelude.
pub trait KongResponse: crate::sealed::Sealed {
    /// Kong's `kong.response` operations on this response.
    fn kong(&mut self) -> Kong<'_>;

    /// Ends the request with `status`, `body` and `headers` (Kong's
    /// `kong.response.exit`): a string body is sent as is, a JSON body as
    /// `application/json; charset=utf-8` unless `headers` gives a type; the
    /// headers are applied like [`Kong::set_headers`](crate::kong::Kong::set_headers)
    /// (Transfer-Encoding ignored with a warning), and Content-Length is the
    /// body's real length. The response's source becomes [`Source::Exit`](crate::Source::Exit).
    ///
    /// # Errors
    ///
    /// Always: the `Abort` carries the finished response. A status
    /// outside 100–599, an invalid header, or a Content-Length that is not a
    /// number gives a 500 whose cause says why.
    fn exit<N, V, I>(
        &mut self,
        status: u16,
        body: impl Into<ExitBody>,
        headers: I,
    ) -> Result<Infallible, Abort>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: IntoHeaderValues;

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
    fn exit_for_request<N, V, I>(
        &mut self,
        grpc_request: bool,
        status: u16,
        body: impl Into<ExitBody>,
        headers: I,
    ) -> Result<Infallible, Abort>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: IntoHeaderValues;
}

impl KongResponse for Response {
    fn kong(&mut self) -> Kong<'_> {
        Kong { res: self }
    }

    fn exit<N, V, I>(
        &mut self,
        status: u16,
        body: impl Into<ExitBody>,
        headers: I,
    ) -> Result<Infallible, Abort>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: IntoHeaderValues,
    {
        self.exit_for_request(false, status, body, headers)
    }

    fn exit_for_request<N, V, I>(
        &mut self,
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
        exit::exit(self, grpc_request, status, body, headers)
    }
}

/// A bounded listing of response headers (Kong's `get_headers(max)`).
#[derive(Debug)]
pub struct HeaderListing<'a> {
    /// The first entries, one per value, in map order.
    pub entries: Vec<(&'a HeaderName, &'a HeaderValue)>,
    /// Whether entries were left out because of the limit.
    pub truncated: bool,
}

/// The default limit of [`Kong::get_headers`].
pub const DEFAULT_HEADER_LIMIT: usize = 100;
