//! The per-request context: a view of the request, the response being built
//! and typed per-request state.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use crate::app::Shared;
use bytes::Bytes;
use http::header::{self, HeaderMap};
use http::request::Parts;
use http::{Method, Uri, Version};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use rejoinder_core::error_page::{self, ErrorFormat, ErrorMessage};
use rejoinder_core::header::{HeaderValues, IntoHeaderValues};
use rejoinder_core::{BoxError, ExitBody, HttpError, IntoResponse, Response, Source};

/// The body of an incoming request.
pub struct RequestBody {
    kind: BodyKind,
}

enum BodyKind {
    Empty,
    Incoming(hyper::body::Incoming),
    Boxed(UnsyncBoxBody<Bytes, BoxError>),
}

impl RequestBody {
    /// No body.
    pub fn empty() -> Self {
        RequestBody {
            kind: BodyKind::Empty,
        }
    }

    /// Any `http_body::Body` of bytes.
    pub fn new<B>(body: B) -> Self
    where
        B: HttpBody<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        use http_body_util::BodyExt;
        RequestBody {
            kind: BodyKind::Boxed(body.map_err(Into::into).boxed_unsync()),
        }
    }
}

impl From<hyper::body::Incoming> for RequestBody {
    fn from(b: hyper::body::Incoming) -> Self {
        RequestBody {
            kind: BodyKind::Incoming(b),
        }
    }
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestBody")
    }
}

impl HttpBody for RequestBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().kind {
            BodyKind::Empty => Poll::Ready(None),
            BodyKind::Incoming(b) => Pin::new(b).poll_frame(cx).map_err(Into::into),
            BodyKind::Boxed(b) => Pin::new(b).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            BodyKind::Empty => true,
            BodyKind::Incoming(b) => b.is_end_stream(),
            BodyKind::Boxed(b) => b.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            BodyKind::Empty => SizeHint::with_exact(0),
            BodyKind::Incoming(b) => b.size_hint(),
            BodyKind::Boxed(b) => b.size_hint(),
        }
    }
}

/// What the response helpers need to know about the request: method, path,
/// query, headers, `accepts()`, Referer.
#[derive(Debug)]
pub struct Request {
    // Boxed: the head is the bulk of a request, and a context moves through
    // several futures; moving a pointer is cheaper than copying it.
    head: Box<Parts>,
    body: Option<RequestBody>,
    id: http::HeaderValue,
}

impl Request {
    pub(crate) fn new(head: Parts, body: RequestBody) -> Self {
        let id = crate::request_id::for_request(&head.headers);
        Request {
            head: Box::new(head),
            body: Some(body),
            id,
        }
    }

    /// The request id: the client's `X-Request-Id` when it sent a usable
    /// one, else a fresh 16-hex-digit id. It is echoed on the response.
    pub fn id(&self) -> &str {
        self.id.to_str().unwrap_or_default()
    }

    pub(crate) fn id_value(&self) -> &http::HeaderValue {
        &self.id
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

    /// The raw query string, without `?`.
    pub fn query(&self) -> Option<&str> {
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
                .is_some_and(|t| t.starts_with(rejoinder_core::GRPC_TYPE))
    }

    /// The request extensions.
    pub fn extensions(&self) -> &http::Extensions {
        &self.head.extensions
    }

    /// Takes the request body; later calls get `None`.
    pub fn take_body(&mut self) -> Option<RequestBody> {
        self.body.take()
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
}

pub(crate) fn accepts<'a>(accept: &str, offered: &[&'a str], absent: bool) -> Option<&'a str> {
    if absent {
        return offered.first().copied();
    }
    let ranges: Vec<(String, String, f32)> = accept
        .split(',')
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let range = parts.next()?.trim().to_ascii_lowercase();
            let (t, s) = range.split_once('/')?;
            let mut q = 1.0f32;
            for p in parts {
                if let Some((k, v)) = p.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("q") {
                        q = v.trim().parse().unwrap_or(0.0);
                    }
                }
            }
            Some((t.to_owned(), s.to_owned(), q.clamp(0.0, 1.0)))
        })
        .collect();
    let mut best: Option<(f32, u8, usize, &'a str)> = None;
    for (i, &o) in offered.iter().enumerate() {
        let media = if o.contains('/') {
            o.to_ascii_lowercase()
        } else {
            match rejoinder_core::mime::lookup_extension(o) {
                Some(m) => m.to_owned(),
                None => continue,
            }
        };
        let Some((ot, os)) = media.split_once('/') else {
            continue;
        };
        let mut found: Option<(u8, f32)> = None;
        for (t, s, q) in &ranges {
            let spec = if t == ot && s == os {
                2
            } else if t == ot && s == "*" {
                1
            } else if t == "*" && s == "*" {
                0
            } else {
                continue;
            };
            if found.is_none_or(|(fs, _)| spec > fs) {
                found = Some((spec, *q));
            }
        }
        if let Some((spec, q)) = found {
            if q <= 0.0 {
                continue;
            }
            let better = match best {
                None => true,
                Some((bq, bs, _, _)) => q > bq || (q == bq && spec > bs),
            };
            if better {
                best = Some((q, spec, i, o));
            }
        }
    }
    best.map(|b| b.3)
}

