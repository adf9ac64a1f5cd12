//! The connections of one upstream target, kept between exchanges: idle
//! HTTP/1.1 connections on a stack and the shared h2c sender. A module of
//! its own so that a target can hold its pool while the client, which
//! lends the connections, depends on the target and not the other way
//! round.

use std::sync::Mutex;
use std::time::Duration;

use coarsetime::Instant;

use hyper::client::conn::http2;

use crate::body::UpstreamBody;
use crate::h1::Conn;

/// The connections of one target: idle HTTP/1.1 connections (the most
/// recent last) and the h2c sender.
///
/// An idle connection's age is told by a coarse clock
/// (`CLOCK_MONOTONIC_COARSE`: answered from the vDSO without reading the
/// TSC, a few milliseconds behind at most): an idle timeout needs no finer
/// grain, and the fine clock costs two readings per request.
#[derive(Default)]
pub(crate) struct TargetPool {
    pub(crate) idle: Mutex<Vec<(Instant, Box<Conn>)>>,
    pub(crate) h2: Mutex<Option<http2::SendRequest<UpstreamBody>>>,
}

impl std::fmt::Debug for TargetPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let idle = self.idle.lock().map(|v| v.len()).unwrap_or(0);
        f.debug_struct("TargetPool").field("idle", &idle).finish()
    }
}

impl TargetPool {
    /// The most recently used idle connection that has not been idle too
    /// long (older ones are dropped: they are below it on the stack).
    pub(crate) fn pop(&self, idle_timeout: Duration) -> Option<Box<Conn>> {
        let mut idle = self.idle.lock().ok()?;
        let (since, conn) = idle.pop()?;
        let idle_for = Instant::now_without_cache_update().duration_since(since);
        if Duration::from(idle_for) > idle_timeout {
            idle.clear();
            return None;
        }
        Some(conn)
    }

    /// Keeps `conn` for a later exchange, unless `max` are kept already.
    pub(crate) fn push(&self, conn: Box<Conn>, max: usize) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < max {
                idle.push((Instant::now_without_cache_update(), conn));
            }
        }
    }
}
