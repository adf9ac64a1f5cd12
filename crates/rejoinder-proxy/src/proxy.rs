//! The proxy handler: forwards the request to a target and makes the
//! upstream's answer the context's [`Response`].
//!
//! The flow follows Pingora's `ProxyHttp` phases, mapped onto rejoinder's:
//! the app's middleware is `request_filter` (it may answer with `exit`
//! before anything is proxied), the balancer is `upstream_peer`,
//! [`Proxy::on_request`] is `upstream_request_filter`,
//! [`Proxy::on_response`] and the app's header filters are
//! `response_filter`, the app's body filters are `response_body_filter`
//! and its log callbacks `logging`.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::PathAndQuery;
use http::{Method, StatusCode, Uri};
use http_body::Body as _;
use rejoinder::{Body, BoxFuture, Context, Handler, IntoResponse, Response, NO_HEADERS};

use crate::body::Reclaim;
use crate::client::{Answer, Clients, Pool, Timeouts};
use crate::download::{take_small, Downstream, Incoming, Small, TrailerSlot};
use crate::error::UpstreamError;
use crate::h1;
use crate::headers;
use crate::outgoing::Plan;
use crate::upstream::{InFlight, Protocol, Target, Upstreams};

type RequestHook = dyn Fn(&rejoinder::Request, &mut http::request::Parts) + Send + Sync;
type ResponseHook = dyn Fn(&mut Response) + Send + Sync;

/// A reverse proxy handler. Mount it on a router path (see the
/// [crate docs](crate)). A clone shares the targets, their health and the
/// connection pools.
#[derive(Clone)]
pub struct Proxy {
    upstreams: Upstreams,
    clients: Clients,
    timeouts: Timeouts,
    pool: Pool,
    strip_prefix: Option<String>,
    preserve_host: bool,
    forwarded: bool,
    /// `<version> <pseudonym>` for each version, made once.
    via_values: [HeaderValue; 5],
    retry: bool,
    splice: bool,
    dot_segments: bool,
    request_hooks: Vec<Arc<RequestHook>>,
    response_hooks: Vec<Arc<ResponseHook>>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("upstreams", &self.upstreams)
            .field("timeouts", &self.timeouts)
            .field("strip_prefix", &self.strip_prefix)
            .field("preserve_host", &self.preserve_host)
            .field("splice", &self.splice)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// A proxy to `upstreams` with the default [`Timeouts`] and [`Pool`]:
    /// the path kept, the upstream's Host set, `X-Forwarded-*` and `Via`
    /// added, one retry on another target for idempotent requests that
    /// could not connect.
    pub fn new(upstreams: Upstreams) -> Self {
        Proxy::with_pool(upstreams, Timeouts::default(), Pool::default())
    }

    /// A proxy with these timeouts and pool settings.
    pub fn with_pool(upstreams: Upstreams, timeouts: Timeouts, pool: Pool) -> Self {
        Proxy {
            clients: Clients::new(&timeouts, &pool),
            upstreams,
            timeouts,
            pool,
            strip_prefix: None,
            preserve_host: false,
            forwarded: false,
            via_values: via_values("rejoinder"),
            retry: true,
            splice: true,
            dot_segments: false,
            request_hooks: Vec::new(),
            response_hooks: Vec::new(),
        }
    }

