//! Koa's onion: middleware that runs code before and after the rest of the
//! chain, and vapr's late handlers.
//!
//! A middleware borrows the [`Context`] and gets a [`Next`];
//! `next.run(ctx).await` runs the inner middleware and the handler, and
//! afterwards `ctx` holds the response they produced — still lazy, so it
//! can be read and rewritten (for example, turning camelCase JSON keys into
//! snake_case). It is the same context throughout: state inserted before
//! `next()`, the route parameters the router found, the request's
//! extensions are all still there after it, whether the handler returned a
//! value, an error, or panicked (a panic is a 500 in `ctx.res`).
//!
//! A middleware may return a response too, applied like a handler's:
//! `Result<(), HttpError>` lets it refuse with `?` before calling `next`.
//!
//! Late handlers (`App::late`) run after the handler
//! and every middleware, in registration order, with the request and the
//! final response (vapr's `req => res => …`).
//!
//! # Examples
//!
//! ```
//! use rejoinder::http::{header, HeaderValue};
//! use rejoinder::{App, Context, HttpError, Next};
//!
//! #[derive(Clone)]
//! struct User(String);
//!
//! let app = App::new()
//!     .middleware(async |ctx: &mut Context, next: Next<'_>| {
//!         let started = std::time::Instant::now();
//!         next.run(ctx).await;
//!         ctx.res.set(header::SERVER, HeaderValue::from_static("rejoinder"));
//!         tracing::info!(elapsed = ?started.elapsed(), status = %ctx.res.status());
//!     })
//!     .middleware(async |ctx: &mut Context, next: Next<'_>| {
//!         let user = ctx.req.header("x-user").ok_or_else(|| HttpError::unauthorized("who are you?"))?;
//!         ctx.insert_state(User(user.to_owned()));
//!         next.run(ctx).await;
//!         Ok::<_, HttpError>(())
//!     })
//!     .handler(async |ctx: &mut Context| {
//!         let name = ctx.state::<User>().map(|u| u.0.clone()).unwrap_or_default();
//!         format!("hi, {name}")
//!     });
//! # drop(app);
//! ```

use std::future::Future;
use std::sync::Arc;

use rejoinder_core::{IntoResponse, Response};

use crate::context::Context;
use crate::handler::{guarded, BoxFuture, Handler, HandlerFuture};
use crate::request::Request;

/// Koa-style middleware: `async fn(ctx: &mut Context, next: Next<'_>)`, or
/// an async closure of that shape, returning `()` or another response (see
/// [`MiddlewareFn`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a rejoinder middleware",
    label = "not a middleware",
    note = "a middleware is `async fn(ctx: &mut Context, next: Next<'_>) -> R` or \
            `async |ctx: &mut Context, next: Next<'_>| {{ next.run(ctx).await; }}`, where R is a \
            response (`()` keeps the one in `ctx.res`)",
    note = "a closure that captures variables: rejoinder::middleware_fn(move |ctx, next| {{ let \
            x = x.clone(); Box::pin(async move {{ next.run(ctx).await; }}) }})"
)]
pub trait Middleware: Send + Sync + 'static {
    /// Runs this middleware around `next`.
    fn call<'a>(&'a self, ctx: &'a mut Context, next: Next<'a>) -> BoxFuture<'a, ()>;
}

/// The shape of a middleware function: `Fn(&'a mut Context, Next<'a>) ->
/// impl Future + Send + 'a` whose output is [`IntoResponse`]. Implemented
/// for every such function (see [`HandlerFn`](crate::handler::HandlerFn)
/// for why it exists).
pub trait MiddlewareFn<'a>: Send + Sync + 'static {
    /// What the middleware returns.
    type Output: IntoResponse + 'static;
    /// The middleware's future.
    type Future: Future<Output = Self::Output> + Send + 'a;

    /// Calls the function.
    fn call_fn(&self, ctx: &'a mut Context, next: Next<'a>) -> Self::Future;
}

impl<'a, F, Fut> MiddlewareFn<'a> for F
where
    F: Fn(&'a mut Context, Next<'a>) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'a,
    Fut::Output: IntoResponse + 'static,
{
    type Output = Fut::Output;
    type Future = Fut;

    fn call_fn(&self, ctx: &'a mut Context, next: Next<'a>) -> Fut {
        self(ctx, next)
    }
}

impl<F> Middleware for F
where
    F: for<'a> MiddlewareFn<'a>,
{
    fn call<'a>(&'a self, ctx: &'a mut Context, next: Next<'a>) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let out = self.call_fn(&mut *ctx, next).await;
            out.apply_to(&mut ctx.res);
        })
    }
}

/// Makes a middleware of a closure that captures variables; see
/// [`handler_fn`](crate::handler_fn).
///
/// ```
/// use std::sync::Arc;
/// use rejoinder::{middleware_fn, App};
///
/// let name = Arc::new(String::from("rejoinder"));
/// let app = App::new().middleware(middleware_fn(move |ctx, next| {
///     let name = name.clone();
///     Box::pin(async move {
///         next.run(ctx).await;
///         let _ = ctx.res.set("x-served-by", name.as_str());
///     })
/// }));
/// # drop(app);
/// ```
pub fn middleware_fn<F, R>(f: F) -> F
where
    F: for<'a> Fn(&'a mut Context, Next<'a>) -> BoxFuture<'a, R> + Send + Sync + 'static,
    R: IntoResponse,
{
    f
}

/// A late handler: reads the request, may change the final response.
pub type LateHandler = dyn Fn(&Request, &mut Response) + Send + Sync;

/// The rest of the chain, handed to a middleware.
#[must_use = "the rest of the chain runs only when next.run(ctx) is awaited"]
#[derive(Clone, Copy)]
pub struct Next<'a> {
    middleware: &'a [Arc<dyn Middleware>],
    handler: &'a dyn Handler,
}

impl std::fmt::Debug for Next<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next")
            .field("remaining", &self.middleware.len())
            .finish_non_exhaustive()
    }
}

impl<'a> Next<'a> {
    pub(crate) fn new(middleware: &'a [Arc<dyn Middleware>], handler: &'a dyn Handler) -> Self {
        Next {
            middleware,
            handler,
        }
    }

    /// Runs the rest of the chain on `ctx`; afterwards `ctx.res` holds the
    /// response it produced. A panic inside is a 500 in `ctx.res`.
    pub async fn run(self, ctx: &'a mut Context) {
        guarded!(ctx, |c| self.start(c));
    }

    /// The future of the chain's next step (unguarded: the caller catches
    /// its panics).
    pub(crate) fn start(self, ctx: &'a mut Context) -> HandlerFuture<'a> {
        match self.middleware.split_first() {
            Some((first, rest)) => {
                HandlerFuture::from(first.call(ctx, Next::new(rest, self.handler)))
            }
            None => self.handler.call_inline(ctx),
        }
    }
}

/// A handler behind its own middleware (a route's or a nested router's).
pub(crate) struct Layered {
    pub(crate) middleware: Arc<[Arc<dyn Middleware>]>,
    pub(crate) handler: Arc<dyn Handler>,
}

impl Handler for Layered {
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        Box::pin(Next::new(&self.middleware, &*self.handler).run(ctx))
    }
}

/// Wraps `handler` in `middleware` (outermost first); no middleware leaves
/// it as it is.
pub(crate) fn layered(
    middleware: &[Arc<dyn Middleware>],
    handler: Arc<dyn Handler>,
) -> Arc<dyn Handler> {
    if middleware.is_empty() {
        handler
    } else {
        Arc::new(Layered {
            middleware: middleware.into(),
            handler,
        })
    }
}
