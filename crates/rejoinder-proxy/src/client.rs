//! The upstream connections, pooled per target: idle HTTP/1.1
//! connections on a stack (a lock held only for a push or a pop), spoken
//! to by the crate's own client ([`crate::h1`]) in the request's task, and
//! one shared sender of hyper's `client::conn::http2` for an h2c target.
//! An HTTP/1.1 connection goes back on the stack when its response body
//! has been read to the end, and is closed on an error, an upgrade or a
//! body left unread.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;

use crate::body::UpstreamBody;
use crate::error::UpstreamError;
use crate::h1;
use crate::upstream::Target;

/// The timeouts of an upstream exchange.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Connecting (TCP) to a target.
    pub connect: Duration,
    /// From the request sent to the response head, on each connection it
    /// is sent on. Kept lazily, as nginx keeps its timers: it may end up to
    /// 100 ms (or a sixteenth of itself, if less) after it is due.
    pub first_byte: Duration,
    /// Between two chunks of the response body (`None`: no limit).
    pub idle_body: Option<Duration>,
}

impl Default for Timeouts {
    /// 5 s to connect, 60 s to the first byte, 60 s between body chunks
    /// (Kong's read timeout is 60 s).
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            first_byte: Duration::from_secs(60),
            idle_body: Some(Duration::from_secs(60)),
        }
    }
}

/// Connection pool settings.
#[derive(Debug, Clone, Copy)]
pub struct Pool {
    /// Idle connections kept per target.
    pub max_idle_per_host: usize,
    /// How long an idle connection is kept.
    pub idle_timeout: Duration,
}

impl Default for Pool {
    /// 64 idle connections per target, kept 90 s.
    fn default() -> Self {
        Pool {
            max_idle_per_host: 64,
            idle_timeout: Duration::from_secs(90),
        }
    }
}

/// What an upstream answered.
// Moved a few times per request, never stored in bulk: boxing the
// large variant would cost an allocation per request instead.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Answer {
    /// An HTTP/1.1 target's head, and its body or upgraded connection.
    H1(h1::Answer),
    /// An h2c target's response.
    H2(http::Response<Incoming>),
}

/// How one proxy reaches its targets.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    connect: Duration,
    first_byte: Duration,
    pool: Pool,
}

impl Clients {
    pub(crate) fn new(timeouts: &Timeouts, pool: &Pool) -> Self {
        Clients {
            connect: timeouts.connect,
            first_byte: timeouts.first_byte,
            pool: *pool,
        }
    }

    /// Sends `head` and `body` to an HTTP/1.1 `target` on a pooled
    /// connection (a new one when none is idle) and reads the answer's
    /// head, within the first-byte timeout (counted on each connection
    /// the request is sent on; connecting has its own). `upgrade`: the
    /// request asks to switch protocols.
    // Not an `async fn`: its arguments would be kept twice in the future
    // (as arguments and as the locals they move into), and this future is
    // inside every proxied request's.
    #[allow(clippy::manual_async_fn)] // on purpose, see above
    pub(crate) fn request_h1<'a>(
        &'a self,
        target: &'a Arc<Target>,
        head: &'a h1::head::Request<'a>,
        mut body: UpstreamBody,
        upgrade: bool,
    ) -> impl Future<Output = Result<h1::Answer, UpstreamError>> + Send + 'a {
        async move {
            // The most recent idle connection the upstream has not closed;
            // if it turns out closed before any byte of the answer, the
            // request goes once more on a fresh connection.
            // Each connection is moved into its exchange inside a block:
            // a binding still in scope at the await would be stored in
            // this future beside the exchange's own copy.
            loop {
                let exchange = match target.pool.pop(self.pool.idle_timeout) {
                    Some(conn) if conn.is_closed() => continue,
                    Some(mut conn) => {
                        conn.arm(self.first_byte);
                        conn.exchange(head, body, upgrade, self.release(target))
                    }
                    None => break,
                };
                match exchange.await {
                    Ok(answer) => return Ok(answer),
                    Err(h1::Failure::Stale(back)) => {
                        tracing::debug!("a pooled upstream connection was closed; sending again");
                        body = back;
                        break;
                    }
                    Err(h1::Failure::TimedOut) => {
                        return Err(UpstreamError::FirstByteTimeout(self.first_byte))
                    }
                    Err(h1::Failure::Failed(e)) => return Err(UpstreamError::Http1(e)),
                }
            }
            let exchange = {
                let mut conn = h1::Conn::new(self.dial(target).await?);
                conn.arm(self.first_byte);
                conn.exchange(head, body, upgrade, self.release(target))
            };
            match exchange.await {
                Ok(answer) => Ok(answer),
                Err(h1::Failure::Stale(_)) => Err(UpstreamError::Http1(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the upstream closed the connection before answering",
                ))),
                Err(h1::Failure::TimedOut) => Err(UpstreamError::FirstByteTimeout(self.first_byte)),
                Err(h1::Failure::Failed(e)) => Err(UpstreamError::Http1(e)),
            }
        }
    }

    /// Where an exchange's connection to `target` goes back. Made for each
    /// exchange, not kept in a binding: one held across the awaits of
    /// `request_h1` would be stored in its future.
    fn release(&self, target: &Arc<Target>) -> h1::Release {
        h1::Release {
            idle: target.clone(),
            max_idle: self.pool.max_idle_per_host,
        }
    }

    /// Sends `req` to an h2c `target` on its shared connection (made
    /// when there is none) and waits for the answer's head.
    pub(crate) async fn request_h2(
        &self,
        target: &Arc<Target>,
        req: http::Request<UpstreamBody>,
    ) -> Result<http::Response<Incoming>, UpstreamError> {
        let shared = target
            .pool
            .h2
            .lock()
            .ok()
            .and_then(|s| s.as_ref().filter(|s| !s.is_closed()).cloned());
        let mut sender = match shared {
            Some(s) => s,
            None => {
                let io = TokioIo::new(self.dial(target).await?);
                let (sender, conn) = http2::Builder::new(TokioExecutor::new())
                    .timer(TokioTimer::new())
                    .handshake(io)
                    .await
                    .map_err(|e| UpstreamError::Connect(std::io::Error::other(e)))?;
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "upstream h2c connection failed");
                    }
                });
                if let Ok(mut s) = target.pool.h2.lock() {
                    *s = Some(sender.clone());
                }
                sender
            }
        };
        sender.ready().await.map_err(UpstreamError::Exchange)?;
        sender
            .try_send_request(req)
            .await
            .map_err(|e| UpstreamError::Exchange(e.into_error()))
    }

    /// A TCP connection to the target, within the connect timeout.
    async fn dial(&self, target: &Target) -> Result<TcpStream, UpstreamError> {
        let authority = target.authority();
        let host = authority.host();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let port = authority.port_u16().unwrap_or(80);
        let stream =
            match tokio::time::timeout(self.connect, TcpStream::connect((host, port))).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return Err(UpstreamError::Connect(e)),
                Err(_) => return Err(UpstreamError::ConnectTimeout(self.connect)),
            };
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}
