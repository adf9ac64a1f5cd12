//! The application: a handler plus configuration, usable as a
//! `tower::Service` and served by [`App::listen`].

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use http_body::Body as HttpBody;
use rejoinder_core::{BoxError, IntoResponse, ResBody, Response};

use crate::context::{Context, RequestBody};

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// An async function from [`Context`] to a response.
///
/// Implemented for every `Fn(Context) -> impl Future<Output = R>` where `R`
/// is [`IntoResponse`] — returning the context itself hands back the
/// response it holds:
///
/// ```
/// use rejoinder::{App, Context};
///
/// let app = App::new().handler(|mut ctx: Context| async move {
///     ctx.res.set_body("Hello, World!");
///     ctx
/// });
/// # drop(app);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a rejoinder handler",
    note = "a handler is `Fn(Context) -> impl Future<Output = R> + Send + 'static` where R: \
            IntoResponse, e.g. `|mut ctx: Context| async move {{ ctx.res.set_body(\"hi\"); ctx }}`"
)]
pub trait Handler: Send + Sync + 'static {
    /// Runs the handler.
    fn call(&self, ctx: Context) -> BoxFuture<Response>;
}

impl<F, Fut, R> Handler for F
where
    F: Fn(Context) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoResponse,
{
    fn call(&self, ctx: Context) -> BoxFuture<Response> {
        let fut = self(ctx);
        Box::pin(async move { fut.await.into_response() })
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Config {
    pub(crate) header_read_timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
}

/// A rejoinder application.
///
/// Cloning is cheap (the handler is shared). An `App` is a
/// `tower::Service<http::Request<B>>`, so tower layers can wrap it, and
/// [`App::listen`] serves it over HTTP/1.1 and HTTP/2 on one port.
#[derive(Clone)]
pub struct App {
    handler: Arc<dyn Handler>,
    middleware: Vec<Arc<dyn crate::middleware::Middleware>>,
    late: Vec<Arc<crate::middleware::LateHandler>>,
    chain: Option<Arc<crate::middleware::Chain>>,
    header_filters: Vec<Arc<crate::phases::HeaderFilter>>,
    body_filters: Option<Arc<[Arc<crate::phases::BodyFilter>]>>,
    log: Option<Arc<[Arc<crate::phases::LogCallback>]>>,
    config: Config,
    shared: Arc<Shared>,
}

/// What every request's context may consult: named routes and redirect
/// and JSONP settings.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub(crate) routes: crate::router::RouteNames,
    pub(crate) trusted_origins: Vec<String>,
    pub(crate) jsonp_callback: String,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            routes: crate::router::RouteNames::default(),
            trusted_origins: Vec::new(),
            jsonp_callback: "callback".into(),
        }
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

async fn untouched(ctx: Context) -> Context {
    ctx
}

impl App {
    /// An app whose handler leaves every response untouched (404).
    pub fn new() -> Self {
        App {
            handler: Arc::new(untouched),
            middleware: Vec::new(),
            late: Vec::new(),
            chain: None,
            header_filters: Vec::new(),
            body_filters: None,
            log: None,
            config: Config {
                header_read_timeout: Duration::from_secs(30),
                shutdown_timeout: Duration::from_secs(30),
            },
            shared: Arc::new(Shared::default()),
        }
    }

    fn shared_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.shared)
    }

    /// Serves requests through `router` (see [`Router`](crate::Router)); its
    /// named routes become available to [`Context::url_for`].
    pub fn router(mut self, mut router: crate::Router) -> Self {
        self.shared_mut().routes = router.take_names();
        self.handler = Arc::new(router);
        self.rebuild_chain();
        self
    }

    /// Origins (`https://sso.example`) besides the request's own host that
    /// [`Context::back`] may redirect to.
    pub fn trusted_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.shared_mut().trusted_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// The query parameter that names a JSONP callback (default
    /// `callback`).
    pub fn jsonp_callback(mut self, param: impl Into<String>) -> Self {
        self.shared_mut().jsonp_callback = param.into();
        self
    }

    /// Sets the handler every request goes to.
    pub fn handler(mut self, handler: impl Handler) -> Self {
        self.handler = Arc::new(handler);
        self.rebuild_chain();
        self
    }

    /// Adds a Koa-style middleware around the handler; the first added is
    /// the outermost. See [`middleware`](crate::middleware).
    pub fn middleware(mut self, middleware: impl crate::middleware::Middleware) -> Self {
        self.middleware.push(Arc::new(middleware));
        self.rebuild_chain();
        self
    }

    /// Adds a late handler (vapr): it runs after the handler and every
    /// middleware, in registration order, and may change the final
    /// response. A late handler that panics is logged and skipped.
    pub fn late<F>(mut self, late: F) -> Self
    where
        F: Fn(&crate::Request, &mut Response) + Send + Sync + 'static,
    {
        self.late.push(Arc::new(late));
        self.rebuild_chain();
        self
    }

    /// Adds a header filter (Kong's `header_filter` phase): it runs once,
    /// before the headers are sent, for every response, and may change the
    /// status and the headers. See [`phases`](crate::phases).
    pub fn header_filter<F>(mut self, filter: F) -> Self
    where
        F: Fn(&mut Response) -> Result<(), rejoinder_core::Error> + Send + Sync + 'static,
    {
        self.header_filters.push(Arc::new(filter));
        self
    }

    /// Adds a body filter (Kong's `body_filter` phase). See
    /// [`phases`](crate::phases).
    pub fn body_filter<F>(mut self, filter: F) -> Self
    where
        F: Fn(&mut crate::phases::BodyChunk) + Send + Sync + 'static,
    {
        let mut filters: Vec<_> = self.body_filters.as_deref().unwrap_or_default().to_vec();
        filters.push(Arc::new(filter));
        self.body_filters = Some(filters.into());
        self
    }

    /// Adds a log callback (Kong's `log` phase): it runs once the response
    /// is done. See [`phases`](crate::phases).
    pub fn log<F>(mut self, callback: F) -> Self
    where
        F: Fn(&crate::phases::LogEntry) + Send + Sync + 'static,
    {
        let mut callbacks: Vec<_> = self.log.as_deref().unwrap_or_default().to_vec();
        callbacks.push(Arc::new(callback));
        self.log = Some(callbacks.into());
        self
    }

    fn rebuild_chain(&mut self) {
        self.chain = (!self.middleware.is_empty() || !self.late.is_empty()).then(|| {
            Arc::new(crate::middleware::Chain {
                middleware: self.middleware.clone(),
                handler: self.handler.clone(),
            })
        });
    }

    /// How long a client may take to send the request head (default 30 s);
    /// slower connections are closed.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.header_read_timeout = timeout;
        self
    }

    /// How long a graceful shutdown waits for in-flight requests (default
    /// 30 s) before closing the remaining connections.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.config.shutdown_timeout = timeout;
        self
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// Runs one request through the app and returns what goes on the wire.
    ///
    /// A handler that panics yields a 500 (the panic is logged) and the app
    /// keeps serving.
    pub async fn handle(&self, req: http::Request<RequestBody>) -> http::Response<ResBody> {
        let started = self.log.is_some().then(std::time::Instant::now);
        let method = req.method().clone();
        let version = req.version();
        let path = self.log.is_some().then(|| req.uri().path().to_owned());
        let preconditions = rejoinder_core::conditional::Preconditions::from_headers(req.headers());
        let ctx = Context::with_shared(req, self.shared.clone());
        let request_id = ctx.req.id_value().clone();
        let fut: BoxFuture<Response> = match &self.chain {
            None => self.handler.call(ctx),
            Some(chain) => {
                let next = crate::middleware::Next::start(chain.clone());
                let late = self.late.clone();
                Box::pin(async move {
                    let mut ctx = next.run(ctx).await;
                    for handler in &late {
                        let run = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            handler(&ctx.req, &mut ctx.res)
                        }));
                        if run.is_err() {
                            tracing::error!("a late handler panicked; it was skipped");
                        }
                    }
                    ctx.into_response()
                })
            }
        };
        let outcome = AssertUnwindSafe(fut).catch_unwind().await;
        let mut res = match outcome {
            Ok(res) => res,
            Err(panic) => panic_response(panic.as_ref(), &method),
        };
        if let Some(on_error) = res.take_stream_error_handler() {
            res = first_chunk_or_error(res, &on_error).await;
        }
        if let Some(pre) = &preconditions {
            rejoinder_core::conditional::apply(&mut res, &method, pre);
        }
        if let http::header::Entry::Vacant(slot) =
            res.headers_mut().entry(crate::request_id::X_REQUEST_ID)
        {
            slot.insert(request_id.clone());
        }
        crate::phases::run_header_filters(&self.header_filters, &mut res);
        let source = res.source();
        let cause = res.error_cause_shared();
        let fin = res.finalize(&method, version);
        let mut response = fin.response;
        let has_body = method != http::Method::HEAD
            && !rejoinder_core::status::is_empty(response.status().as_u16());
        if let (Some(filters), true) = (&self.body_filters, has_body) {
            let body = std::mem::replace(response.body_mut(), ResBody::empty());
            *response.body_mut() = crate::phases::apply_body_filters(filters.clone(), body);
        }
        if let Some(callbacks) = &self.log {
            let entry = crate::phases::LogEntry {
                method: method.clone(),
                path: path.unwrap_or_default(),
                request_id: request_id.to_str().unwrap_or_default().to_owned(),
                status: response.status().as_u16(),
                bytes_sent: 0,
                duration: std::time::Duration::ZERO,
                source,
                error_cause: cause,
                completed: false,
            };
            let body = std::mem::replace(response.body_mut(), ResBody::empty());
            let started = started.unwrap_or_else(std::time::Instant::now);
            let logged = crate::phases::Logged::new(body, entry, started, callbacks.clone());
            *response.body_mut() = ResBody::boxed(Box::pin(logged));
        }
        if let Some(reason) = fin.reason {
            let phrase = match reason {
                std::borrow::Cow::Borrowed(s) => {
                    hyper::ext::ReasonPhrase::try_from(Bytes::from_static(s.as_bytes()))
                }
                std::borrow::Cow::Owned(s) => hyper::ext::ReasonPhrase::try_from(s),
            };
            if let Ok(phrase) = phrase {
                response.extensions_mut().insert(phrase);
            }
        }
        response
    }
}

