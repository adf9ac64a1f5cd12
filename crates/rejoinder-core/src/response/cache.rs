//! Caching headers: ETag, Last-Modified, Vary, and Location.

use std::borrow::Cow;
use std::time::SystemTime;

use http::header::{self, HeaderValue};

use super::{IntoHttpDate, Response};
use crate::error::Error;
use crate::outcome::Outcome;
use crate::vary;

impl Response {
    // ---- caching -------------------------------------------------------

    /// Sets the ETag, adding quotes unless it is already quoted or weak
    /// (`W/"..."`).
    ///
    /// # Errors
    ///
    /// A value that is not a valid header value.
    pub fn set_etag(&mut self, etag: &str) -> Result<&mut Self, Error> {
        self.check_open()?;
        let quoted = etag.starts_with('"') || etag.starts_with("W/\"");
        let value = if quoted {
            Cow::Borrowed(etag)
        } else {
            Cow::Owned(format!("\"{etag}\""))
        };
        let v = crate::header::value_from_str(&header::ETAG, &value)?;
        self.headers.insert(header::ETAG, v);
        Ok(self)
    }

    /// The ETag, if set.
    pub fn etag(&self) -> Option<&str> {
        self.get("etag")
    }

    /// Sets Last-Modified as an HTTP date (second precision), from a
    /// [`SystemTime`] (cannot fail) or, as Koa's `lastModified =` takes it,
    /// from an HTTP-date string (checked).
    ///
    /// ```
    /// # use rejoinder_core::Response;
    /// let mut res = Response::new();
    /// res.set_last_modified(std::time::UNIX_EPOCH);
    /// res.set_last_modified("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
    /// assert_eq!(res.get("last-modified"), Some("Wed, 21 Oct 2015 07:28:00 GMT"));
    /// assert!(res.set_last_modified("yesterday").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// A string that is not an HTTP date; Last-Modified is unchanged.
    pub fn set_last_modified<T: IntoHttpDate>(
        &mut self,
        time: T,
    ) -> <T::Outcome as Outcome>::Output<'_> {
        let result = self
            .check_open()
            .and_then(|()| time.into_time())
            .map(|time| {
                let v = HeaderValue::from_str(&httpdate::fmt_http_date(time))
                    .unwrap_or_else(|_| HeaderValue::from_static(""));
                self.headers.insert(header::LAST_MODIFIED, v);
            });
        T::Outcome::finish(self, result)
    }

    /// Last-Modified, parsed, if present and valid.
    pub fn last_modified(&self) -> Option<SystemTime> {
        self.get("last-modified")
            .and_then(|s| httpdate::parse_http_date(s).ok())
    }

    /// Adds fields to Vary, de-duplicated; `*` wins. See [`vary::append`].
    ///
    /// # Errors
    ///
    /// An empty field or one that is not a header name; Vary is unchanged.
    pub fn vary(&mut self, fields: &[&str]) -> Result<&mut Self, Error> {
        self.check_open()?;
        let existing: Vec<&str> = self
            .headers
            .get_all(header::VARY)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let value = vary::append(&existing.join(", "), fields)?;
        if !value.is_empty() {
            let v = crate::header::value_from_str(&header::VARY, &value)?;
            self.headers.insert(header::VARY, v);
        }
        Ok(self)
    }

    /// The Location header, if set.
    pub fn location(&self) -> Option<&str> {
        self.get("location")
    }

    /// Sets the Location header as given (see the redirect helpers for
    /// normalization and status).
    ///
    /// # Errors
    ///
    /// A value with CR, LF or other control bytes.
    pub fn set_location(&mut self, url: &str) -> Result<&mut Self, Error> {
        self.check_open()?;
        let v = crate::header::value_from_str(&header::LOCATION, url)?;
        self.headers.insert(header::LOCATION, v);
        Ok(self)
    }
}
