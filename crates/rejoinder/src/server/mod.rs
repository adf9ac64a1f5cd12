//! Serving over TCP: an [`App`] ([`App::listen`], [`App::serve`]) or any
//! tower `Service` ([`serve`]) — HTTP/1.1 and HTTP/2 on one port,
//! keep-alive, the connection limits (head timeout from accept, idle
//! timeout, head size, a connection cap; see [`limits`](crate::limits)),
//! accept errors that never stop the server, and graceful shutdown.
//!
//! # Examples
//!
//! A tower-layered app served with all of the above:
//!
//! ```no_run
//! use rejoinder::{App, Context, Router};
//! use tower::ServiceBuilder;
//!
//! # async fn run() -> std::io::Result<()> {
//! let app = App::new().router(Router::new().get("/", async |_: &mut Context| "hello"));
//! let service = ServiceBuilder::new()
//!     .map_response(|res: http::Response<_>| res)
//!     .service(app);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! rejoinder::serve(listener, service)
//!     .with_graceful_shutdown(rejoinder::shutdown_signal())
//!     .await
//! # }
//! ```

mod accept;
mod clock;
mod conn;
mod connections;
mod drive;
mod hyper_app;
mod inline;
mod socket;
mod sweeper;

use std::future::{Future, IntoFuture};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rejoinder_core::BoxError;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::{watch, Semaphore};

use self::accept::{is_per_connection, refuse, ACCEPT_BACKOFF, REFUSALS_AT_ONCE};
use self::conn::{ConnState, Watched};
use self::connections::{builder, AppConnections, Connections, TowerConnections};
use self::socket::{SharedTcp, Socket};
use self::sweeper::Sweeper;
use crate::app::App;
use crate::limits::Limits;
use crate::request::ConnectionInfo;

type Signal = Pin<Box<dyn Future<Output = ()> + Send>>;

impl App {
    /// Binds `addr` and serves until Ctrl-C or SIGTERM, then stops accepting
    /// and lets in-flight responses finish (up to the shutdown timeout).
    ///
    /// # Errors
    ///
    /// Binding failed.
    pub async fn listen(self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let listener = TcpListener::bind(addr).await?;
        self.serve(listener)
            .with_graceful_shutdown(shutdown_signal())
            .await
    }

    /// Serves on a bound listener with the app's limits. Await the returned
    /// [`Serve`]; give it a shutdown signal with
    /// [`Serve::with_graceful_shutdown`].
    pub fn serve(self, listener: TcpListener) -> Serve {
        let limits = *self.limits();
        Serve::new(listener, Box::new(AppConnections(self)), limits)
    }