/// Everything a handler works with: the request view, the response being
/// built, and typed per-request state.
///
/// ```
/// use rejoinder::Context;
///
/// # fn demo(mut ctx: Context) {
/// ctx.res.set_body("hello");
/// ctx.insert_state(42u32);
/// assert_eq!(ctx.state::<u32>(), Some(&42));
/// # }
/// ```
#[derive(Debug)]
pub struct Context {
    /// The request.
    pub req: Request,
    /// The response being built.
    pub res: Response,
    state: http::Extensions,
    params: Vec<(String, String)>,
    shared: Arc<Shared>,
    flusher: Option<tokio::sync::oneshot::Sender<Response>>,
}

impl Context {
    /// A context for a request, with a fresh response, outside any app (no
    /// named routes).
    pub fn new(req: http::Request<RequestBody>) -> Self {
        Context::with_shared(req, Arc::new(Shared::default()))
    }

    pub(crate) fn with_shared(req: http::Request<RequestBody>, shared: Arc<Shared>) -> Self {
        let (head, body) = req.into_parts();
        Context {
            req: Request::new(head, body),
            res: Response::new(),
            state: http::Extensions::new(),
            params: Vec::new(),
            shared,
            flusher: None,
        }
    }

    pub(crate) fn set_flusher(&mut self, tx: tokio::sync::oneshot::Sender<Response>) {
        self.flusher = Some(tx);
    }

    /// Sends the status and headers now and lets the body follow (Koa's
    /// `flushHeaders`): the response — typically with a
    /// [`Body::stream`](rejoinder_core::Body::stream) body fed from a channel —
    /// goes to the client at once, while the handler keeps running and
    /// feeding the stream (server-sent events). Afterwards `ctx.res` refuses
    /// status and header changes with "headers have already been sent".
    ///
    /// The handler must be wrapped with [`flushable`](crate::flushable),
    /// which sets up the channel this needs (other handlers pay nothing).
    ///
    /// # Errors
    ///
    /// The headers were already sent, or the handler is not flushable.
    pub async fn flush_headers(&mut self) -> Result<(), rejoinder_core::Error> {
        if self.res.headers_sent() {
            return Err(rejoinder_core::Error::other(
                "headers have already been sent; flush_headers runs once",
            ));
        }
        let Some(tx) = self.flusher.take() else {
            return Err(rejoinder_core::Error::other(
                "flush_headers needs a flushable handler: wrap it with rejoinder::flushable(handler)",
            ));
        };
        let res = std::mem::replace(&mut self.res, Response::flushed());
        if tx.send(res).is_err() {
            tracing::debug!("flush_headers: the connection is gone");
        }
        tokio::task::yield_now().await;
        Ok(())
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// What a context needs to be rebuilt around a handler's response: the
    /// request head (copied), its id and the shared app data.
    pub(crate) fn detach(&self) -> Detached {
        let mut head = http::Request::new(());
        *head.method_mut() = self.req.head.method.clone();
        *head.uri_mut() = self.req.head.uri.clone();
        *head.version_mut() = self.req.head.version;
        *head.headers_mut() = self.req.head.headers.clone();
        Detached {
            head: head.into_parts().0,
            id: self.req.id.clone(),
            params: self.params.clone(),
            shared: self.shared.clone(),
        }
    }

    pub(crate) fn set_params(&mut self, params: Vec<(String, String)>) {
        self.params = params;
    }

    /// A path parameter captured by the router (`{id}` in `/users/{id}`),
    /// percent-decoded.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The URL of a named route with `params` filled in, percent-encoded.
    ///
    /// # Errors
    ///
    /// An unknown route name (the error lists the known ones) or a missing
    /// parameter.
    pub fn url_for(
        &self,
        name: &str,
        params: &[(&str, &str)],
    ) -> Result<String, crate::router::UrlError> {
        self.shared.routes.url_for(name, params)
    }

    /// Typed per-request state of type `T`, if inserted.
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.state.get::<T>()
    }

    /// Mutable per-request state of type `T`.
    pub fn state_mut<T: Send + Sync + 'static>(&mut self) -> Option<&mut T> {
        self.state.get_mut::<T>()
    }

    /// Stores per-request state, returning what was there.
    pub fn insert_state<T: Clone + Send + Sync + 'static>(&mut self, value: T) -> Option<T> {
        self.state.insert(value)
    }
}