/// Wraps a handler so it may call [`Context::flush_headers`]: the response
/// goes out when the handler flushes, while the handler keeps running (for
/// server-sent events). Only wrapped handlers pay for the channel this
/// needs.
///
/// ```
/// use rejoinder::{flushable, App, Body, Context, HttpError};
///
/// let app = App::new().handler(flushable(|mut ctx: Context| async move {
///     let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(8);
///     ctx.res.set_type("text/event-stream")?;
///     ctx.res.set_body(Body::stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))));
///     ctx.flush_headers().await?;
///     let _ = tx.send(Ok("data: hello\n\n".into())).await;
///     Ok::<_, HttpError>(ctx)
/// }));
/// # drop(app);
/// ```
pub fn flushable<H: Handler>(handler: H) -> Flushable<H> {
    Flushable(handler)
}

/// A handler that may flush its headers early; see [`flushable`].
#[derive(Debug, Clone, Copy)]
pub struct Flushable<H>(pub H);

impl<H: Handler> Handler for Flushable<H> {
    fn call(&self, mut ctx: Context) -> BoxFuture<Response> {
        use futures_util::future::{select, Either};
        let (tx, rx) = tokio::sync::oneshot::channel();
        ctx.set_flusher(tx);
        let method = ctx.req.method().clone();
        let guarded = AssertUnwindSafe(self.0.call(ctx)).catch_unwind();
        Box::pin(async move {
            let outcome = match select(guarded, rx).await {
                Either::Left((outcome, _)) => outcome,
                Either::Right((Ok(flushed), rest)) => {
                    // Answer with the flushed response now; the handler
                    // keeps feeding its body.
                    tokio::spawn(rest);
                    Ok(flushed)
                }
                Either::Right((Err(_), rest)) => rest.await,
            };
            outcome.unwrap_or_else(|panic| panic_response(panic.as_ref(), &method))
        })
    }
}

