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

use http::header::{HeaderName, HeaderValue, TRANSFER_ENCODING};
use http::StatusCode;

use crate::error::Error;
use crate::header::{name_from_str, IntoHeaderValues};
use crate::response::{HeaderListing, DEFAULT_HEADER_LIMIT};
use crate::Response;

/// A response seen through Kong's PDK. See the [module docs](self).
#[derive(Debug)]
pub struct Kong<'a> {
    res: &'a mut Response,
}

impl Response {
    /// Kong's `kong.response` operations on this response.
    pub fn kong(&mut self) -> Kong<'_> {
        Kong { res: self }
    }
}

fn kong_name(name: &str) -> Result<HeaderName, Error> {
    if name.contains('_') {
        name_from_str(&name.replace('_', "-"))
    } else {
        name_from_str(name)
    }
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
            return Err(crate::status::StatusError::Invalid(code.into()).into());
        }
        self.res.set_status(code).map(|_| ())
    }

    /// The first value of a header, `_` and case forgiven (`get_header`).
    pub fn get_header(&self, name: &str) -> Option<&HeaderValue> {
        self.res.header_any(name)
    }

    /// At most `max` entries (default 100), and whether some were left out
    /// (`get_headers`).
    ///
    /// # Errors
    ///
    /// `max` outside 1..=1000.
    pub fn get_headers(&self, max: Option<usize>) -> Result<HeaderListing<'_>, Error> {
        self.res
            .headers_limited(max.unwrap_or(DEFAULT_HEADER_LIMIT))
    }

    fn is_transfer_encoding(name: &HeaderName) -> bool {
        if name == TRANSFER_ENCODING {
            tracing::warn!("manually setting Transfer-Encoding. Ignored.");
            true
        } else {
            false
        }
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
        self.res.try_set(name, value).map(|_| ())
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
        self.res.try_append(name, value).map(|_| ())
    }

    /// Removes a header (`clear_header`).
    pub fn clear_header(&mut self, name: &str) {
        self.res.remove(&name.replace('_', "-"));
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
            let values = v.into_header_values(&name)?;
            if !Self::is_transfer_encoding(&name) {
                checked.push((name, values));
            }
        }
        checked.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        self.res.set_all(checked).map(|_| ())
    }
}

impl IntoHeaderValues for crate::header::HeaderValues {
    type Outcome = crate::outcome::Typed;
    fn into_header_values(self, _: &HeaderName) -> Result<crate::header::HeaderValues, Error> {
        Ok(self)
    }
}
