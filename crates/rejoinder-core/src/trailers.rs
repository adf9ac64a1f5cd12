//! Trailer fields: headers sent after the body, with values known now or
//! produced by a future that resolves once the body has been sent (vapr's
//! promise-valued trailers).
//!
//! A response with trailers declares them in a `Trailer` header and is sent
//! chunked on HTTP/1.1 — the trailers themselves go out when the client
//! asked for them with `TE: trailers` (as RFC 9110 requires) — and as a
//! trailing HEADERS frame on HTTP/2. Fields that must not be trailers
//! (framing, routing, authentication, content metadata: Content-Length,
//! Transfer-Encoding, Host, Content-Type, Authorization, Set-Cookie, …) are
//! refused.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::Response;
//!
//! let mut res = Response::new();
//! res.set_body("payload");
//! res.trailers_mut().insert("x-checksum", "abc123").unwrap();
//! res.trailers_mut()
//!     .insert_future("x-elapsed", async { Ok::<_, std::io::Error>("12ms".to_string()) })
//!     .unwrap();
//! let err = res.trailers_mut().insert("content-length", "7").unwrap_err();
//! assert!(err.to_string().contains("Forbidden trailer name: content-length"));
//! ```

use std::future::Future;
use std::pin::Pin;

use http::header::{HeaderMap, HeaderName, HeaderValue};

use crate::body::BoxError;
use crate::error::{Error, Kind};
use crate::header::{name_from_str, value_from_str};

type Pending = Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send>>;
type PendingMap = Pin<Box<dyn Future<Output = HeaderMap> + Send>>;

enum Value {
    Ready(HeaderValue),
    Pending(Pending),
}

/// The trailer fields of a response. See the [module docs](self).
#[derive(Default)]
pub struct Trailers {
    entries: Vec<(HeaderName, Value)>,
    /// Fields whose names are known only once they arrive.
    rest: Option<PendingMap>,
}

impl std::fmt::Debug for Trailers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.entries.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Trailers").field("names", &names).finish()
    }
}

/// Field names that may not be sent as trailers (RFC 9110 §6.5.1: framing,
/// routing, request modifiers, authentication, response control and
/// content metadata).
const FORBIDDEN: &[&str] = &[
    "age",
    "authorization",
    "cache-control",
    "content-encoding",
    "content-length",
    "content-range",
    "content-type",
    "date",
    "expect",
    "expires",
    "host",
    "location",
    "max-forwards",
    "pragma",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "retry-after",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "vary",
    "warning",
    "www-authenticate",
];

fn check_name(name: &str) -> Result<HeaderName, Error> {
    let name = name_from_str(name)?;
    if FORBIDDEN.contains(&name.as_str()) {
        return Err(Error::new(Kind::Invalid(format!(
            "Forbidden trailer name: {}; framing, routing, authentication and content \
             metadata fields must be headers",
            name.as_str()
        ))));
    }
    Ok(name)
}

impl Trailers {
    /// Sets a trailer to a value known now (replacing one of the same name).
    ///
    /// # Errors
    ///
    /// A forbidden or invalid name, or a value with control characters.
    pub fn insert(&mut self, name: &str, value: &str) -> Result<&mut Self, Error> {
        let name = check_name(name)?;
        let value = value_from_str(&name, value)?;
        self.entries.retain(|(n, _)| *n != name);
        self.entries.push((name, Value::Ready(value)));
        Ok(self)
    }

    /// Sets a trailer to the value `future` produces; it is awaited after the
    /// body has been sent. A future that fails, or produces an invalid
    /// value, leaves the trailer out and is logged.
    ///
    /// # Errors
    ///
    /// A forbidden or invalid name.
    pub fn insert_future<F, S, E>(&mut self, name: &str, future: F) -> Result<&mut Self, Error>
    where
        F: Future<Output = Result<S, E>> + Send + 'static,
        S: Into<String>,
        E: Into<BoxError>,
    {
        let name = check_name(name)?;
        self.entries.retain(|(n, _)| *n != name);
        let fut: Pending =
            Box::pin(async move { future.await.map(Into::into).map_err(Into::into) });
        self.entries.push((name, Value::Pending(fut)));
        Ok(self)
    }

