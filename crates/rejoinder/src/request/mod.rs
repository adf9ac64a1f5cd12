//! The request side: the head, the body with its limit, the query string and
//! content negotiation.
//!
//! A [`Request`] is what `Context::req` holds. Its
//! body is read through helpers that each apply the request's body limit
//! (`App::body_limit`, 2 MiB by default,
//! overridable per route) and answer bad input with an
//! [`HttpError`](rejoinder_core::HttpError) a handler can return with `?`:
//!
//! | helper | gives | refuses with |
//! |---|---|---|
//! | [`bytes`](Request::bytes) | `Bytes` | 413 over the limit |
//! | [`text`](Request::text) | `String` | 400 not UTF-8, 413 |
//! | [`json`](Request::json) | `T: Deserialize` | 415 not `application/json` or `+json`, 400 with serde's message, line and column, 413 |
//! | [`form`](Request::form) | `T: Deserialize` | 415 not `application/x-www-form-urlencoded`, 400, 413 |
//! | [`body_stream`](Request::body_stream) | chunks as they arrive | 413 once the limit is passed |
//!
//! A declared Content-Length over the limit is refused before a byte of the
//! body is read; a chunked body is cut at the limit. An HTTP/1.1 client that
//! sent `Expect: 100-continue` is told to go on only when a helper starts
//! reading, so a request refused without reading never uploads its body.
//!
//! # Examples
//!
//! ```
//! use rejoinder::{Context, HttpError, Json};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Search { q: String, page: Option<u32> }
//!
//! async fn search(ctx: &mut Context) -> Result<Json<serde_json::Value>, HttpError> {
//!     let query: Search = ctx.req.query()?;
//!     let filters: serde_json::Value = ctx.req.json().await?;
//!     Ok(Json(serde_json::json!({"q": query.q, "page": query.page, "filters": filters})))
//! }
//! ```

use http::header::{self, HeaderMap};
use http::request::Parts;
use http::{HeaderValue, Method, Uri, Version};

mod accept;
mod body;
mod connection;
#[cfg(feature = "cookies")]
mod cookies;
mod drain;
mod query;
mod read;
#[cfg(feature = "cookies")]
mod secure;

pub(crate) use accept::accepts;
pub use body::RequestBody;
pub use connection::ConnectionInfo;
#[cfg(feature = "cookies")]
pub use cookies::RequestCookies;
pub(crate) use drain::linger;
pub use read::BodyStream;

/// The default body limit: 2 MiB, as axum's.
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The request: method, path, query, headers, extensions, and the body with
/// its limit. See the [module docs](self).
#[derive(Debug)]
pub struct Request {
    head: Parts,
    body: Option<RequestBody>,
    body_limit: usize,
    /// Made on first use (`id()`, an error body, the log phase, the span).
    /// Boxed: 16 bytes in every request's future instead of 48, and the
    /// box is made only for a request whose id is used.
    id: std::sync::OnceLock<Box<HeaderValue>>,
    conn: Option<ConnectionInfo>,
    #[cfg(feature = "cookies")]
    cookies: cookies::Jar,
}

impl Request {
    /// `conn` is the server's connection; without it (a request through
    /// tower layers or the test client) one in the extensions is used.
    #[inline]
    pub(crate) fn new(
        head: Parts,
        body: RequestBody,
        body_limit: usize,
        conn: Option<ConnectionInfo>,
    ) -> Self {
        let conn = conn.or_else(|| head.extensions.get::<ConnectionInfo>().cloned());
        Request {
            head,
            body: Some(body),
            body_limit,
            id: std::sync::OnceLock::new(),
            #[cfg(feature = "cookies")]
            cookies: cookies::Jar::default(),
            conn,
        }
    }

    /// The connection the request arrived on, when a server made it (not
    /// for a request built by hand or by the test client, unless it put a
    /// [`ConnectionInfo`] in the extensions).
    pub fn connection(&self) -> Option<&ConnectionInfo> {
        self.conn.as_ref()
    }

    /// Whether the request arrived over TLS.
    pub fn is_secure(&self) -> bool {
        self.conn.as_ref().is_some_and(ConnectionInfo::is_secure)
    }

    /// The peer's address, when a server made the connection.
    pub fn remote_addr(&self) -> Option<std::net::SocketAddr> {
        self.conn.as_ref()?.remote_addr()
    }

    /// The scheme the client used: `https` over TLS, else the URI's
    /// (`http` for an HTTP/1.1 origin-form target).
    pub fn scheme(&self) -> &str {
        if self.is_secure() {
            "https"
        } else {
            self.head.uri.scheme_str().unwrap_or("http")
        }
    }

    /// The request id: the client's `X-Request-Id` when it sent a usable
    /// one (1 to 128 visible ASCII characters), else a fresh 16-hex-digit
    /// id. It is made on first use — here, in Kong's error bodies, for the
    /// log phase or the request span — and a request whose id was used
    /// echoes it as `X-Request-Id` on the response (every response does
    /// with `App::echo_request_id(true)`). A
    /// request nobody asks about pays nothing for it.
    pub fn id(&self) -> &str {
        self.id_value().to_str().unwrap_or_default()
    }

