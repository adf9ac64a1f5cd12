//! The per-request context: the request, the response being built, route
//! parameters and typed per-request state — one value from the first
//! middleware to the last, borrowed by each step.
//!
//! # Design
//!
//! Every handler and middleware borrows the same `Context` (`&mut Context`)
//! instead of owning it and handing it on: the context is made once when
//! the request arrives and lives until the response is sent, so state a
//! middleware inserts before `next()` is there after it, route parameters
//! stay visible to the middleware around the router, and nothing is copied
//! or rebuilt between steps — whatever the handler returns, and even when
//! it panics. A handler's return value is applied to `ctx.res` (see
//! [`IntoResponse::apply_to`](rejoinder_core::IntoResponse::apply_to)).
//!
//! `req` and `res` are public fields so that they can be borrowed apart:
//! `ctx.res.set_body(ctx.req.path().to_owned())` reads one while writing
//! the other.

use std::str::FromStr;
use std::sync::Arc;

use rejoinder_core::{HttpError, Response};

use crate::request::{Request, RequestBody};
use crate::routes::UrlError;
use crate::shared::Shared;

/// A route's path parameters: name and percent-decoded value, in order.
pub(crate) type Params = smallvec::SmallVec<[(Arc<str>, String); 1]>;

/// Everything a handler works with: the request, the response being built,
/// route parameters and typed per-request state. See the
/// [module docs](self).
///
/// ```
/// use rejoinder::Context;
///
/// async fn hello(ctx: &mut Context) {
///     ctx.insert_state(42u32);
///     let who = ctx.req.query_param("name").unwrap_or("world".into()).into_owned();
///     ctx.res.set_body(format!("hello, {who}"));
/// }
/// ```
#[derive(Debug)]
pub struct Context {
    /// The request.
    pub req: Request,
    /// The response being built.
    pub res: Response,
    state: http::Extensions,
    /// Inline for the usual one: no allocation for the list.
    params: Params,
    /// Where the path below a `Router::mount` prefix starts. A `u32`:
    /// the context moves by value into the request's future, and heads
    /// are far shorter than 4 GiB.
    mounted: Option<u32>,
    shared: Arc<Shared>,
}

/// The channel of a flushable handler (`rejoinder::flushable`), kept in the
/// context's state: only those handlers pay for it. Shared and taken
/// once (the state's values are `Clone`, a sender is not).
#[derive(Clone)]
struct Flusher(Arc<std::sync::Mutex<Option<tokio::sync::oneshot::Sender<Response>>>>);

impl Context {
    /// A context for a request, with a fresh response, outside any app (no
    /// named routes, the default body limit).
    pub fn new(req: http::Request<RequestBody>) -> Self {
        let (head, body) = req.into_parts();
        Context::from_parts(head, body, Arc::new(Shared::default()), None)
    }

    #[inline]
    pub(crate) fn from_parts(
        head: http::request::Parts,
        body: RequestBody,
        shared: Arc<Shared>,
        conn: Option<crate::request::ConnectionInfo>,
    ) -> Self {
        Context {
            req: Request::new(head, body, shared.body_limit, conn),
            res: Response::new(),
            state: http::Extensions::new(),
            params: Params::new(),
            mounted: None,
            shared,
        }
    }

