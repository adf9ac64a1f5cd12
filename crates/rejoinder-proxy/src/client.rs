//! The upstream connections, pooled per target on hyper's own
//! `client::conn`: idle HTTP/1.1 senders on a stack (a lock held only for a
//! push or a pop), one shared sender for an h2c target. Each connection's
//! task is spawned once, when it is dialled; a sender goes back on the stack
//! when its response body has been read to the end, and is dropped (the
//! connection closed) on an error, an upgrade or a body left unread.

use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;

use crate::body::UpstreamBody;
use crate::error::UpstreamError;
use crate::upstream::{Protocol, Target};

/// The timeouts of an upstream exchange.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Connecting (TCP) to a target.
    pub connect: Duration,
    /// From the request sent to the response head.
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

/// An HTTP/1.1 connection lent to one exchange. [`Lease::release`] puts it
/// back once the response body has ended; dropped otherwise, it closes.
pub(crate) struct Lease {
    sender: http1::SendRequest<UpstreamBody>,
    target: Arc<Target>,
    max_idle: usize,
}

impl Lease {
    pub(crate) fn release(self) {
        if !self.sender.is_closed() {
            self.target.pool.push(self.sender, self.max_idle);
        }
    }
}

/// How one proxy reaches its targets.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    connect: Duration,
    pool: Pool,
}

impl Clients {
    pub(crate) fn new(timeouts: &Timeouts, pool: &Pool) -> Self {
        Clients {
            connect: timeouts.connect,
            pool: *pool,
        }
    }

    /// Sends `req` to `target` on a pooled connection (a new one when none
    /// is idle): the response head, and the HTTP/1.1 connection to give
    /// back when its body is done.
    pub(crate) async fn request(
        &self,
        target: &Arc<Target>,
        req: http::Request<UpstreamBody>,
    ) -> Result<(http::Response<Incoming>, Option<Lease>), UpstreamError> {
        match target.protocol() {
            Protocol::Http1 => self.request_h1(target, req).await,
            Protocol::H2c => self.request_h2(target, req).await.map(|res| (res, None)),
        }
    }

    async fn request_h1(
        &self,
        target: &Arc<Target>,
        mut req: http::Request<UpstreamBody>,
    ) -> Result<(http::Response<Incoming>, Option<Lease>), UpstreamError> {
        let lease = |sender| Lease {
            sender,
            target: target.clone(),
            max_idle: self.pool.max_idle_per_host,
        };
        // Idle connections first; one that turns out closed before the
        // request went out hands the request back for the next.
        while let Some(mut sender) = target.pool.pop(self.pool.idle_timeout) {
            if !sender.is_ready() && sender.ready().await.is_err() {
                continue;
            }
            match sender.try_send_request(req).await {
                Ok(res) => return Ok((res, Some(lease(sender)))),
                Err(mut e) => match e.take_message() {
                    Some(back) => req = back,
                    None => return Err(UpstreamError::Exchange(e.into_error())),
                },
            }
        }
        let io = self.dial(target).await?;
        let (mut sender, conn) = http1::handshake(io)
            .await
            .map_err(|e| UpstreamError::Connect(std::io::Error::other(e)))?;
        tokio::spawn(async move {
            if let Err(e) = conn.with_upgrades().await {
                tracing::debug!(error = %e, "upstream connection failed");
            }
        });
        match sender.try_send_request(req).await {
            Ok(res) => Ok((res, Some(lease(sender)))),
            Err(e) => Err(UpstreamError::Exchange(e.into_error())),
        }
    }

    async fn request_h2(
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
                let io = self.dial(target).await?;
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
    async fn dial(&self, target: &Target) -> Result<TokioIo<TcpStream>, UpstreamError> {
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
        Ok(TokioIo::new(stream))
    }
}
