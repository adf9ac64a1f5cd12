//! Koa's onion: middleware that runs code before and after the rest of the
//! chain, and vapr's late handlers.
//!
//! A middleware takes the [`Context`] and a [`Next`]; `next.run(ctx)` runs
//! the inner middleware and the handler and gives the context back, with the
//! response they produced — still lazy, so it can be read and rewritten
//! (for example, turning camelCase JSON keys into snake_case). Owning the
//! context keeps the futures `Send` on stable Rust without boxing closures
//! by hand.
//!
//! Late handlers ([`App::late`](crate::App::late)) run after the handler
//! and every middleware, in registration order, with the request and the
//! final response (vapr's `req => res => …`).
//!
//! When the handler returns a value instead of its context, the context
//! handed back to the middleware holds the request as it arrived (head
//! only) and the handler's response; per-request state set by the handler
//! itself is not carried back.
//!
//! # Examples
//!
//! ```
//! use rejoinder::{App, Context, Next};
//!
//! let app = App::new()
//!     .middleware(|ctx: Context, next: Next| async move {
//!         let mut ctx = next.run(ctx).await;
//!         let _ = ctx.res.set("X-Handled-By", "rejoinder");
//!         ctx
//!     })
//!     .handler(|mut ctx: Context| async move {
//!         ctx.res.set_body("hi");
//!         ctx
//!     });
//! # drop(app);
//! ```

use std::future::Future;
use std::sync::Arc;

use rejoinder_core::Response;

use crate::app::{BoxFuture, Handler};
use crate::context::{Context, Request};

/// Koa-style middleware. Implemented for every
/// `Fn(Context, Next) -> impl Future<Output = Context> + Send`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a rejoinder middleware",
    note = "a middleware is `Fn(Context, Next) -> impl Future<Output = Context> + Send + 'static`, e.g. \
            `|ctx: Context, next: Next| async move {{ let ctx = next.run(ctx).await; ctx }}`"
)]
pub trait Middleware: Send + Sync + 'static {
    /// Runs this middleware around `next`.
    fn call(&self, ctx: Context, next: Next) -> BoxFuture<Context>;
}

impl<F, Fut> Middleware for F
where
    F: Fn(Context, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Context> + Send + 'static,
{
    fn call(&self, ctx: Context, next: Next) -> BoxFuture<Context> {
        Box::pin(self(ctx, next))
    }
}

/// A late handler: reads the request, may change the final response.
pub type LateHandler = dyn Fn(&Request, &mut Response) + Send + Sync;

pub(crate) struct Chain {
    pub(crate) middleware: Vec<Arc<dyn Middleware>>,
    pub(crate) handler: Arc<dyn Handler>,
}

/// The rest of the chain, handed to a middleware.
#[must_use = "the rest of the chain runs only when next.run(ctx) is awaited"]
pub struct Next {
    chain: Arc<Chain>,
    index: usize,
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next")
            .field("remaining", &(self.chain.middleware.len() - self.index))
            .finish()
    }
}

impl Next {
    pub(crate) fn start(chain: Arc<Chain>) -> Next {
        Next { chain, index: 0 }
    }

    /// Runs the rest of the chain and gives the context back with the
    /// response it produced.
    pub fn run(self, ctx: Context) -> BoxFuture<Context> {
        match self.chain.middleware.get(self.index).cloned() {
            Some(mw) => {
                let next = Next {
                    chain: self.chain.clone(),
                    index: self.index + 1,
                };
                mw.call(ctx, next)
            }
            None => {
                let handler = self.chain.handler.clone();
                Box::pin(async move {
                    use futures_util::FutureExt;
                    let keep = ctx.detach();
                    let method = ctx.req.method().clone();
                    let res = match std::panic::AssertUnwindSafe(handler.call(ctx))
                        .catch_unwind()
                        .await
                    {
                        Ok(res) => res,
                        Err(panic) => crate::app::panic_response(panic.as_ref(), &method),
                    };
                    keep.reattach(res)
                })
            }
        }
    }
}
