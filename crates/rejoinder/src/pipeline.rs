//! One request through an app: the context is made, the request checked
//! against the limits, the middleware chain and the handler run on it (within
//! the request timeout), then late handlers, conditional requests, the
//! request id, header filters, finalize, body filters and the log phase.

use std::future::Future;

use bytes::Bytes;
use rejoinder_core::{ResBody, Response};

use crate::app::App;
use crate::context::Context;
use crate::middleware::Next;
use crate::request::{ConnectionInfo, RequestBody};

impl App {
    /// Runs one request through the app and returns what goes on the wire.
    ///
    /// A handler that panics yields a 500 (the panic is logged) and the app
    /// keeps serving. Layers added with [`App::layer`] wrap all of it. The
    /// future owns what it needs (it holds a clone of the app), so it may be
    /// spawned.
    pub fn handle(
        &self,
        req: http::Request<RequestBody>,
    ) -> impl Future<Output = http::Response<ResBody>> + Send + 'static {
        self.clone().respond(req, None, std::convert::identity)
    }

    /// [`handle`](Self::handle) for a request of a server's connection,
    /// with `finish` applied to the response in the same future (the
    /// connection's tracking), so that the future hyper holds is this one,
    /// not a wrapper it was moved into.
    ///
    /// Not an `async fn`: the context is made here, so the future holds it
    /// and not the request it was made from too (an `async fn` keeps its
    /// arguments for its whole life), which keeps the future small for the
    /// moves into hyper's slot.
    pub(crate) fn respond<B, R, F>(
        self,
        req: http::Request<B>,
        conn: Option<ConnectionInfo>,
        finish: F,
    ) -> impl Future<Output = R> + Send + 'static
    where
        RequestBody: From<B>,
        F: FnOnce(http::Response<ResBody>) -> R + Send + 'static,
        R: 'static,
    {
        // Taken apart once: the head goes into the context as it is. An
        // app with tower layers takes the request back out of it, in the
        // same future (one future type for both: nothing to choose on
        // every poll).
        let (head, body) = req.into_parts();
        self.respond_parts(head, RequestBody::from(body), conn, finish)
    }

    /// [`respond`](Self::respond) for a request already in parts (the
    /// inline HTTP/1.1 path parses into them: one move of the head fewer).
    pub(crate) fn respond_parts<R, F>(
        self,
        head: http::request::Parts,
        body: RequestBody,
        conn: Option<ConnectionInfo>,
        finish: F,
    ) -> impl Future<Output = R> + Send + 'static
    where
        F: FnOnce(http::Response<ResBody>) -> R + Send + 'static,
        R: 'static,
    {
        let ctx = Context::from_parts(head, body, self.inner.shared.clone(), conn);
        pipeline(self, ctx, finish)
    }

    /// The pipeline itself, inside any layers.
    pub(crate) fn run(
        self,
        req: http::Request<RequestBody>,
        conn: Option<ConnectionInfo>,
    ) -> impl Future<Output = http::Response<ResBody>> + Send + 'static {
        self.respond(req, conn, std::convert::identity)
    }
}

/// The app's tower stack around its pipeline.
async fn layered(app: App, req: http::Request<RequestBody>) -> http::Response<ResBody> {
    use tower::ServiceExt;
    match app.stack().clone().oneshot(req).await {
        Ok(res) => res,
        Err(e) => crate::layers::layer_failed(&e),
    }
}