    /// Adds every field `future` produces, whatever its names, once the
    /// body has been sent — for trailers passed on from elsewhere (a proxy's
    /// upstream). Forbidden names among them are left out, and a name also
    /// set with [`insert`](Self::insert) or
    /// [`insert_future`](Self::insert_future) keeps that value. These fields
    /// are not declared in the `Trailer` header (their names are not known
    /// yet), so an HTTP/1.1 connection, which sends only declared trailers,
    /// drops them; HTTP/2 sends them all. A second call replaces the first.
    ///
    /// ```
    /// use std::future::Future;
    /// use rejoinder_core::trailers::Trailers;
    ///
    /// let mut t = Trailers::default();
    /// t.insert("x-checksum", "mine").unwrap();
    /// t.extend_future(async {
    ///     let mut m = http::HeaderMap::new();
    ///     m.insert("grpc-status", "0".parse().unwrap());
    ///     m.insert("x-checksum", "theirs".parse().unwrap());
    ///     m.insert("content-length", "9".parse().unwrap());
    ///     m
    /// });
    /// assert!(!t.is_empty());
    /// let resolving = std::pin::pin!(t.resolve());
    /// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let std::task::Poll::Ready(map) = resolving.poll(&mut cx) else { panic!("pending") };
    /// assert_eq!(map["grpc-status"], "0");
    /// assert_eq!(map["x-checksum"], "mine");
    /// assert!(map.get("content-length").is_none());
    /// ```
    pub fn extend_future<F>(&mut self, future: F) -> &mut Self
    where
        F: Future<Output = HeaderMap> + Send + 'static,
    {
        self.rest = Some(Box::pin(future));
        self
    }

    /// Removes a trailer.
    pub fn remove(&mut self, name: &str) -> &mut Self {
        self.entries
            .retain(|(n, _)| !n.as_str().eq_ignore_ascii_case(name));
        self
    }

    /// The value of a trailer known now (not one still pending).
    pub fn get(&self, name: &str) -> Option<&HeaderValue> {
        self.entries.iter().find_map(|(n, v)| match v {
            Value::Ready(v) if n.as_str().eq_ignore_ascii_case(name) => Some(v),
            _ => None,
        })
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &HeaderName> {
        self.entries.iter().map(|(n, _)| n)
    }

    /// How many trailers there are by name (those of
    /// [`extend_future`](Self::extend_future) are not known yet).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none (and no [`extend_future`](Self::extend_future)).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.rest.is_none()
    }

    /// The `Trailer` header value declaring the names (none when no name
    /// is known yet).
    pub(crate) fn declaration(&self) -> Option<HeaderValue> {
        if self.entries.is_empty() {
            return None;
        }
        let names: Vec<&str> = self.names().map(HeaderName::as_str).collect();
        HeaderValue::from_str(&names.join(", ")).ok()
    }

    /// Resolves every value (awaiting the pending ones).
    pub async fn resolve(self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in self.entries {
            let value = match value {
                Value::Ready(v) => v,
                Value::Pending(f) => match f.await {
                    Ok(s) => match value_from_str(&name, &s) {
                        Ok(v) => v,
                        Err(e) => {
                            tracing::error!(trailer = %name, error = %e, "invalid trailer value; left out");
                            continue;
                        }
                    },
                    Err(e) => {
                        tracing::error!(trailer = %name, error = %e, "trailer future failed; left out");
                        continue;
                    }
                },
            };
            map.insert(name, value);
        }
        if let Some(rest) = self.rest {
            let named: Vec<HeaderName> = map.keys().cloned().collect();
            let mut last: Option<HeaderName> = None;
            for (name, value) in rest.await {
                // `None` repeats the previous name (HeaderMap's iteration).
                if let Some(n) = name {
                    last = Some(n);
                }
                let Some(name) = &last else { continue };
                if FORBIDDEN.contains(&name.as_str()) || named.contains(name) {
                    continue;
                }
                map.append(name.clone(), value);
            }
        }
        map
    }
}