    /// Sets the timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.clients = Clients::new(&timeouts, &self.pool);
        self.timeouts = timeouts;
        self
    }

    /// Sets the connection pool.
    pub fn pool(mut self, pool: Pool) -> Self {
        self.clients = Clients::new(&self.timeouts, &pool);
        self.pool = pool;
        self
    }

    /// Removes `prefix` from the path before forwarding (`/api/users` →
    /// `/users` with `"/api"`); a path not under it is forwarded whole.
    pub fn strip_prefix(mut self, prefix: &str) -> Self {
        let p = prefix.trim_end_matches('/');
        self.strip_prefix = (!p.is_empty()).then(|| p.to_owned());
        self
    }

    /// Keeps the client's Host header (Kong's `preserve_host`) instead of
    /// sending the target's `host:port`.
    pub fn preserve_host(mut self, keep: bool) -> Self {
        self.preserve_host = keep;
        self
    }

    /// Also adds the RFC 7239 `Forwarded` header.
    pub fn forwarded(mut self, on: bool) -> Self {
        self.forwarded = on;
        self
    }

    /// The name this proxy gives itself in `Via` (default `rejoinder`).
    pub fn via(mut self, pseudonym: &str) -> Self {
        self.via_values = via_values(pseudonym);
        self
    }

    /// Whether an idempotent request that could not connect is tried once
    /// on another target (default on).
    pub fn retry(mut self, on: bool) -> Self {
        self.retry = on;
        self
    }

    /// Whether a large response body (64 KiB or more, of known length, from
    /// an HTTP/1.1 upstream) may be moved from the upstream's socket to the
    /// client's by the kernel (`splice(2)` through a pipe, Linux) when it
    /// reaches a plain-TCP HTTP/1 client untouched by body filters and
    /// layers (default on). Its bytes then never enter the process: the
    /// proxy's CPU per 1 MiB body falls to about half the hyper-util
    /// proxy's (see docs/gateway.md, which also says what it costs a client
    /// on the same machine). Off: every body is read and written as a
    /// stream, as it is anyway wherever something needs the bytes.
    pub fn splice(mut self, on: bool) -> Self {
        self.splice = on;
        self
    }

    /// Whether a path with a `.` or `..` segment (also spelt `%2E`, or
    /// ended by `\`, `%2F`, `%5C` or `;`) is forwarded as sent (default
    /// off: such a request gets a 400, see [`dot_segments`](crate::dot_segments)
    /// for why: the router chose the route by the path as sent, an upstream
    /// that resolves the dots would serve another).
    pub fn allow_dot_segments(mut self, on: bool) -> Self {
        self.dot_segments = on;
        self
    }

    /// Changes the upstream request's head before it is sent (Pingora's
    /// `upstream_request_filter`): the method, URI and headers are in
    /// `parts`.
    pub fn on_request<F>(mut self, hook: F) -> Self
    where
        F: Fn(&rejoinder::Request, &mut http::request::Parts) + Send + Sync + 'static,
    {
        self.request_hooks.push(Arc::new(hook));
        self
    }

    /// Changes each proxied response of this proxy before the app's header
    /// filters see it (Pingora's `response_filter`, for one route).
    pub fn on_response<F>(mut self, hook: F) -> Self
    where
        F: Fn(&mut Response) + Send + Sync + 'static,
    {
        self.response_hooks.push(Arc::new(hook));
        self
    }

    /// The targets.
    pub fn upstreams(&self) -> &Upstreams {
        &self.upstreams
    }

    fn via_for(&self, version: http::Version) -> &HeaderValue {
        let i = VERSIONS.iter().position(|v| *v == version).unwrap_or(2);
        &self.via_values[i]
    }

    /// The path and query to send: the request's, without the strip
    /// prefix.
    fn path_and_query<'r>(&self, req: &'r rejoinder::Request) -> Option<Cow<'r, str>> {
        if self.strip_prefix.is_none() {
            // The request's own (no copy).
            if let Some(pq) = req.uri().path_and_query() {
                return Some(Cow::Borrowed(pq.as_str()));
            }
        }
        let path = self.upstream_path(req.path());
        let pq = match req.query_string() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_owned(),
        };
        PathAndQuery::try_from(pq.as_str()).ok()?;
        Some(Cow::Owned(pq))
    }

    /// The path to send: the request's, without the strip prefix.
    fn upstream_path<'p>(&self, path: &'p str) -> &'p str {
        match &self.strip_prefix {
            Some(p) => match path.strip_prefix(p.as_str()) {
                Some("") => "/",
                Some(rest) if rest.starts_with('/') => rest,
                _ => path,
            },
            None => path,
        }
    }

    /// Proxies the request of `ctx` and makes the answer its response: sends
    /// it to a target, once more to another after a failure that allows
    /// it, and reads the answer's head.
    // Not an `async fn` (whose arguments are kept twice): this future is
    // boxed for every request, and kept under 1 KiB it comes from the
    // allocator's per-thread cache. One async block, not one awaiting
    // another: an awaited future is built, then moved into its caller's
    // (a 1 KiB copy, twice, for every request).
    #[allow(clippy::manual_async_fn)] // on purpose, see above
    fn forward<'a>(&'a self, ctx: &'a mut Context) -> impl Future<Output = ()> + Send + 'a {
        let retryable = self.retry && is_idempotent(ctx.req.method()) && self.upstreams.len() > 1;
        let (reclaim, mut body) = Reclaim::new(ctx.req.take_body(), retryable);
        async move {
            // `req` is borrowed exclusively: a shared borrow kept across an
            // await would need the request to be `Sync`, and its body is not.
            let req = &mut ctx.req;
            let sent = 'sent: {
                let method = req.method();
                let Some(path_and_query) = self.path_and_query(req) else {
                    break 'sent Err(UpstreamError::Uri);
                };
                let plan = Plan::new(req, self.forwarded, self.via_for(req.version()));
                let wants_upgrade = plan.upgrade().is_some();
                let mut exclude: Option<Arc<Target>> = None;
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    let Some(target) = self.upstreams.pick(exclude.as_ref()) else {
                        break 'sent Err(UpstreamError::NoTarget);
                    };
                    let host = match (self.preserve_host, plan.client_host()) {
                        (true, Some(h)) => h,
                        _ => target.host(),
                    };
                    let http1 = target.protocol() == Protocol::Http1;
                    let in_flight = InFlight::new(target.clone());
                    // A map-built head for an h2c target or request hooks to
                    // run on; otherwise the HTTP/1.1 head is written from the
                    // plan.
                    let built = if http1 && self.request_hooks.is_empty() {
                        None
                    } else {
                        let map = plan.header_map(host, http1);
                        let Some(parts) = self.parts(req, &target, &path_and_query, map) else {
                            break 'sent Err(UpstreamError::Uri);
                        };
                        Some(parts)
                    };
                    // Each kind of target awaited here, not through a function
                    // that picks one: that layer would add its own copy of the
                    // arguments to every request's future.
                    let sent = match built {
                        Some(parts) if !http1 => {
                            let req = http::Request::from_parts(*parts, body);
                            // Boxed: the h2 handshake would make every
                            // request's future larger (and every move of it
                            // dearer) otherwise.
                            tokio::time::timeout(
                                self.timeouts.first_byte,
                                Box::pin(self.clients.request_h2(&target, req)),
                            )
                            .await
                            .map(|r| r.map(Answer::H2))
                        }
                        built => {
                            let fields = plan.for_target(host, http1);
                            let head = match &built {
                                None => h1::head::Request {
                                    method,
                                    target: [target.base_path(), &path_and_query],
                                    fields: &fields,
                                },
                                Some(parts) => h1::head::Request {
                                    method: &parts.method,
                                    target: [
                                        "",
                                        parts.uri.path_and_query().map_or("", |pq| pq.as_str()),
                                    ],
                                    fields: &parts.headers,
                                },
                            };
                            // Timed by the connection's own timer (see
                            // `h1::Conn::arm`).
                            Ok(self
                                .clients
                                .request_h1(&target, &head, body, wants_upgrade)
                                .await
                                .map(Answer::H1))
                        }
                    };
                    let err = match sent {
                        Ok(Ok(answer)) => {
                            self.upstreams.succeeded(&target);
                            break 'sent Ok((in_flight, answer));
                        }
                        Ok(Err(e)) => e,
                        Err(_) => UpstreamError::FirstByteTimeout(self.timeouts.first_byte),
                    };
                    self.upstreams.failed(&target);
                    tracing::warn!(target = %target.authority(), error = %err, attempt, "upstream request failed");
                    if retryable && attempt == 1 && err.nothing_sent() {
                        if let Some(again) = reclaim.again() {
                            body = again;
                            exclude = Some(target);
                            continue;
                        }
                    }
                    break 'sent Err(err);
                }
            };
            match sent {
                Ok((in_flight, answer)) => ctx.res = self.respond(&mut ctx.req, answer, in_flight),
                Err(err) => self.fail(ctx, err),
            }
        }
    }

    /// The upstream request's head as hyper's parts, for an h2c target or
    /// the request hooks, which then run on it.
    fn parts(
        &self,
        req: &rejoinder::Request,
        target: &Target,
        path_and_query: &str,
        headers: HeaderMap,
    ) -> Option<Box<http::request::Parts>> {
        let pq: PathAndQuery = format!("{}{path_and_query}", target.base_path())
            .parse()
            .ok()?;
        // HTTP/1.1 sends the origin form; HTTP/2 its :scheme and :authority.
        let uri = match target.protocol() {
            Protocol::Http1 => Uri::from(pq),
            Protocol::H2c => Uri::builder()
                .scheme(target.scheme())
                .authority(target.authority().clone())
                .path_and_query(pq)
                .build()
                .ok()?,
        };
        let (mut parts, ()) = http::Request::new(()).into_parts();
        parts.method = req.method().clone();
        parts.uri = uri;
        parts.headers = headers;
        for hook in &self.request_hooks {
            hook(req, &mut parts);
        }
        // Boxed: held across the exchange, it would make every request's
        // future larger (this path is the rarer one).
        Some(Box::new(parts))
    }

    /// Turns the upstream's answer into a rejoinder response.
    fn respond(
        &self,
        req: &mut rejoinder::Request,
        answer: Answer,
        in_flight: InFlight,
    ) -> Response {
        let client = req.version();
        let (status, version, reason, mut headers, body, upgraded) = match answer {
            Answer::H1(a) => {
                let (body, upgraded) = match a.kind {
                    crate::h1::AnswerKind::Body(b) => (Incoming::H1(b), None),
                    crate::h1::AnswerKind::Upgraded(u) => (Incoming::Empty, Some(u)),
                };
                let h = a.head;
                (h.status, h.version, h.reason, h.headers, body, upgraded)
            }
            Answer::H2(res) => {
                let reason = res
                    .extensions()
                    .get::<hyper::ext::ReasonPhrase>()
                    .and_then(|r| std::str::from_utf8(r.as_bytes()).ok())
                    .map(str::to_owned);
                let (parts, body) = res.into_parts();
                let (status, version) = (parts.status, parts.version);
                (
                    status,
                    version,
                    reason,
                    parts.headers,
                    Incoming::H2(body),
                    None,
                )
            }
        };
        let mut res = Response::new();
        res.set_status(status);
        if let Some(text) = reason {
            let _ = res.set_message(text);
        }
        // Via, and the X-Request-Id the app adds.
        headers.reserve(2);
        // Trailer and Upgrade are hop-by-hop: one pass over the names
        // tells whether there is anything to look up or remove.
        let hop = headers.keys().any(headers::is_hop_by_hop);
        let declared: Vec<HeaderName> = if hop {
            headers::names_in(&headers, &header::TRAILER).collect()
        } else {
            Vec::new()
        };
        let switching = status == StatusCode::SWITCHING_PROTOCOLS;
        let upgrade_value = if hop && switching {
            headers.get(header::UPGRADE).cloned()
        } else {
            None
        };
        if hop {
            headers::strip_hop_by_hop(&mut headers);
        }
        headers::add_via(&mut headers, self.via_for(version));
        if switching {
            if let Some(up) = upgrade_value {
                headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
                headers.insert(header::UPGRADE, up);
            }
            // The connection becomes the tunnel's: never pooled again.
            let on_upgrade = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>();
            match upgraded {
                Some(upstream) => crate::upgrade::tunnel(on_upgrade, upstream),
                None => tracing::warn!("an h2c upstream cannot switch protocols"),
            }
            res.set_body_verbatim(Bytes::new());
        } else if req.method() != Method::HEAD && !rejoinder::status::is_empty(status.as_u16()) {
            let incoming = body;
            let (incoming, first) = if incoming.is_end_stream() {
                (None, None)
            } else if declared.is_empty() {
                match take_small(incoming) {
                    Small::Whole(bytes) => {
                        res.set_body_verbatim(bytes);
                        (None, None)
                    }
                    Small::Stream(incoming, first) => (Some(incoming), first),
                }
            } else {
                (Some(incoming), None)
            };
            if let Some(incoming) = incoming {
                // Trailers an HTTP/2 upstream sends undeclared (gRPC's) can
                // reach an HTTP/2 client; HTTP/1.1 sends declared ones only.
                let undeclared =
                    version == http::Version::HTTP_2 && client == http::Version::HTTP_2;
                let slot: Option<TrailerSlot> =
                    (!declared.is_empty() || undeclared).then(Default::default);
                if let Some(slot) = &slot {
                    for name in &declared {
                        let slot = slot.clone();
                        let key = name.clone();
                        let value = async move {
                            let map = slot.lock().map_err(|_| "poisoned")?;
                            map.as_ref()
                                .and_then(|m| m.get(&key))
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned)
                                .ok_or("the upstream did not send it")
                        };
                        if let Err(e) = res.trailers_mut().insert_future(name.as_str(), value) {
                            tracing::debug!(error = %e, "an upstream trailer was not passed on");
                        }
                    }
                    if undeclared {
                        let slot = slot.clone();
                        res.trailers_mut().extend_future(async move {
                            slot.lock()
                                .ok()
                                .and_then(|mut m| m.take())
                                .unwrap_or_default()
                        });
                    }
                }
                let exact = incoming
                    .size_hint()
                    .exact()
                    .filter(|_| self.splice && first.is_none());
                let down = Downstream::new(
                    incoming,
                    first,
                    self.timeouts.idle_body,
                    slot,
                    Some(in_flight),
                );
                // Its items are already the body's (no adapter), and once
                // ended it keeps answering `None` (both upstream bodies do).
                // Of a known length it is relayed: spliced socket to
                // socket when it reaches the client untouched.
                res.set_body_verbatim(match exact {
                    Some(len) => Body::relay(down, len),
                    None => Body::Stream(Box::pin(down)),
                });
            } else if res.body().is_none() {
                res.set_body_verbatim(Bytes::new());
            }
        }
        // HEAD, 204, 304: nothing to read; an HTTP/1.1 connection went
        // back to the pool when its head was read. Bodies are set
        // verbatim: no inferred Content-Type, the upstream's headers say
        // what it is.
        // An empty body held whole is framed by the connection (its
        // Content-Length is dropped at finalize); a stream keeps the
        // upstream's Content-Length unless a body filter changes it.
        *res.headers_mut() = headers;
        for hook in &self.response_hooks {
            hook(&mut res);
        }
        res
    }

    fn fail(&self, ctx: &mut Context, err: UpstreamError) {
        let status = err.status();
        let cause: rejoinder::http_error::Cause = Arc::new(err);
        let Err(mut abort) = ctx.error(status, (), NO_HEADERS);
        abort.response_mut().set_error_cause(cause);
        ctx.res = abort.into_response();
    }
}

