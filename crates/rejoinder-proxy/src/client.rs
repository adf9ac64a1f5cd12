//! The pooled upstream clients (hyper-util's legacy `Client`): one for
//! HTTP/1.1, one for h2c, sharing the connect timeout and pool settings.

use std::time::Duration;

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::body::UpstreamBody;
use crate::upstream::Protocol;

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

/// The clients of one proxy.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    http1: Client<HttpConnector, UpstreamBody>,
    h2c: Client<HttpConnector, UpstreamBody>,
}

impl Clients {
    pub(crate) fn new(timeouts: &Timeouts, pool: &Pool) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeouts.connect));
        connector.set_nodelay(true);
        connector.enforce_http(true);
        let build = |h2: bool| {
            let mut b = Client::builder(TokioExecutor::new());
            b.pool_idle_timeout(pool.idle_timeout)
                .pool_max_idle_per_host(pool.max_idle_per_host)
                .pool_timer(TokioTimer::new())
                .set_host(false)
                .http2_only(h2);
            b.build(connector.clone())
        };
        Clients {
            http1: build(false),
            h2c: build(true),
        }
    }

    pub(crate) fn for_protocol(&self, protocol: Protocol) -> &Client<HttpConnector, UpstreamBody> {
        match protocol {
            Protocol::Http1 => &self.http1,
            Protocol::H2c => &self.h2c,
        }
    }
}
