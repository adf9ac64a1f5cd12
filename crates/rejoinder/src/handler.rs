//! Handlers: async functions over `&mut Context`.
//!
//! A handler borrows the request's [`Context`] and may return anything that
//! is [`IntoResponse`]; the value is applied to `ctx.res` (an error replaces
//! the response, anything else is laid over it, `()` leaves it as it is —
//! see [`IntoResponse::apply_to`]). So both styles work, and mix:
//!
//! ```
//! use rejoinder::{Context, HttpError, Json};
//!
//! // Koa's style: shape the response in the context.
//! async fn koa(ctx: &mut Context) {
//!     ctx.res.set_body("hello");
//! }
//!
//! // axum's style: return the answer.
//! async fn axum(ctx: &mut Context) -> Result<Json<serde_json::Value>, HttpError> {
//!     let body: serde_json::Value = ctx.req.json().await?;
//!     Ok(Json(body))
//! }
//! ```
//!
//! For early returns, [`Abort`](rejoinder_core::Abort) is the one error
//! type every failure converts into with `?`: an `HttpError` (Boom), any
//! `std::error::Error` (a 500 that hides its text), and the early endings
//! that carry a finished response (`abort`, `exit`, `error`, downloads). A
//! handler returning `Result<T, Abort>` can use `?` on all of them.
//!
//! Async closures work the same way (`async |ctx: &mut Context| "hi"`). A
//! closure that captures variables cannot lend its captures to the future it
//! returns on stable Rust ("async closure does not implement `Fn` because it
//! captures state"): put shared values in `App::state`,
//! or write the closure with [`handler_fn`], returning a boxed future.
//!
//! # Design
//!
//! The context is borrowed, not owned: see [`context`](crate::context). The
//! borrow is what lets one context run through the whole chain; its price
//! is one boxed future per handler (and per middleware) call, which is also
//! what erasing the handler's type costs anyway. The `&mut Context` shape
//! rather than an `AsyncFn` bound is deliberate: on stable Rust the future
//! of an `AsyncFn` cannot be required to be `Send`, while
//! `Fn(&'a mut Context) -> impl Future + Send + 'a`, which async functions
//! and non-capturing async closures satisfy, can.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rejoinder_core::IntoResponse;

use crate::context::Context;

/// A boxed, sendable future borrowing for `'a`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The most bytes a handler's future may take to be stored inline in the
/// request's future instead of boxed. Larger futures are boxed. The request
/// future (with this space in it) is moved a few times on its way into
/// hyper, so this is kept to what simple handlers need.
pub const INLINE_FUTURE: usize = 64;

/// A handler's future as the chain runs it: inline when it fits in
/// [`INLINE_FUTURE`] bytes (no allocation), else boxed.
#[doc(hidden)]
pub type HandlerFuture<'a> = stackfuture::StackFuture<'a, (), INLINE_FUTURE>;

/// Something that answers requests: reads `ctx.req`, shapes `ctx.res`.
///
/// Implemented for every `async fn(&mut Context) -> impl IntoResponse` and
/// every async closure of that shape (see [`HandlerFn`]), for the
/// `Router`, `ServeDir` and
/// [`flushable`] handlers. Implement it by hand for a handler type of your
/// own:
///
/// ```
/// use rejoinder::{BoxFuture, Context, Handler};
///
/// struct Fixed(&'static str);
///
/// impl Handler for Fixed {
///     fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
///         ctx.res.set_body(self.0);
///         Box::pin(async {})
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a rejoinder handler",
    label = "not a handler",
    note = "a handler is `async fn(ctx: &mut Context) -> R` or `async |ctx: &mut Context| ...`, \
            where R is a response (`()` keeps the one in `ctx.res`)",
    note = "a closure that captures variables cannot be an async closure handler on stable Rust: \
            put shared values in App::state, or use rejoinder::handler_fn(move |ctx| {{ let x = \
            x.clone(); Box::pin(async move {{ ... }}) }})"
)]
pub trait Handler: Send + Sync + 'static {
    /// Handles the request in `ctx`, leaving the answer in `ctx.res`.
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()>;

    /// [`call`](Self::call), with the future stored inline when it is
    /// small: what the chain calls. Handler functions implement it without
    /// a box; a hand-written handler need not (its boxed future is stored
    /// as it is).
    #[doc(hidden)]
    fn call_inline<'a>(&'a self, ctx: &'a mut Context) -> HandlerFuture<'a> {
        HandlerFuture::from(self.call(ctx))
    }
}

/// The shape of a handler function: `Fn(&'a mut Context) -> impl Future +
/// Send + 'a` whose output is [`IntoResponse`]. Implemented for every such
/// function; it exists so that [`Handler`] can be implemented for them
/// (the future's type depends on the borrow's lifetime, which a plain
/// generic parameter cannot express). Not meant to be implemented by hand.
pub trait HandlerFn<'a>: Send + Sync + 'static {
    /// What the handler returns.
    type Output: IntoResponse + 'static;
    /// The handler's future.
    type Future: Future<Output = Self::Output> + Send + 'a;