/// The versions a `Via` value names, in the order of `Proxy::via_values`.
const VERSIONS: [http::Version; 5] = [
    http::Version::HTTP_09,
    http::Version::HTTP_10,
    http::Version::HTTP_11,
    http::Version::HTTP_2,
    http::Version::HTTP_3,
];

fn via_values(pseudonym: &str) -> [HeaderValue; 5] {
    VERSIONS.map(|v| headers::via_value(v, pseudonym))
}

/// GET, HEAD, OPTIONS, TRACE, PUT and DELETE (RFC 9110 §9.2.2).
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

impl Handler for Proxy {
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        if !self.dot_segments && crate::dot_segments::found(ctx.req.path()) {
            crate::dot_segments::refuse(ctx);
            return Box::pin(std::future::ready(()));
        }
        Box::pin(self.forward(ctx))
    }
}

#[cfg(test)]
mod tests {
    /// The per-request future is boxed: at most 1032 bytes, glibc's
    /// per-thread cache serves it (measured in `docs/performance.md`).
    #[test]
    fn the_per_request_future_stays_small() {
        let proxy = super::Proxy::new(crate::Upstreams::parse("http://127.0.0.1:1").unwrap());
        let mut ctx = rejoinder::Context::new(http::Request::new(rejoinder::RequestBody::empty()));
        let size = std::mem::size_of_val(&proxy.forward(&mut ctx));
        assert!(
            size <= 1032,
            "the proxy's per-request future takes {size} bytes"
        );
    }
}