    #[cfg_attr(
        not(any(feature = "koa", feature = "jsonp", feature = "cookies")),
        allow(dead_code)
    )]
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    pub(crate) fn set_flusher(&mut self, tx: tokio::sync::oneshot::Sender<Response>) {
        self.state
            .insert(Flusher(Arc::new(std::sync::Mutex::new(Some(tx)))));
    }

    /// Moves this context out, leaving a copy of the request head, the
    /// parameters and the state behind (for a handler that goes on after
    /// its headers are flushed).
    pub(crate) fn take_for_flush(&mut self) -> Context {
        let mut stand_in = Context {
            req: self.req.detached_copy(),
            res: Response::new(),
            state: self.state.clone(),
            params: self.params.clone(),
            mounted: self.mounted,
            shared: self.shared.clone(),
        };
        // The channel stays with the handler that goes on.
        stand_in.state.remove::<Flusher>();
        std::mem::replace(self, stand_in)
    }

    /// Sends the status and headers now and lets the body follow (Koa's
    /// `flushHeaders`): the response — typically with a
    /// [`Body::stream`](rejoinder_core::Body::stream) body fed from a channel —
    /// goes to the client at once, while the handler keeps running and
    /// feeding the stream (server-sent events). Afterwards `ctx.res` refuses
    /// status and header changes with "headers have already been sent".
    ///
    /// The handler must be wrapped with `flushable`,
    /// which sets up the channel this needs (other handlers pay nothing).
    ///
    /// # Errors
    ///
    /// The headers were already sent, or the handler is not flushable.
    pub async fn flush_headers(&mut self) -> Result<(), rejoinder_core::Error> {
        if self.res.headers_sent() {
            return Err(rejoinder_core::Error::headers_sent());
        }
        let tx = self
            .state
            .remove::<Flusher>()
            .and_then(|f| f.0.lock().ok()?.take());
        let Some(tx) = tx else {
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

    /// Adds a route's parameters; the first route's list becomes the
    /// context's as it is.
    pub(crate) fn add_params(&mut self, params: Params) {
        if params.is_empty() {
            return;
        }
        if self.params.is_empty() {
            self.params = params;
        } else {
            self.params.extend(params);
        }
    }

    /// Records that the request path from byte `at` on is below the prefix
    /// of a mounted handler.
    pub(crate) fn set_mounted(&mut self, at: usize) {
        // A head is bounded far below 4 GiB; saturate rather than wrap.
        self.mounted = Some(u32::try_from(at).unwrap_or(u32::MAX));
    }

    /// For a handler mounted with `Router::mount` or `App::mount`, the
    /// request path below the mount prefix, as sent (not decoded): `""`
    /// for the prefix itself (`/static`), else starting with `/`
    /// (`/css/a.css` for `/static/css/a.css`). `None` outside a mount.
    ///
    /// ```
    /// use rejoinder::testing::TestClient;
    /// use rejoinder::{App, Context, Router};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let router = Router::new().mount("/static", async |ctx: &mut Context| {
    ///     format!("{:?}", ctx.mounted_path())
    /// });
    /// let client = TestClient::new(App::new().router(router));
    /// assert_eq!(client.get("/static/a%20b.css").send().await.text(), "Some(\"/a%20b.css\")");
    /// assert_eq!(client.get("/static").send().await.text(), "Some(\"\")");
    /// # }
    /// ```
    pub fn mounted_path(&self) -> Option<&str> {
        self.req.path().get(self.mounted? as usize..)
    }

    /// A path parameter captured by the router (`{id}` in `/users/{id}`),
    /// percent-decoded.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A path parameter parsed as `T` (`ctx.param_as::<u64>("id")?`).
    ///
    /// ```
    /// # use rejoinder::{Context, HttpError};
    /// async fn user(ctx: &mut Context) -> Result<String, HttpError> {
    ///     let id: u64 = ctx.param_as("id")?;
    ///     Ok(format!("user {id}"))
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// 400 naming the parameter when its value does not parse; 500 (the
    /// cause logged) when the route has no such parameter.
    pub fn param_as<T>(&self, name: &str) -> Result<T, HttpError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let Some(raw) = self.param(name) else {
            return Err(
                HttpError::internal("").cause_by(rejoinder_core::Error::other(format!(
                    "the route has no path parameter named {name:?}"
                ))),
            );
        };
        raw.parse().map_err(|e: T::Err| {
            HttpError::bad_request(format!("Invalid path parameter `{name}` ({raw:?}): {e}"))
        })
    }

    /// The URL of a named route with `params` filled in, percent-encoded.
    ///
    /// # Errors
    ///
    /// An unknown route name (the error lists the known ones) or a missing
    /// parameter.
    pub fn url_for(&self, name: &str, params: &[(&str, &str)]) -> Result<String, UrlError> {
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

    /// The application's state of type `T`, given to
    /// `App::state`: a database pool, a configuration,
    /// anything every request shares.
    ///
    /// ```
    /// use rejoinder::{App, Context};
    ///
    /// #[derive(Clone)]
    /// struct Greeting(&'static str);
    ///
    /// let app = App::new()
    ///     .state(Greeting("hello"))
    ///     .handler(async |ctx: &mut Context| {
    ///         ctx.app_state::<Greeting>().map_or("?", |g| g.0)
    ///     });
    /// # drop(app);
    /// ```
    pub fn app_state<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.shared.state.get::<T>()
    }
}