    /// Calls the function.
    fn call_fn(&self, ctx: &'a mut Context) -> Self::Future;
}

impl<'a, F, Fut> HandlerFn<'a> for F
where
    F: Fn(&'a mut Context) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'a,
    Fut::Output: IntoResponse + 'static,
{
    type Output = Fut::Output;
    type Future = Fut;

    fn call_fn(&self, ctx: &'a mut Context) -> Fut {
        self(ctx)
    }
}

impl<F> Handler for F
where
    F: for<'a> HandlerFn<'a>,
{
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let out = self.call_fn(&mut *ctx).await;
            out.apply_to(&mut ctx.res);
        })
    }

    fn call_inline<'a>(&'a self, ctx: &'a mut Context) -> HandlerFuture<'a> {
        HandlerFuture::from_or_box(async move {
            let out = self.call_fn(&mut *ctx).await;
            out.apply_to(&mut ctx.res);
        })
    }
}

/// Makes a handler of a closure that captures variables: the closure
/// returns a boxed future (`Box::pin(async move { … })`), which may use
/// both the context and the closure's clones.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use rejoinder::{handler_fn, App};
///
/// let hits = Arc::new(AtomicUsize::new(0));
/// let app = App::new().handler(handler_fn(move |ctx| {
///     let hits = hits.clone();
///     Box::pin(async move {
///         let n = hits.fetch_add(1, Ordering::Relaxed) + 1;
///         ctx.res.set_body(format!("visit {n}"));
///     })
/// }));
/// # drop(app);
/// ```
pub fn handler_fn<F, R>(f: F) -> F
where
    F: for<'a> Fn(&'a mut Context) -> BoxFuture<'a, R> + Send + Sync + 'static,
    R: IntoResponse,
{
    f
}

/// Runs `$call` (an expression over the reborrowed context `$c`) on
/// `$ctx`; a panic becomes a 500 in `ctx.res` (the panic is logged and kept
/// as the response's error cause) and the context stays whole.
macro_rules! guarded {
    ($ctx:expr, |$c:ident| $call:expr) => {{
        use futures_util::FutureExt as _;
        let outcome = {
            let $c = &mut *$ctx;
            std::panic::AssertUnwindSafe($call).catch_unwind().await
        };
        if let Err(panic) = outcome {
            $ctx.res = $crate::panic::panic_response(panic.as_ref(), $ctx.req.method());
        }
    }};
}
pub(crate) use guarded;

/// A future that is already done, boxed without allocating (it has no
/// size).
pub(crate) fn done<'a>() -> BoxFuture<'a, ()> {
    Box::pin(std::future::ready(()))
}

/// Wraps a handler so it may call [`Context::flush_headers`]: the response
/// goes out when the handler flushes, while the handler keeps running (for
/// server-sent events). Only wrapped handlers pay for the channel and the
/// task this needs.
///
/// After a flush the handler goes on in a task of its own with the
/// context; the middleware around it sees the flushed response (its
/// headers can no longer change) and a copy of the request, parameters and
/// state.
///
/// ```
/// use rejoinder::{flushable, App, Body, Context, HttpError};
///
/// let app = App::new().handler(flushable(async |ctx: &mut Context| {
///     let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(8);
///     ctx.res.set_type("text/event-stream")?;
///     ctx.res.set_body(Body::stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))));
///     ctx.flush_headers().await?;
///     let _ = tx.send(Ok("data: hello\n\n".into())).await;
///     Ok::<_, HttpError>(())
/// }));
/// # drop(app);
/// ```
pub fn flushable<H: Handler>(handler: H) -> Flushable<H> {
    Flushable(Arc::new(handler))
}

/// A handler that may flush its headers early; see [`flushable`].
#[derive(Debug)]
pub struct Flushable<H>(Arc<H>);

impl<H> Clone for Flushable<H> {
    fn clone(&self) -> Self {
        Flushable(self.0.clone())
    }
}

impl<H: Handler> Handler for Flushable<H> {
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        use futures_util::future::{select, Either};
        let handler = self.0.clone();
        Box::pin(async move {
            let (flush_tx, flush_rx) = tokio::sync::oneshot::channel();
            let mut owned = ctx.take_for_flush();
            owned.set_flusher(flush_tx);
            // The handler runs in a task of its own so that it can go on
            // after the flushed response has been handed back.
            let task = tokio::spawn(async move {
                let ctx = &mut owned;
                guarded!(ctx, |c| handler.call(c));
                owned
            });
            match select(task, flush_rx).await {
                Either::Left((finished, _)) => match finished {
                    Ok(owned) => *ctx = owned,
                    Err(e) => {
                        ctx.res = crate::panic::panic_response(&e.to_string(), ctx.req.method())
                    }
                },
                Either::Right((Ok(flushed), _)) => ctx.res = flushed,
                Either::Right((Err(_), task)) => match task.await {
                    Ok(owned) => *ctx = owned,
                    Err(e) => {
                        ctx.res = crate::panic::panic_response(&e.to_string(), ctx.req.method())
                    }
                },
            }
        })
    }
}

/// `inner`, with a request body limit of its own (`Router::body_limit`).
pub(crate) fn limited(limit: usize, inner: Arc<dyn Handler>) -> Arc<dyn Handler> {
    Arc::new(Limited { limit, inner })
}

struct Limited {
    limit: usize,
    inner: Arc<dyn Handler>,
}

impl Handler for Limited {
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        ctx.req.set_body_limit(self.limit);
        self.inner.call(ctx)
    }

    fn call_inline<'a>(&'a self, ctx: &'a mut Context) -> HandlerFuture<'a> {
        ctx.req.set_body_limit(self.limit);
        self.inner.call_inline(ctx)
    }
}