/// One request's context through the app. A plain `fn` returning an
/// `async` block, not an `async fn`: an `async fn` moves its arguments into
/// locals and so holds the context twice (632 bytes more to move per move).
#[allow(clippy::manual_async_fn)]
fn pipeline<R, F>(app: App, mut ctx: Context, finish: F) -> impl Future<Output = R> + Send
where
    F: FnOnce(http::Response<ResBody>) -> R + Send,
{
    async move {
        if !app.inner.layers.is_empty() {
            // Boxed: layered apps box their stack's future anyway.
            let req = ctx.req.take_http();
            return finish(Box::pin(layered(app, req)).await);
        }
        let inner = &*app.inner;
        let span = crate::trace::request_span(&ctx.req);
        let traced = !span.is_disabled();
        // The span and the start time, boxed: only the log phase and a
        // subscriber that takes the span need them, and they would make
        // every request's future larger.
        // Moved or dropped in both branches: the span is not kept in the
        // future beside the box.
        let watch = if inner.log.is_some() || traced {
            Some(Box::new((span, std::time::Instant::now())))
        } else {
            drop(span);
            None
        };
        // The refusal is moved out before any await: a temporary of the
        // `if let` would live in the future across the handler's await.
        let refusal = inner
            .limits
            .refuse(ctx.req.uri(), ctx.req.headers())
            .or_else(|| {
                // A server's request only: what the server read off the
                // wire. An app called as a tower service or through the
                // test client leaves the Host to its caller, as hyper does.
                ctx.req.connection()?;
                crate::app::host::refuse(ctx.req.version(), ctx.req.headers())
            });
        let refused = match refusal {
            Some(refusal) => {
                ctx.res = refusal;
                true
            }
            None => false,
        };
        if !refused {
            let chain = Next::new(&inner.middleware, &inner.handler);
            match (inner.limits.request_timeout, traced) {
                // The common case, with nothing around the chain: no span
                // to enter on every poll, no timer, the chain's first
                // future awaited in place.
                (None, false) => {
                    let c = &mut ctx;
                    crate::handler::guarded!(c, |c| chain.start(c));
                }
                // Boxed: the span would make every request's future larger.
                (None, true) => {
                    let chain = chain.run(&mut ctx);
                    Box::pin(tracing::Instrument::instrument(chain, span_of(&watch))).await;
                }
                (Some(limit), _) => {
                    // Boxed: the timer would make every request's future
                    // (moved several times on its way into hyper) larger.
                    let chain =
                        tracing::Instrument::instrument(chain.run(&mut ctx), span_of(&watch));
                    if Box::pin(tokio::time::timeout(limit, chain)).await.is_err() {
                        tracing::warn!(?limit, "request timed out; the handler was dropped");
                        ctx.res = crate::limits::Limits::timed_out(limit);
                    }
                }
            }
        }
        for handler in &inner.late {
            crate::panic::catch("a late handler", || handler(&ctx.req, &mut ctx.res));
        }
        if let Some(on_error) = ctx.res.take_stream_error_handler() {
            // Boxed, as the timeout above: rare, and kept out of the size.
            Box::pin(first_chunk_or_error(&mut ctx.res, &on_error)).await;
        }
        rejoinder_core::conditional::apply(&mut ctx.res, ctx.req.method(), ctx.req.headers());
        // The request id goes out when it was used, or will be (the log
        // phase, the span), or the app sends it always.
        let id = if inner.echo_request_id || inner.log.is_some() || traced {
            Some(ctx.req.id_value())
        } else {
            ctx.req.id_if_used()
        };
        if let Some(id) = id {
            if let http::header::Entry::Vacant(slot) =
                ctx.res.headers_mut().entry(crate::request_id::X_REQUEST_ID)
            {
                slot.insert(id.clone());
            }
        }
        if !inner.header_filters.is_empty() {
            crate::phases::run_header_filters(&inner.header_filters, &mut ctx.res);
        }
        if let Some(body) = ctx.req.unread_body() {
            crate::request::linger(body, ctx.req.expects_continue());
        }
        let source = ctx.res.source();
        let logged = inner.log.is_some() || traced;
        let cause = if logged {
            ctx.res.error_cause_shared()
        } else {
            None
        };
        if ctx.res.headers().is_empty() {
            // Nothing reads the request's headers from here on (the id,
            // if the log phase needs it, is made above): the response
            // takes their map's storage, so its first header (the
            // inferred type) allocates nothing, and the request's map is
            // not freed here. Two allocations less per such request.
            ctx.req.swap_header_storage(ctx.res.headers_mut());
        }
        let fin = ctx.res.finalize(ctx.req.method(), ctx.req.version());
        let mut response = fin.response;
        let has_body = ctx.req.method() != http::Method::HEAD
            && !rejoinder_core::status::is_empty(response.status().as_u16());
        if let (Some(filters), true) = (&inner.body_filters, has_body) {
            let body = std::mem::replace(response.body_mut(), ResBody::empty());
            *response.body_mut() = filters.apply(body);
            // A filter may change a streamed body's length: a Content-Length
            // set for it (a proxied response's) no longer holds, unless
            // every filter keeps the length (the body still says so).
            if http_body::Body::size_hint(response.body())
                .exact()
                .is_none()
            {
                response.headers_mut().remove(http::header::CONTENT_LENGTH);
            }
        }
        if let (true, Some(watch)) = (traced, &watch) {
            crate::trace::record_head(&watch.0, response.status().as_u16(), source.as_str());
        }
        if let (true, Some(watch)) = (logged, watch) {
            let entry = crate::phases::LogEntry {
                method: ctx.req.method().clone(),
                path: ctx.req.path().to_owned(),
                request_id: ctx.req.id().to_owned(),
                status: response.status().as_u16(),
                bytes_sent: 0,
                duration: std::time::Duration::ZERO,
                source,
                error_cause: cause,
                completed: false,
            };
            let body = std::mem::replace(response.body_mut(), ResBody::empty());
            let (span, started) = *watch;
            let logged = crate::phases::Logged::new(body, entry, started, inner.log.clone(), span);
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
        finish(response)
    }
}

/// The request's span, kept with its start time when something needs it.
fn span_of(watch: &Option<Box<(tracing::Span, std::time::Instant)>>) -> tracing::Span {
    watch
        .as_ref()
        .map_or_else(tracing::Span::none, |w| w.0.clone())
}

/// Polls a stream body's first chunk before the headers go out, so an early
/// failure can still become an error response.
async fn first_chunk_or_error(
    res: &mut Response,
    on_error: &rejoinder_core::response::StreamErrorHandler,
) {
    use futures_util::StreamExt;
    let Some(rejoinder_core::Body::Stream(mut stream)) = res.take_body() else {
        return;
    };
    match stream.next().await {
        Some(Ok(first)) => {
            let rest = futures_util::stream::once(async move { Ok(first) }).chain(stream);
            res.set_body(rejoinder_core::Body::stream(rest));
        }
        Some(Err(e)) => {
            let (message, status) = on_error(&e);
            tracing::error!(error = %e, status, "stream failed before its first byte");
            let status = rejoinder_core::status::Range::Any
                .check(status)
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            let mut err = Response::from_error(status, StreamFailed(e.to_string()));
            err.set_type(rejoinder_core::mime::TEXT_PLAIN_UTF_8);
            err.set_body(message);
            *res = err;
        }
        None => {
            res.set_body(rejoinder_core::Body::Bytes(Bytes::new()));
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
