//! The body, its type and its length.

use std::borrow::Cow;

use http::header::{self, HeaderValue};
use http::StatusCode;

use super::{IntoContentType, Response, StatusBy};
use crate::body::Body;
use crate::error::{Error, Kind};
use crate::outcome::Outcome;
use crate::{mime, status};

impl Response {
    // ---- body ----------------------------------------------------------

    /// The body, if one was set.
    pub fn body(&self) -> Option<&Body> {
        self.body.as_ref()
    }

    /// The body, mutable, for middleware that rewrites it after the handler.
    pub fn body_mut(&mut self) -> Option<&mut Body> {
        self.body.as_mut()
    }

    /// Takes the body out, leaving none.
    pub fn take_body(&mut self) -> Option<Body> {
        self.body.take()
    }

    /// Sets the body exactly as given: the status and the headers are left
    /// as they are and no Content-Type is inferred — for a body whose
    /// headers already describe it, such as a proxied upstream's.
    ///
    /// ```
    /// # use rejoinder_core::Response;
    /// let mut res = Response::new();
    /// let _ = res.set_status(502);
    /// res.headers_mut().insert("content-length", 3.into());
    /// res.set_body_verbatim("abc");
    /// assert_eq!(res.status().as_u16(), 502);
    /// assert_eq!(res.get("content-length"), Some("3"));
    /// assert_eq!(res.content_type(), None);
    /// ```
    pub fn set_body_verbatim(&mut self, body: impl Into<Body>) -> &mut Self {
        self.infer_type = false;
        self.body = Some(body.into());
        self
    }

    /// Sets the body as given, without Koa's status and type rules, and
    /// without content-type inference (Kong's `exit`).
    pub(crate) fn set_body_raw(&mut self, body: Body, infer_type: bool) {
        self.drop_length();
        self.infer_type = infer_type;
        self.body = Some(body);
    }

    /// Removes any Content-Length (skipping the hash lookup when there are
    /// no headers at all, the common case on the hot path).
    pub(crate) fn drop_length(&mut self) {
        if !self.headers.is_empty() {
            self.headers.remove(header::CONTENT_LENGTH);
        }
    }

    pub(crate) fn strip_content_headers(&mut self) {
        self.headers.remove(header::CONTENT_TYPE);
        self.drop_length();
        self.infer_type = false;
    }

    /// Drops the body, the headers that describe it and the trailers: for a
    /// response that replaces the representation with its status alone
    /// (412 Precondition Failed).
    pub(crate) fn drop_representation(&mut self) {
        self.body = None;
        self.take_trailers();
        self.strip_content_headers();
        if !self.headers.is_empty() {
            for name in [
                header::CONTENT_ENCODING,
                header::CONTENT_LANGUAGE,
                header::CONTENT_LOCATION,
                header::CONTENT_RANGE,
                header::CONTENT_DISPOSITION,
            ] {
                self.headers.remove(name);
            }
        }
    }

