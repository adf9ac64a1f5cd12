//! The HTTP/1.1 client to the upstreams: a minimal one of our own, driven
//! inline by the request's task.
//!
//! # Why not hyper's `client::conn::http1`
//!
//! hyper's client runs each connection as a task of its own and passes
//! every request and response through channels (`want`, a oneshot, an
//! mpsc), so one proxied request wakes two tasks and crosses several
//! synchronisation points, through an encoder and decoder generic over
//! every use. A reverse proxy needs none of that: the request's own task
//! writes the head and streams the body, reads the answer's head with
//! `httparse` (what hyper parses with) and reads the body only when the
//! client's side asks for more. A pooled connection is a `TcpStream` and
//! its read buffer, nothing more.
//!
//! Measured with `bench/proxy-instructions.sh` (callgrind, user-space
//! instructions of the whole proxy per proxied keep-alive request):
//! `/plaintext` 37.3 k on hyper's client, 29.7–29.9 k on this one (22.4 k
//! since the request's fields are written from the proxy's plan and its
//! future fits the allocator's thread cache); a 1 MiB
//! response 51.6 k before, 38–42 k now (reads grow to 512 KiB while they
//! fill the buffer). The same system calls per request as before (one
//! read and one write on the upstream side). Figures in `docs/performance.md`.
//!
//! - [`head`]: the request head, serialised into one buffer.
//! - [`upload`]: the request body, framed and written with backpressure.
//! - [`parse`]: the response head (bounded, defensive).
//! - [`decode`]: the response body's framing (length, chunks, close).
//! - [`conn`]: a connection: its socket and read buffer.
//! - [`exchange`]: one request and its answer's head on a connection.
//! - [`body`]: the response body, giving the connection back at its end.
//! - `splice` (Linux): a large response body moved socket to socket by
//!   the kernel when the client's connection can take it that way.
//!
//! The limits and the protocol error that several of them use are here.

pub(crate) mod body;
pub(crate) mod conn;
pub(crate) mod decode;
pub(crate) mod exchange;
pub(crate) mod head;
pub(crate) mod parse;
#[cfg(target_os = "linux")]
pub(crate) mod splice;
pub(crate) mod upload;

use std::io;
use std::sync::Arc;

pub(crate) use body::Body;
pub(crate) use conn::Conn;
pub(crate) use exchange::{Answer, AnswerKind, Failure, Upgraded};

/// The most bytes a response head (or a chunked body's trailers) may
/// take.
pub(crate) const MAX_HEAD: usize = 64 * 1024;

/// The most fields a response head may have (hyper's limit too).
pub(crate) const MAX_HEADERS: usize = 128;

/// An invalid-data error: the upstream broke the protocol.
pub(crate) fn invalid(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// Where idle connections are kept: a target's pool (a trait, so that
/// this client does not depend on the pool that holds its connections).
pub(crate) trait Idle: Send + Sync {
    /// Keeps `conn` for a later exchange, unless `max` are kept already.
    fn keep(&self, conn: Box<Conn>, max: usize);
}

/// Where a connection goes back when its exchange is done.
#[derive(Clone)]
pub(crate) struct Release {
    pub(crate) idle: Arc<dyn Idle>,
    pub(crate) max_idle: usize,
}

impl std::fmt::Debug for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Release")
            .field("max_idle", &self.max_idle)
            .finish_non_exhaustive()
    }
}

impl Release {
    /// Puts `conn` back where it came from.
    pub(crate) fn give_back(&self, conn: Box<Conn>) {
        self.idle.keep(conn.reuse(), self.max_idle);
    }
}
