//! The application: a handler, middleware, filter phases and settings,
//! held behind one `Arc`; its tower [`layers`] and server [`limits`] are
//! the submodules of the same name.

pub(crate) mod host;
pub mod layers;
pub mod limits;

use std::sync::{Arc, OnceLock};

use rejoinder_core::Response;

use crate::context::Context;
use crate::handler::Handler;
use crate::middleware::{LateHandler, Middleware};
use crate::mount::Dispatch;
use crate::phases::{BodyChunk, BodyFilter, HeaderFilter, LogCallback, LogEntry};
use crate::request::Request;
use crate::shared::Shared;
use layers::{AddLayer, Stack};
use limits::Limits;

/// A rejoinder application.
///
/// Cloning is cheap: everything is behind one `Arc`, which is also all a
/// request clones. An `App` is a `tower::Service<http::Request<B>>`, so
/// tower layers can wrap it, and [`App::listen`] serves it over HTTP/1.1
/// and HTTP/2 on one port.
///
/// ```no_run
/// use rejoinder::{App, Context, Router};
///
/// # async fn run() -> std::io::Result<()> {
/// App::new()
///     .router(Router::new().get("/", async |_: &mut Context| "hello"))
///     .listen("127.0.0.1:3000")
///     .await
/// # }
/// ```
#[derive(Clone)]
pub struct App {
    pub(crate) inner: Arc<AppInner>,
}

#[derive(Clone)]
pub(crate) struct AppInner {
    /// The handler, behind the handlers mounted on the app.
    pub(crate) handler: Dispatch,
    pub(crate) middleware: Vec<Arc<dyn Middleware>>,
    pub(crate) late: Vec<Arc<LateHandler>>,
    pub(crate) header_filters: Vec<Arc<HeaderFilter>>,
    pub(crate) body_filters: Option<crate::phases::BodyFilters>,
    pub(crate) log: Option<Arc<[Arc<LogCallback>]>>,
    pub(crate) limits: Limits,
    pub(crate) layers: Vec<AddLayer>,
    pub(crate) stack: OnceLock<Stack>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) echo_request_id: bool,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("limits", &self.inner.limits)
            .field("middleware", &self.inner.middleware.len())
            .finish_non_exhaustive()
    }
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

async fn untouched(_: &mut Context) {}

impl App {
    /// An app whose handler leaves every response untouched (404).
    pub fn new() -> Self {
        App {
            inner: Arc::new(AppInner {
                handler: Dispatch::new(Arc::new(untouched)),
                middleware: Vec::new(),
                late: Vec::new(),
                header_filters: Vec::new(),
                body_filters: None,
                log: None,
                limits: Limits::default(),
                layers: Vec::new(),
                stack: OnceLock::new(),
                shared: Arc::new(Shared::default()),
                echo_request_id: false,
            }),
        }
    }

    pub(crate) fn inner_mut(&mut self) -> &mut AppInner {
        let inner = Arc::make_mut(&mut self.inner);
        // A change after the first request rebuilds the layered stack.
        inner.stack = OnceLock::new();
        inner
    }