    /// Sets the body with Koa's rules; the last call wins.
    ///
    /// - An untouched status becomes 200.
    /// - The Content-Type is inferred at finalize from the body's kind unless
    ///   one is present now or set later; a JSON body replaces a non-JSON
    ///   type that was set before it.
    /// - Any Content-Length set before is dropped; the length is deduced.
    /// - [`Body::Empty`] (or `None`) makes the status 204 unless it is
    ///   already an empty-body status, and removes the content headers —
    ///   except when the type is `application/json`, where the body becomes
    ///   the JSON `null` (Koa's rule).
    ///
    /// ```
    /// # use rejoinder_core::{Body, Response};
    /// let mut res = Response::new();
    /// res.set_body("x");
    /// res.set_body(Body::Empty);
    /// assert_eq!(res.status().as_u16(), 204);
    /// ```
    pub fn set_body(&mut self, body: impl Into<Body>) -> &mut Self {
        let body = body.into();
        if let Body::Empty = body {
            let code = self.status.as_u16();
            if !status::is_empty(code) {
                if self.content_type() == Some("application/json") {
                    self.body = Some(Body::json(serde_json::Value::Null));
                    return self;
                }
                self.apply_status(StatusCode::NO_CONTENT);
            }
            self.strip_content_headers();
            self.body = Some(Body::Empty);
            return self;
        }
        if self.status_by == StatusBy::Default {
            self.status = StatusCode::OK;
            self.status_by = StatusBy::Body;
            self.message = None;
        }
        self.drop_length();
        let has_type = !self.headers.is_empty() && self.headers.contains_key(header::CONTENT_TYPE);
        if let Body::Json(_) = body {
            // Looked up by the typed name, and only when there is one.
            let json_type = has_type
                && self
                    .headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|t| has_json_word(mime::essence(t)));
            if has_type && !json_type {
                self.headers.remove(header::CONTENT_TYPE);
            }
            self.infer_type = !json_type;
        } else {
            self.infer_type = !has_type;
        }
        self.body = Some(body);
        self
    }

    // ---- type and length -----------------------------------------------

    /// The media type without parameters: from the Content-Type header, or
    /// the one the body implies when no type was set. `None` without either.
    pub fn content_type(&self) -> Option<&str> {
        match self.headers.get(header::CONTENT_TYPE) {
            Some(v) => v.to_str().ok().map(mime::essence).filter(|s| !s.is_empty()),
            None if self.infer_type => self
                .body
                .as_ref()
                .and_then(Body::default_content_type)
                .map(mime::essence),
            None => None,
        }
    }

    /// Sets the Content-Type from a media type (`"text/html"`, kept as
    /// written, or a [`mime::Mime`]) or an extension (`"png"`, `".png"`,
    /// `"report.csv"`), adding `charset=utf-8` to text types.
    ///
    /// A [`mime::Mime`] is valid by construction, so this returns
    /// `&mut Self` for one; text returns a `Result`.
    ///
    /// # Errors
    ///
    /// An unknown extension, or a media type that is not a valid header
    /// value; the response is unchanged.
    ///
    /// ```
    /// # use rejoinder_core::Response;
    /// let mut res = Response::new();
    /// res.set_type("html").unwrap();
    /// assert_eq!(res.get("content-type"), Some("text/html; charset=utf-8"));
    /// res.set_type(rejoinder_core::mime::IMAGE_PNG);
    /// assert_eq!(res.get("content-type"), Some("image/png"));
    /// assert!(res.set_type("nosuchext").unwrap_err().is_unknown_type());
    /// ```
    pub fn set_type<T: IntoContentType>(
        &mut self,
        value: T,
    ) -> <T::Outcome as Outcome>::Output<'_> {
        let result = self.try_set_type(value.as_type_str());
        T::Outcome::finish(self, result)
    }

    pub(crate) fn try_set_type(&mut self, value: &str) -> Result<(), Error> {
        self.check_open()?;
        let ct = mime::content_type_for(value)
            .ok_or_else(|| Error::new(Kind::UnknownType(value.to_owned())))?;
        let ct = match ct {
            Cow::Borrowed(s) => HeaderValue::from_static(s),
            Cow::Owned(s) => HeaderValue::from_str(&s)
                .map_err(|_| Error::new(Kind::UnknownType(value.to_owned())))?,
        };
        self.infer_type = false;
        self.headers.insert(header::CONTENT_TYPE, ct);
        Ok(())
    }

    /// Matches the content type against patterns as Koa's `is()`; see
    /// [`mime::type_is`].
    ///
    /// ```
    /// # use rejoinder_core::Response;
    /// let mut res = Response::new();
    /// res.set_body(serde_json::json!({"a": 1}));
    /// assert_eq!(res.is(&["html", "json"]).as_deref(), Some("json"));
    /// assert_eq!(res.is(&["text/*"]), None);
    /// ```
    pub fn is(&self, patterns: &[&str]) -> Option<String> {
        mime::type_is(self.content_type()?, patterns)
    }

    /// The Content-Length: declared, or deduced from the body when its
    /// length is known.
    pub fn length(&self) -> Option<u64> {
        if let Some(v) = self.headers.get(header::CONTENT_LENGTH) {
            return v.to_str().ok().and_then(|s| s.trim().parse().ok());
        }
        self.body.as_ref().and_then(Body::len).map(|n| n as u64)
    }

    /// Declares the Content-Length. For a body whose length is known, the
    /// real length is what goes on the wire (a HEAD response sends the
    /// declared one).
    pub fn set_length(&mut self, length: u64) -> &mut Self {
        self.headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        self
    }
}

pub(crate) fn has_json_word(s: &str) -> bool {
    // Koa's /\bjson\b/i.
    let lower = s.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    lower.match_indices("json").any(|(i, _)| {
        (i == 0 || !word(bytes[i - 1])) && (i + 4 >= bytes.len() || !word(bytes[i + 4]))
    })
}