impl Context {
    /// Ends the request like [`Response::exit`], knowing whether the request
    /// is a gRPC call (then `grpc-status` and `grpc-message` carry the
    /// outcome, as Kong does).
    ///
    /// # Errors
    ///
    /// Always; see [`Response::exit`].
    pub fn exit<N, V, I>(
        &mut self,
        status: u16,
        body: impl Into<ExitBody>,
        headers: I,
    ) -> Result<std::convert::Infallible, HttpError>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: IntoHeaderValues,
    {
        let grpc = self.req.is_grpc();
        self.res.exit_for_request(grpc, status, body, headers)
    }

    /// Ends the request with an error body negotiated by Accept (Kong's
    /// `kong.response.error`): `status` 400–599, the message (the status's
    /// default with `()`), and `headers` applied as in
    /// [`Response::exit`]. A Content-Type in `headers` chooses the format;
    /// otherwise the request's Accept does (JSON, HTML, XML or plain text),
    /// else JSON. The body carries the message and the request id, escaped
    /// for its format. The response's source is [`Source::Error`].
    ///
    /// # Errors
    ///
    /// Always: the `HttpError` carries the finished response. A status
    /// outside 400–599 or an invalid header gives a 500 whose cause says
    /// why.
    ///
    /// ```
    /// # use rejoinder::{Context, HttpError, NO_HEADERS};
    /// async fn handler(mut ctx: Context) -> Result<Context, HttpError> {
    ///     if ctx.req.header("authorization").is_none() {
    ///         ctx.error(401, "Invalid credentials", NO_HEADERS)?;
    ///     }
    ///     Ok(ctx)
    /// }
    /// ```
    pub fn error<N, V, I>(
        &mut self,
        status: u16,
        message: impl Into<ErrorMessage>,
        headers: I,
    ) -> Result<std::convert::Infallible, HttpError>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: IntoHeaderValues,
    {
        if !(400..=599).contains(&status) {
            return Err(HttpError::wrap(rejoinder_core::Error::other(format!(
                "code must be a number between 400 and 599, got {status}"
            ))));
        }
        let mut fields: Vec<(String, HeaderValues)> = Vec::new();
        for (n, v) in headers {
            let name = n.as_ref().replace('_', "-");
            let header =
                rejoinder_core::http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                    HttpError::wrap(rejoinder_core::Error::other(format!(
                        "invalid header name {name:?} in error headers"
                    )))
                })?;
            let values = v.into_header_values(&header).map_err(HttpError::wrap)?;
            fields.push((name, values));
        }
        let explicit = fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .and_then(|(_, v)| v.iter().next())
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let format = match &explicit {
            Some(ct) => ErrorFormat::for_content_type(ct),
            None if self.req.is_grpc() => ErrorFormat::Grpc,
            None => {
                let accept: Vec<&str> = self
                    .req
                    .headers()
                    .get_all(header::ACCEPT)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                error_page::negotiate((!accept.is_empty()).then(|| accept.join(",")).as_deref())
            }
        };
        let body = match format {
            ErrorFormat::Grpc => ExitBody::None,
            _ => ExitBody::Text(error_page::render(
                format,
                status,
                &message.into(),
                self.req.id(),
            )),
        };
        if explicit.is_none() {
            fields.push((
                "content-type".into(),
                HeaderValues::One(http::HeaderValue::from_static(format.content_type())),
            ));
        }
        let grpc = self.req.is_grpc();
        let err = self
            .res
            .exit_for_request(grpc, status, body, fields)
            .unwrap_err();
        Err(match err.response() {
            Some(_) => {
                let mut res = err.into_response();
                res.set_source(Source::Error);
                HttpError::from_response(res)
            }
            None => err,
        })
    }
}

/// A request head kept aside while a handler runs.
pub(crate) struct Detached {
    head: Parts,
    id: http::HeaderValue,
    params: Vec<(String, String)>,
    shared: Arc<Shared>,
}

impl Detached {
    pub(crate) fn reattach(self, res: Response) -> Context {
        Context {
            req: Request {
                head: Box::new(self.head),
                body: None,
                id: self.id,
            },
            res,
            state: http::Extensions::new(),
            params: self.params,
            shared: self.shared,
            flusher: None,
        }
    }
}

impl IntoResponse for Context {
    fn into_response(self) -> Response {
        self.res
    }
}

#[cfg(test)]
mod tests {
    use super::accepts;

    #[test]
    fn negotiation() {
        assert_eq!(accepts("", &["json", "html"], true), Some("json"));
        assert_eq!(accepts("text/html", &["json", "html"], false), Some("html"));
        assert_eq!(
            accepts("text/*;q=0.5, application/json", &["html", "json"], false),
            Some("json")
        );
        assert_eq!(
            accepts("*/*;q=0.1, text/html;q=0", &["html", "json"], false),
            Some("json")
        );
        assert_eq!(accepts("image/png", &["html", "json"], false), None);
        assert_eq!(
            accepts("*/*", &["text/plain", "json"], false),
            Some("text/plain")
        );
    }
}
