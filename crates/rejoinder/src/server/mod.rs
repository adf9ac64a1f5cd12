//! Serving an [`App`] over TCP: HTTP/1.1 and HTTP/2 on one port, keep-alive,
//! the connection limits (head timeout from accept, idle timeout, head size,
//! a connection cap; see [`limits`](crate::limits)), accept errors that never
//! stop the server, and graceful shutdown.

mod conn;

use std::convert::Infallible;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{watch, Semaphore};
use tokio::time::Instant;

use self::conn::{ConnState, Tracked, Wait, Watched};
use crate::app::App;
use crate::limits::Limits;
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
        let limits = *app.limits();
        let builder = builder(&limits);
        let cap = Arc::new(Semaphore::new(limits.connection_cap()));
        let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
        let (stop, stopped) = watch::channel(Stop::Serving);
        loop {
            let accepted = tokio::select! {
                biased;
                () = &mut signal => break,
                accepted = listener.accept() => accepted,
            };
            let stream = match accepted {
                Ok((stream, _peer)) => stream,
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
            let state = ConnState::new(limits.header_read_timeout, limits.keep_alive_timeout);
            let io = TokioIo::new(Watched::new(stream, state.clone(), permit));
            // An app is one `Arc`: a connection and each of its requests
            // clone a pointer.
            let app = app.clone();
            let requests = state.clone();
            let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
                let app = app.clone();
                let guard = requests.begin();
                async move {
                    let res = app.handle(req.map(RequestBody::from)).await;
                    Ok::<_, Infallible>(res.map(|body| Tracked::new(body, guard)))
                }
            });
            let conn = builder
                .serve_connection_with_upgrades(io, service)
                .into_owned();
            tokio::spawn(drive(
                conn,
                |c| c.graceful_shutdown(),
                state,
                stopped.clone(),
            ));
        }
        drop(listener);
        drop(stopped);
        let _ = stop.send(Stop::Graceful);
        tokio::select! {
            () = stop.closed() => {}
            () = tokio::time::sleep(limits.shutdown_timeout) => {
                tracing::warn!("graceful shutdown timed out; closing remaining connections");
                let _ = stop.send(Stop::Now);
            }
        }
        Ok(())
    }
}

/// How many refused connections may be waiting for their 503 to be written.
const REFUSALS_AT_ONCE: usize = 64;

/// How long accept waits after a failure that is not one connection's.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How long an idle connection told to close may take to do so.
const CLOSING_GRACE: Duration = Duration::from_secs(1);

/// What the server tells its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Serving,
    /// Finish the requests in flight, then close.
    Graceful,
    /// Close now.
    Now,
}

/// hyper's connection builder with the limits applied.
fn builder(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    let mut http1 = builder.http1();
    http1
        .timer(TokioTimer::new())
        // The connection's own clock (see `conn`) times the head from accept.
        .header_read_timeout(None)
        .keep_alive(true)
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

/// Accept errors that concern one connection (it was reset before it was
/// accepted); the next accept is tried at once.
fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}

/// Answers a connection over the cap with a 503 and closes it. Refusals are
/// bounded too: past [`REFUSALS_AT_ONCE`] the socket is closed unanswered.
fn refuse(stream: TcpStream, refusals: &Arc<Semaphore>) {
    const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
        content-type: text/plain; charset=utf-8\r\n\
        content-length: 47\r\n\
        retry-after: 1\r\n\
        connection: close\r\n\r\n\
        the server is at its limit of open connections\n";
    tracing::warn!("connection refused: the server is at its connection limit");
    let Ok(permit) = refusals.clone().try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let _permit = permit;
        let mut stream = stream;
        let answered = async {
            stream.write_all(REFUSAL).await?;
            stream.shutdown().await?;
            // Read what the client sent so closing does not reset the
            // connection before it has read the answer.
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).await? > 0 {}
            io::Result::Ok(())
        };
        let _ = tokio::time::timeout(CLOSING_GRACE, answered).await;
    });
}

/// Runs one connection until it ends, is told to stop, or outlives its
/// deadline (see [`ConnState::deadline`]).
async fn drive<C, E>(
    conn: C,
    graceful: impl Fn(Pin<&mut C>),
    state: Arc<ConnState>,
    mut stop: watch::Receiver<Stop>,
) where
    C: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut conn = pin!(conn);
    let sleep = tokio::time::sleep_until(state.instant(state.recheck_ms()));
    let mut sleep = pin!(sleep);
    state.arm(state.recheck_ms());
    let mut closing = false;
    loop {
        tokio::select! {
            biased;
            ended = conn.as_mut() => {
                if let Err(e) = ended {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = &mut sleep => {
                if closing {
                    return;
                }
                let now = state.elapsed_ms();
                match state.deadline() {
                    Some((at, Wait::Head)) if at <= now => {
                        tracing::debug!("closing a connection: no complete request head in time");
                        return;
                    }
                    Some((at, Wait::Idle)) if at <= now => {
                        graceful(conn.as_mut());
                        closing = true;
                        sleep.as_mut().reset(Instant::now() + CLOSING_GRACE);
                    }
                    Some((at, _)) => {
                        state.arm(at);
                        sleep.as_mut().reset(state.instant(at));
                    }
                    None => {
                        let at = now.saturating_add(state.recheck_ms());
                        state.arm(at);
                        sleep.as_mut().reset(state.instant(at));
                    }
                }
            }
            () = std::future::poll_fn(|cx| state.poll_rearm(cx)), if !closing => {
                if let Some((at, _)) = state.deadline() {
                    state.arm(at);
                    sleep.as_mut().reset(state.instant(at));
                }
            }
            changed = stop.changed() => {
                let order = if changed.is_ok() { *stop.borrow() } else { Stop::Now };
                match order {
                    Stop::Serving => {}
                    Stop::Graceful => graceful(conn.as_mut()),
                    Stop::Now => return,
                }
            }
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