    pub(crate) fn shared_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.inner_mut().shared)
    }

    /// Serves requests through `router` (see [`Router`](crate::Router)); its
    /// named routes become available to [`Context::url_for`].
    pub fn router(mut self, mut router: crate::Router) -> Self {
        self.shared_mut().routes = router.take_names();
        self.inner_mut().handler.rest = Arc::new(router);
        self
    }

    /// Sets the handler every request goes to (except those for a prefix
    /// given to [`App::mount`]).
    pub fn handler(mut self, handler: impl Handler) -> Self {
        self.inner_mut().handler.rest = Arc::new(handler);
        self
    }

    /// Hands every request for `prefix` and the paths below it — any
    /// method — to `handler`, before the app's router or handler sees it;
    /// the prefix is written once. With `.mount("/static",
    /// ServeDir::new("public"))` (feature `fs`), `/static/app.css` is
    /// `public/app.css`. The handler sees the whole path in
    /// `ctx.req.path()` and the part below the prefix in
    /// [`Context::mounted_path`]; `/staticx` is not below `/static`. Of
    /// two mounts, the longer prefix wins; the app's middleware wraps the
    /// mounted handlers too.
    ///
    /// The prefix is literal; [`Router::mount`](crate::router::Router::mount)
    /// takes prefixes with parameters, and leaves paths below the prefix
    /// that a route names to that route. A router is put under a prefix
    /// with [`Router::nest`](crate::router::Router::nest): a router matches the
    /// whole request path.
    ///
    /// ```
    /// use rejoinder::testing::TestClient;
    /// use rejoinder::{App, Context, Router};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let app = App::new()
    ///     .router(Router::new().get("/", async |_: &mut Context| "home"))
    ///     .mount("/assets", async |ctx: &mut Context| {
    ///         format!("asset {}", ctx.mounted_path().unwrap_or("?"))
    ///     });
    /// let client = TestClient::new(app);
    /// assert_eq!(client.get("/assets/logo.svg").send().await.text(), "asset /logo.svg");
    /// assert_eq!(client.get("/").send().await.text(), "home");
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// When the prefix does not start with `/`, holds a parameter (`{`),
    /// or is mounted already.
    pub fn mount(mut self, prefix: &str, handler: impl Handler) -> Self {
        self.inner_mut().handler.add(prefix, Arc::new(handler));
        self
    }

    /// Adds a Koa-style middleware around the handler; the first added is
    /// the outermost. See [`middleware`](crate::middleware).
    pub fn middleware(mut self, middleware: impl Middleware) -> Self {
        self.inner_mut().middleware.push(Arc::new(middleware));
        self
    }

    /// Shares `value` with every request, read with
    /// [`Context::app_state`]: one value per type (a later one of the same
    /// type replaces it). Apps that use none pay nothing per request.
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.shared_mut().state.insert(value);
        self
    }

    /// The most request-body bytes the reading helpers accept (default
    /// 2 MiB, as axum's); see [`request`](crate::request). Routes can set
    /// their own with [`Router::body_limit`](crate::Router::body_limit).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.shared_mut().body_limit = bytes;
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

    /// Trusts the proxy in front of the app with the protocol the client
    /// used (Koa's `app.proxy`): with `true`, a request whose first
    /// `X-Forwarded-Proto` value is `https` counts as one that came over
    /// TLS. Off by default, since a client talking to the app directly could
    /// send the header too. Today this decides the `Secure` default of the
    /// app's cookies (see `rejoinder::cookies`).
    pub fn trust_proxy(mut self, trust: bool) -> Self {
        self.shared_mut().trust_proxy = trust;
        self
    }

    /// The query parameter that names a JSONP callback (default
    /// `callback`).
    pub fn jsonp_callback(mut self, param: impl Into<String>) -> Self {
        self.shared_mut().jsonp_callback = param.into();
        self
    }

    /// Adds a late handler (vapr): it runs after the handler and every
    /// middleware, in registration order, and may change the final
    /// response. A late handler that panics is logged and skipped.
    pub fn late<F>(mut self, late: F) -> Self
    where
        F: Fn(&Request, &mut Response) + Send + Sync + 'static,
    {
        self.inner_mut().late.push(Arc::new(late));
        self
    }

    /// Sends `X-Request-Id` on every response — the client's id, or a
    /// fresh one — as Kong sends `X-Kong-Request-Id`. By default the id is
    /// made only when something uses it ([`Request::id`](crate::Request::id),
    /// Kong's error bodies, the log phase, the request span), and then it
    /// is echoed; a request nobody asks about pays nothing for it.
    ///
    /// ```
    /// use rejoinder::testing::TestClient;
    /// use rejoinder::App;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let quiet = TestClient::new(App::new());
    /// assert_eq!(quiet.get("/").send().await.header("x-request-id"), None);
    ///
    /// let always = TestClient::new(App::new().echo_request_id(true));
    /// let res = always.get("/").header("x-request-id", "abc-1").send().await;
    /// assert_eq!(res.header("x-request-id"), Some("abc-1"));
    /// # }
    /// ```
    pub fn echo_request_id(mut self, always: bool) -> Self {
        self.inner_mut().echo_request_id = always;
        self
    }

    /// Adds a header filter (Kong's `header_filter` phase): it runs once,
    /// before the headers are sent, for every response, and may change the
    /// status and the headers. See [`phases`](crate::phases).
    pub fn header_filter<F>(mut self, filter: F) -> Self
    where
        F: Fn(&mut Response) -> Result<(), rejoinder_core::Error> + Send + Sync + 'static,
    {
        self.inner_mut().header_filters.push(Arc::new(filter));
        self
    }

    /// Adds a body filter (Kong's `body_filter` phase). See
    /// [`phases`](crate::phases).
    ///
    /// The filter may change the body's size, so a streamed body (a file,
    /// a proxied body) goes out chunked on HTTP/1.1 instead of with its
    /// Content-Length; a body held whole is filtered first and framed with
    /// its filtered length. For a filter that sends exactly as many bytes
    /// as it gets, use [`body_filter_same_length`](Self::body_filter_same_length).
    pub fn body_filter<F>(self, filter: F) -> Self
    where
        F: Fn(&mut BodyChunk) + Send + Sync + 'static,
    {
        self.add_body_filter(Arc::new(filter), false)
    }

    /// Adds a body filter that promises to send exactly as many bytes as it
    /// receives: it only inspects the body, or rewrites bytes in place
    /// (ASCII case, a byte-for-byte mask). A streamed body with a known
    /// length (a file) then keeps its Content-Length, which a plain
    /// [`body_filter`](Self::body_filter) cannot allow: the headers are
    /// sent before the filter has seen the body.
    ///
    /// A filter that breaks the promise does not put a wrong length on the
    /// wire: the body ends in an error, the connection is cut off and the
    /// error is logged (body filters run after the headers, so there is no
    /// other answer left).
    ///
    /// # Examples
    ///
    /// ```
    /// use rejoinder::App;
    ///
    /// let app = App::new().body_filter_same_length(|chunk| {
    ///     let upper = chunk.chunk().to_ascii_uppercase();
    ///     chunk.set_chunk(upper);
    /// });
    /// # drop(app);
    /// ```
    pub fn body_filter_same_length<F>(self, filter: F) -> Self
    where
        F: Fn(&mut BodyChunk) + Send + Sync + 'static,
    {
        self.add_body_filter(Arc::new(filter), true)
    }

    fn add_body_filter(mut self, filter: Arc<BodyFilter>, same_length: bool) -> Self {
        let inner = self.inner_mut();
        inner.body_filters = Some(match inner.body_filters.take() {
            Some(filters) => filters.with(filter, same_length),
            None => crate::phases::BodyFilters::new(filter, same_length),
        });
        self
    }

    /// Adds a log callback (Kong's `log` phase): it runs once the response
    /// is done. See [`phases`](crate::phases).
    pub fn log<F>(mut self, callback: F) -> Self
    where
        F: Fn(&LogEntry) + Send + Sync + 'static,
    {
        let inner = self.inner_mut();
        let mut callbacks: Vec<_> = inner.log.as_deref().unwrap_or_default().to_vec();
        callbacks.push(Arc::new(callback));
        inner.log = Some(callbacks.into());
        self
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    pub(crate) fn limits_mut(&mut self) -> &mut Limits {
        &mut self.inner_mut().limits
    }
}