    pub(crate) fn id_value(&self) -> &HeaderValue {
        self.id
            .get_or_init(|| Box::new(crate::request_id::for_request(&self.head.headers)))
    }

    /// The id, if it was made.
    pub(crate) fn id_if_used(&self) -> Option<&HeaderValue> {
        self.id.get().map(|id| &**id)
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.head.method
    }

    /// The URI as received.
    pub fn uri(&self) -> &Uri {
        &self.head.uri
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.head.uri.path()
    }

    /// The raw query string, without `?`, not decoded. For decoded values
    /// see [`query`](Self::query) and [`query_param`](Self::query_param).
    pub fn query_string(&self) -> Option<&str> {
        self.head.uri.query()
    }

    /// The HTTP version.
    pub fn version(&self) -> Version {
        self.head.version
    }

    /// All request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.head.headers
    }

    /// Swaps the header map with `empty` (the response's, with no headers
    /// yet) and empties it: the response reuses the request's storage once
    /// nothing reads the request's headers any more (see the pipeline).
    /// The id is made first if it is used, since it may come from a
    /// header.
    pub(crate) fn swap_header_storage(&mut self, empty: &mut HeaderMap) {
        std::mem::swap(&mut self.head.headers, empty);
        empty.clear();
    }

    /// The first value of a header (case-insensitive), if it is visible
    /// ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The Host header (or the URI's authority for HTTP/2).
    pub fn host(&self) -> Option<&str> {
        self.header("host")
            .or_else(|| self.head.uri.authority().map(|a| a.as_str()))
    }

    /// The Referer header (either spelling).
    pub fn referer(&self) -> Option<&str> {
        self.header("referer").or_else(|| self.header("referrer"))
    }

    /// Whether this is a gRPC call: a Content-Type starting with
    /// `application/grpc`, over HTTP/2.
    pub fn is_grpc(&self) -> bool {
        self.version() == Version::HTTP_2
            && self
                .header("content-type")
                .is_some_and(|t| t.starts_with(rejoinder_core::mime::GRPC_TYPE))
    }

    /// The request extensions (set by the server or by tower layers).
    pub fn extensions(&self) -> &http::Extensions {
        &self.head.extensions
    }

    /// The request extensions, mutable.
    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        &mut self.head.extensions
    }

    /// The most body bytes the helpers accept (see the [module docs](self)).
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// Changes the body limit for this request, for example in a middleware
    /// in front of an upload route.
    pub fn set_body_limit(&mut self, limit: usize) {
        self.body_limit = limit;
    }

    /// Takes the raw request body, bypassing the limit; later calls (and the
    /// reading helpers) get nothing.
    pub fn take_body(&mut self) -> Option<RequestBody> {
        self.body.take()
    }

    /// The body nobody finished reading, for the server to drain after the
    /// response.
    pub(crate) fn unread_body(&mut self) -> Option<RequestBody> {
        use http_body::Body as _;
        // Looked at in place first: most requests have no body to move.
        if self.body.as_ref().is_none_or(|b| b.is_end_stream()) {
            return None;
        }
        self.body.take()
    }

    /// Whether the client waits for `100 Continue` before sending its body.
    pub(crate) fn expects_continue(&self) -> bool {
        self.head
            .headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
    }

    /// Picks the best of `offered` for the request's Accept header, as Koa's
    /// `ctx.accepts(...)`: entries are media types (`"application/json"`) or
    /// extensions (`"json"`, `"html"`); the answer is the entry as given.
    /// Without an Accept header the first entry is the answer; `None` when
    /// the client accepts none of them.
    ///
    /// The highest `q` wins; among equal `q`, the more specific Accept range
    /// (exact over `type/*` over `*/*`), then the earlier offered entry.
    /// `q=0` means "not acceptable".
    pub fn accepts<'a>(&self, offered: &[&'a str]) -> Option<&'a str> {
        let accept: Vec<&str> = self
            .head
            .headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        accepts(&accept.join(","), offered, accept.is_empty())
    }

    /// The request as an `http` request, moved out (its head and body; a
    /// bare head is left behind), with the connection as an extension:
    /// for the app's tower layers.
    pub(crate) fn take_http(&mut self) -> http::Request<RequestBody> {
        let mut head = std::mem::replace(&mut self.head, http::Request::new(()).into_parts().0);
        if let Some(conn) = self.conn.clone() {
            head.extensions.insert(conn);
        }
        let body = self.body.take().unwrap_or_else(RequestBody::empty);
        http::Request::from_parts(head, body)
    }

    /// A stand-in for a request that moved elsewhere (a flushed handler's
    /// context keeps the original).
    pub(crate) fn detached_copy(&self) -> Request {
        let mut head = http::Request::new(()).into_parts().0;
        head.method = self.head.method.clone();
        head.uri = self.head.uri.clone();
        head.version = self.head.version;
        head.headers = self.head.headers.clone();
        head.extensions = self.head.extensions.clone();
        Request {
            head,
            body: None,
            body_limit: self.body_limit,
            // The copy and the original name the request alike.
            id: std::sync::OnceLock::from(Box::new(self.id_value().clone())),
            conn: self.conn.clone(),
            #[cfg(feature = "cookies")]
            cookies: cookies::Jar::default(),
        }
    }
}
