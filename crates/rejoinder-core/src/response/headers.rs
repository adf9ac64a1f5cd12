//! Reading and setting headers.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

use super::Response;
use crate::error::{Error, Kind};
use crate::header::{HeaderOutput, IntoHeaderName, IntoHeaderValues};
use crate::outcome::{Join, Outcome};

impl Response {
    // ---- headers -------------------------------------------------------

    /// All headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// All headers, mutable. The map takes `http`'s validated types, so
    /// nothing invalid can be put in; a Content-Type inserted here is kept,
    /// one removed here is inferred again at finalize.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The first value of a header (case-insensitive name) as text, if it is
    /// visible ASCII.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every value of a header, in order.
    pub fn get_all(&self, name: &str) -> Vec<&HeaderValue> {
        self.headers.get_all(name).iter().collect()
    }

    /// Whether the header is present.
    pub fn has(&self, name: &str) -> bool {
        self.headers.contains_key(name)
    }

    pub(crate) fn prepare(&self, name: HeaderName) -> Result<HeaderName, Error> {
        self.check_open()?;
        if name == header::TRANSFER_ENCODING {
            return Err(Error::new(Kind::Forbidden("Transfer-Encoding")));
        }
        Ok(name)
    }

    pub(crate) fn touched(&mut self, name: &HeaderName) {
        if name == header::CONTENT_TYPE {
            self.infer_type = false;
        }
    }

    /// Sets a header, replacing every value it had. A list of values is sent
    /// as repeated header lines — except for the headers that have one
    /// value (Content-Type, Content-Length, Location, ETag, Last-Modified,
    /// …), which refuse a list as Koa does.
    ///
    /// Given a [`HeaderName`] and a [`HeaderValue`] (or an integer), nothing
    /// can be invalid and this returns `&mut Self`; text is checked and
    /// returns a `Result` (see [`outcome`](crate::outcome)).
    ///
    /// Text values are visible ASCII, space and tab, as RFC 9110 §5.5 asks
    /// of header fields: clients read other octets as ISO-8859-1, so UTF-8
    /// text would arrive garbled, and the setter refuses it, naming the
    /// character. Percent-encode such text, or give an
    /// [`http::HeaderValue`] built from bytes to send opaque octets on
    /// purpose.
    ///
    /// ```
    /// use rejoinder_core::Response;
    ///
    /// let mut res = Response::new();
    /// let err = res.set("X-Response-Time", "12µs").unwrap_err();
    /// assert!(err.is_invalid_header_value());
    /// assert!(err.to_string().contains("U+00B5"));
    /// res.set("X-Response-Time", "0.012ms").unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// An invalid name or value (a control character, text that is not
    /// ASCII), or Transfer-Encoding (the server frames the body); the
    /// response is unchanged.
    pub fn set<N: IntoHeaderName, V: IntoHeaderValues>(
        &mut self,
        name: N,
        value: V,
    ) -> HeaderOutput<'_, N, V>
    where
        N::Outcome: Join<V::Outcome>,
    {
        let result = self.try_set(name, value).map(|_| ());
        <N::Outcome as Join<V::Outcome>>::Both::finish(self, result)
    }

    /// [`set`](Self::set) for generic code: always a `Result`.
    pub(crate) fn try_set<N: IntoHeaderName, V: IntoHeaderValues>(
        &mut self,
        name: N,
        value: V,
    ) -> Result<&mut Self, Error> {
        let (name, values) = self.checked_pair(name, value)?;
        self.touched(&name);
        self.headers.remove(&name);
        for v in values {
            self.headers.append(name.clone(), v);
        }
        Ok(self)
    }

    /// [`append`](Self::append) for generic code: always a `Result`.
    pub(crate) fn try_append<N: IntoHeaderName, V: IntoHeaderValues>(
        &mut self,
        name: N,
        value: V,
    ) -> Result<&mut Self, Error> {
        let (name, values) = self.checked_pair(name, value)?;
        if crate::header::is_singleton(&name) && self.headers.contains_key(&name) {
            return Err(crate::header::singleton_error(&name));
        }
        self.touched(&name);
        for v in values {
            self.headers.append(name.clone(), v);
        }
        Ok(self)
    }

    pub(crate) fn checked_pair<N: IntoHeaderName, V: IntoHeaderValues>(
        &self,
        name: N,
        value: V,
    ) -> Result<(HeaderName, crate::header::HeaderValues), Error> {
        let name = self.prepare(name.into_header_name()?)?;
        let values = value.into_header_values(&name)?;
        if values.len() > 1 && crate::header::is_singleton(&name) {
            return Err(crate::header::singleton_error(&name));
        }
        Ok((name, values))
    }

    /// Appends values to a header, keeping the ones it has.
    ///
    /// # Errors
    ///
    /// As [`set`](Self::set).
    pub fn append<N: IntoHeaderName, V: IntoHeaderValues>(
        &mut self,
        name: N,
        value: V,
    ) -> HeaderOutput<'_, N, V>
    where
        N::Outcome: Join<V::Outcome>,
    {
        let result = self.try_append(name, value).map(|_| ());
        <N::Outcome as Join<V::Outcome>>::Both::finish(self, result)
    }

    /// Removes a header (case-insensitive); a name that cannot exist is a
    /// no-op.
    pub fn remove(&mut self, name: &str) -> &mut Self {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            self.touched(&name);
            self.headers.remove(&name);
        }
        self
    }

    /// Sets several headers at once, in the given order (Koa's `set(fields)`).
    /// Everything is validated before anything is set.
    ///
    /// # Errors
    ///
    /// The first invalid name or value; then no header was changed.
    pub fn set_all<N, V, I>(&mut self, fields: I) -> Result<&mut Self, Error>
    where
        I: IntoIterator<Item = (N, V)>,
        N: IntoHeaderName,
        V: IntoHeaderValues,
    {
        let mut checked = Vec::new();
        for (n, v) in fields {
            let (name, values) = self.checked_pair(n, v)?;
            checked.push((name, values));
        }
        for (name, values) in checked {
            self.touched(&name);
            self.headers.remove(&name);
            for v in values {
                self.headers.append(name.clone(), v);
            }
        }
        Ok(self)
    }
}
