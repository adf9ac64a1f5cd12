//! Serving an [`App`] over TCP: HTTP/1.1 and HTTP/2 on one port, keep-alive,
//! a header-read timeout, and graceful shutdown.

use std::convert::Infallible;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::Pin;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, ToSocketAddrs};

use crate::app::App;
use crate::request::RequestBody;

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

    /// Serves on a bound listener. Await the returned [`Serve`]; give it a
    /// shutdown signal with [`Serve::with_graceful_shutdown`].
    pub fn serve(self, listener: TcpListener) -> Serve {
        Serve {
            app: self,
            listener,
            signal: None,
        }
    }
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

/// A server running an [`App`] on a listener; a future that ends when the
/// server has shut down.
#[must_use = "futures do nothing unless awaited"]
pub struct Serve {
    app: App,
    listener: TcpListener,
    signal: Option<Signal>,
}

impl std::fmt::Debug for Serve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}

impl Serve {
    /// Stops accepting when `signal` resolves, then waits for open
    /// connections to finish their in-flight responses.
    pub fn with_graceful_shutdown(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.signal = Some(Box::pin(signal));
        self
    }

    async fn run(self) -> io::Result<()> {
        let Serve {
            app,
            listener,
            signal,
        } = self;
        let mut signal = signal.unwrap_or_else(|| Box::pin(std::future::pending()));
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(app.config().header_read_timeout)
            .keep_alive(true);
        builder.http2().timer(TokioTimer::new());
        let graceful = GracefulShutdown::new();
        let shutdown_timeout = app.config().shutdown_timeout;
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, _peer) = match accepted {
                        Ok(conn) => conn,
                        Err(e) => {
                            // Out of descriptors and similar: back off, keep serving.
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    // An app is one `Arc`: a connection and each of its
                    // requests clone a pointer.
                    let app = app.clone();
                    let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
                        let app = app.clone();
                        async move { Ok::<_, Infallible>(app.handle(req.map(RequestBody::from)).await) }
                    });
                    let conn = builder
                        .serve_connection_with_upgrades(TokioIo::new(stream), service)
                        .into_owned();
                    let conn = graceful.watch(conn);
                    tokio::spawn(async move {
                        if let Err(e) = conn.await {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                    });
                }
                () = &mut signal => break,
            }
        }
        drop(listener);
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(shutdown_timeout) => {
                tracing::warn!("graceful shutdown timed out; closing remaining connections");
            }
        }
        Ok(())
    }
}

impl IntoFuture for Serve {
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}