    /// [`listen`](Self::listen) over TLS (feature `tls`): see
    /// [`tls`](crate::tls).
    ///
    /// # Errors
    ///
    /// Binding failed.
    #[cfg(feature = "tls")]
    pub async fn listen_tls(
        self,
        addr: impl ToSocketAddrs,
        config: impl Into<Arc<crate::tls::ServerConfig>>,
    ) -> io::Result<()> {
        let listener = TcpListener::bind(addr).await?;
        self.serve(listener)
            .tls(config)
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

/// Serves any tower `Service` of `http::Request<hyper::body::Incoming>` —
/// an [`App`] wrapped in tower or tower-http layers, an axum `Router`, a
/// `service_fn` — with rejoinder's connection handling: HTTP/1.1 and HTTP/2,
/// the limits (set on the returned [`Serve`]; the defaults are those of
/// docs/limits.md), accept errors that never stop the server, and graceful
/// shutdown. The service is cloned for each request, as tower services
/// expect.
///
/// Requests over the URI or header-count limit are answered 414/431
/// without calling the service, as are requests whose `Host` breaks
/// RFC 9112 §3.2 (400: an HTTP/1.1 request without one, two of them, or a
/// value that is not a host and port), and with a request timeout set the
/// service's future is dropped and answered 503 past it.
pub fn serve<S, B>(listener: TcpListener, service: S) -> Serve
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
    let limits = Limits::default();
    Serve::new(
        listener,
        Box::new(TowerConnections { service, limits }),
        limits,
    )
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received");
}

/// A server on a listener; a future that ends when the server has shut
/// down. Made by [`App::serve`] or [`serve`].
#[must_use = "futures do nothing unless awaited"]
pub struct Serve {
    connections: Box<dyn Connections>,
    listener: TcpListener,
    signal: Option<Signal>,
    limits: Limits,
    #[cfg(feature = "tls")]
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl std::fmt::Debug for Serve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Serve {
    fn new(listener: TcpListener, connections: Box<dyn Connections>, limits: Limits) -> Self {
        Serve {
            connections,
            listener,
            signal: None,
            limits,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// Serves HTTPS with this rustls config (feature `tls`; see
    /// [`tls`](crate::tls)). ALPN offers `h2` and `http/1.1` when the
    /// config names no protocol. The handshake counts toward the head
    /// timeout.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, config: impl Into<Arc<crate::tls::ServerConfig>>) -> Self {
        self.tls = Some(crate::tls::acceptor(config.into()));
        self
    }

    /// Stops accepting when `signal` resolves, then waits for open
    /// connections to finish their in-flight responses.
    pub fn with_graceful_shutdown(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.signal = Some(Box::pin(signal));
        self
    }

    /// The head read timeout (see [`App::header_read_timeout`]).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// The keep-alive idle timeout (see [`App::keep_alive_timeout`]).
    pub fn keep_alive_timeout(mut self, timeout: Duration) -> Self {
        self.limits.keep_alive_timeout = timeout;
        self
    }

    /// The largest request head (see [`App::max_head_size`]).
    pub fn max_head_size(mut self, bytes: usize) -> Self {
        self.limits.max_head_size = bytes.max(crate::limits::MIN_HEAD_SIZE);
        self
    }

    /// The connection cap (see [`App::max_connections`]).
    pub fn max_connections(mut self, count: usize) -> Self {
        self.limits.max_connections = Some(count.max(1));
        self
    }

    /// How long a graceful shutdown waits (see [`App::shutdown_timeout`]).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.limits.shutdown_timeout = timeout;
        self
    }

    async fn run(self) -> io::Result<()> {
        let Serve {
            connections,
            listener,
            signal,
            limits,
            #[cfg(feature = "tls")]
            tls,
        } = self;
        let local = listener.local_addr().ok();
        let mut signal = signal.unwrap_or_else(|| Box::pin(std::future::pending()));
        let plain_builder = Arc::new(builder(&limits, true));
        let tls_builder = Arc::new(builder(&limits, false));
        let cap = Arc::new(Semaphore::new(limits.connection_cap()));
        let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
        let sweeper = Sweeper::start(limits.header_read_timeout, limits.keep_alive_timeout)?;
        // Each connection holds a receiver; `closed` tells when all are gone.
        let (open, opened) = watch::channel(());
        loop {
            let accepted = tokio::select! {
                biased;
                () = &mut signal => break,
                accepted = listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) if is_per_connection(&e) => continue,
                Err(e) => {
                    // Out of descriptors (EMFILE/ENFILE) and the like: the
                    // open connections go on being served on their own tasks;
                    // accepting resumes once descriptors free up.
                    tracing::warn!(error = %e, "accept failed; retrying in 50 ms");
                    tokio::select! {
                        biased;
                        () = &mut signal => break,
                        () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    }
                }
            };
            let Ok(permit) = cap.clone().try_acquire_owned() else {
                refuse(stream, &refusals);
                continue;
            };
            let _ = stream.set_nodelay(true);
            #[cfg(feature = "tls")]
            let plain = tls.is_none();
            #[cfg(not(feature = "tls"))]
            let plain = true;
            let state =
                ConnState::new(limits.header_read_timeout, limits.keep_alive_timeout, plain);
            let serve_one = connections.next(if plain { &plain_builder } else { &tls_builder });
            let watch = sweeper.watch(state.clone());
            let open_one = opened.clone();
            #[cfg(feature = "tls")]
            if let Some(tls) = tls.clone() {
                tokio::spawn(async move {
                    let Some((socket, info)) = handshake(tls, stream, peer, local, &limits).await
                    else {
                        return;
                    };
                    let io = TokioIo::new(Watched::new(socket, state, permit));
                    serve_one(io, watch, open_one, info).await;
                });
                continue;
            }
            // Plain TCP: the connection's future is the task itself (no
            // wrapper to poll on every wake-up).
            let info = ConnectionInfo::new(Some(peer), local);
            let io = TokioIo::new(Watched::new(
                Socket::Tcp(SharedTcp::new(stream)),
                state,
                permit,
            ));
            tokio::spawn(serve_one(io, watch, open_one, info));
        }
        drop(listener);
        drop(opened);
        sweeper.tell_all(sweeper::GRACEFUL);
        tokio::select! {
            () = open.closed() => {}
            () = tokio::time::sleep(limits.shutdown_timeout) => {
                tracing::warn!("graceful shutdown timed out; closing remaining connections");
                sweeper.tell_all(sweeper::NOW);
            }
        }
        Ok(())
    }
}

/// The connection's TLS socket once the handshake is done within the head
/// timeout (`None`: it failed or took too long).
#[cfg(feature = "tls")]
async fn handshake(
    acceptor: tokio_rustls::TlsAcceptor,
    stream: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    local: Option<std::net::SocketAddr>,
    limits: &Limits,
) -> Option<(Socket, ConnectionInfo)> {
    match tokio::time::timeout(
        limits.header_read_timeout,
        acceptor.accept(SharedTcp::new(stream)),
    )
    .await
    {
        Ok(Ok(stream)) => {
            let session = stream.get_ref().1;
            let info = ConnectionInfo::tls(
                Some(peer),
                local,
                session.alpn_protocol().map(<[u8]>::to_vec),
                session.server_name().map(str::to_owned),
            );
            Some((Socket::Tls(Box::new(stream)), info))
        }
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(%peer, "TLS handshake not done within the head timeout");
            None
        }
    }
}

impl IntoFuture for Serve {
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}