/// Polls a stream body's first chunk before the headers go out, so an early
/// failure can still become an error response.
async fn first_chunk_or_error(
    mut res: Response,
    on_error: &rejoinder_core::response::StreamErrorHandler,
) -> Response {
    use futures_util::StreamExt;
    let Some(rejoinder_core::Body::Stream(mut stream)) = res.take_body() else {
        return res;
    };
    match stream.next().await {
        Some(Ok(first)) => {
            let rest = futures_util::stream::once(async move { Ok(first) }).chain(stream);
            res.set_body(rejoinder_core::Body::stream(rest));
            res
        }
        Some(Err(e)) => {
            let (message, status) = on_error(&e);
            tracing::error!(error = %e, status, "stream failed before its first byte");
            let mut err = Response::new();
            if err.set_status(status).is_err() {
                let _ = err.set_status(500);
            }
            let _ = err.set_type("text/plain; charset=utf-8");
            err.set_body(message);
            err.set_error_cause(Arc::new(StreamFailed(e.to_string())));
            err
        }
        None => {
            res.set_body(rejoinder_core::Body::Bytes(Bytes::new()));
            res
        }
    }
}

#[derive(Debug)]
struct StreamFailed(String);

impl std::fmt::Display for StreamFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the body stream failed before its first byte: {}",
            self.0
        )
    }
}

impl std::error::Error for StreamFailed {}

/// The 500 answered for a panic, with the panic recorded as the cause.
pub(crate) fn panic_response(
    panic: &(dyn std::any::Any + Send),
    method: &http::Method,
) -> Response {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".into());
    tracing::error!(panic = %what, %method, "handler panicked; sending 500");
    let mut res = Response::new();
    let _ = res.set_status(500);
    res.set_error_cause(Arc::new(Panicked(what)));
    res
}

/// The error cause recorded for a handler that panicked.
#[derive(Debug)]
struct Panicked(String);

impl std::fmt::Display for Panicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the handler panicked: {}", self.0)
    }
}

impl std::error::Error for Panicked {}

impl<B> tower_service::Service<http::Request<B>> for App
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<ResBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let app = self.clone();
        Box::pin(async move { Ok(app.handle(req.map(RequestBody::new)).await) })
    }
}
