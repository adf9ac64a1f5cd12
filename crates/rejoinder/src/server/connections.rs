//! What serves the requests of a connection: an [`App`] (its pipeline
//! future polled in place, no box per request) or any tower `Service`
//! (cloned per request, as tower expects, with the per-request limits
//! applied around it). Both track their responses on the connection's
//! clock.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Either;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use rejoinder_core::{BoxError, ResBody};
use tokio::sync::watch;
use tower::ServiceExt;

use super::conn::{Tracked, Watched};
use super::drive::drive;
use super::hyper_app::{app_connection, Graceful};
use super::socket::Socket;
use super::sweeper::Watch;
use crate::app::App;
use crate::limits::Limits;
use crate::request::ConnectionInfo;

/// The socket hyper reads and writes.
pub(super) type Io = TokioIo<Watched<Socket>>;

/// A connection's task, once its socket is ready (after the TLS handshake).
/// The receiver only counts the connection as open (the server waits for
/// all of them to close when it stops gracefully).
pub(super) type ServeOne =
    Box<dyn FnOnce(Io, Arc<Watch>, watch::Receiver<()>, ConnectionInfo) -> ConnFuture + Send>;

/// A connection served to its end.
pub(super) type ConnFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A rejoinder answer (a limit's refusal) next to the service's responses.
fn answer<B>(
    mut res: rejoinder_core::Response,
    method: &http::Method,
    version: http::Version,
) -> http::Response<Either<B, ResBody>> {
    res.finalize(method, version).response.map(Either::Right)
}

/// Makes the task of each accepted connection.
pub(super) trait Connections: Send {
    /// The task for the next connection (cloning the service).
    fn next(&self, builder: &Arc<auto::Builder<TokioExecutor>>) -> ServeOne;
}

/// Serves an [`App`].
pub(super) struct AppConnections(pub(super) App);

impl Connections for AppConnections {
    fn next(&self, builder: &Arc<auto::Builder<TokioExecutor>>) -> ServeOne {
        let app = self.0.clone();
        let builder = builder.clone();
        Box::new(move |io: Io, watch: Arc<Watch>, open, info| {
            let peer = io.inner().stream().shared_tcp();
            let socket = io.into_inner();
            // Plain TCP: the inline HTTP/1.1 path, which hands over to
            // hyper what it does not serve itself.
            if matches!(socket.stream(), Socket::Tcp(_)) {
                let conn = super::inline::serve(app, socket, watch.clone(), info, builder);
                return Box::pin(drive(conn, |_| {}, watch, open, peer));
            }
            let conn = app_connection(
                &builder,
                TokioIo::new(socket),
                app,
                info,
                watch.state.clone(),
            );
            Box::pin(drive(conn, Graceful::graceful, watch, open, peer))
        })
    }
}

/// Serves any tower `Service`, with the URI, header-count and request-time
/// limits that an [`App`] applies itself.
pub(super) struct TowerConnections<S> {
    pub(super) service: S,
    pub(super) limits: Limits,
}

impl<S, B> Connections for TowerConnections<S>
where
    S: tower_service::Service<http::Request<Incoming>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn next(&self, builder: &Arc<auto::Builder<TokioExecutor>>) -> ServeOne {
        let svc = self.service.clone();
        let limits = self.limits;
        let builder = builder.clone();
        Box::new(move |io: Io, watch: Arc<Watch>, open, info| {
            let peer = io.inner().stream().shared_tcp();
            let requests = watch.state.clone();
            let service = hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
                let guard = requests.begin();
                req.extensions_mut().insert(info.clone());
                let refusal = limits
                    .refuse(req.uri(), req.headers())
                    .or_else(|| crate::app::host::refuse(req.version(), req.headers()));
                let (method, version) = (req.method().clone(), req.version());
                let called = svc.clone().oneshot(req);
                async move {
                    let body = match refusal {
                        Some(res) => answer(res, &method, version),
                        None => match limits.request_timeout {
                            None => called.await.map_err(Into::into)?.map(Either::Left),
                            Some(limit) => match tokio::time::timeout(limit, called).await {
                                Ok(res) => res.map_err(Into::into)?.map(Either::Left),
                                Err(_) => {
                                    tracing::warn!(
                                        ?limit,
                                        "request timed out; the service's future was dropped"
                                    );
                                    answer(Limits::timed_out(limit), &method, version)
                                }
                            },
                        },
                    };
                    Ok::<_, BoxError>(body.map(|b| Tracked::new(b, guard)))
                }
            });
            let conn = builder
                .serve_connection_with_upgrades(io, service)
                .into_owned();
            Box::pin(drive(conn, Graceful::graceful, watch, open, peer))
        })
    }
}

/// hyper's connection builder with the limits applied. `plain`: for plain
/// TCP connections, whose task notices a client that leaves in the middle
/// of a request itself (see `drive`), so hyper does not look for it.
///
/// hyper's own look reads the socket while the request holds slices of its
/// read buffer, so each request made hyper allocate a new 8 KiB buffer;
/// without it the buffer is reused (about 400 instructions and an
/// allocation per request, bench/proxy-instructions.sh). Under TLS the
/// socket carries records, so hyper keeps looking, through rustls.
pub(super) fn builder(limits: &Limits, plain: bool) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    let mut http1 = builder.http1();
    http1
        .timer(TokioTimer::new())
        // The connection's own clock (see `conn`) times the head from accept.
        .header_read_timeout(None)
        .keep_alive(true)
        // hyper reads no end of input in the middle of a request as the
        // client leaving: `drive` does (plain), or hyper does (TLS).
        .half_close(plain)
        // A head that does not fit the read buffer is answered 431.
        .max_buf_size(limits.max_head_size.max(crate::limits::MIN_HEAD_SIZE));
    if limits.max_headers != hyper_default::MAX_HEADERS {
        // hyper keeps 100 header slots on the stack; any other count moves
        // them to the heap, so it is only set when asked for.
        http1.max_headers(limits.max_headers);
    }
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(limits.max_head_size).unwrap_or(u32::MAX));
    builder
}

mod hyper_default {
    /// hyper's HTTP/1 header count limit.
    pub(super) const MAX_HEADERS: usize = 100;
}
