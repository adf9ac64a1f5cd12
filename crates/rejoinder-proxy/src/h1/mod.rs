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
//! `/plaintext` 37.3 k on hyper's client, 29.7–29.9 k on this one; a 1 MiB
//! response 51.6 k before, 38–42 k now (reads grow to 512 KiB while they
//! fill the buffer). The same system calls per request as before (one
//! read and one write on the upstream side). Figures in `docs/performance.md`.
//!
//! - [`head`]: the request head, serialised into one buffer.
//! - [`upload`]: the request body, framed and written with backpressure.
//! - [`parse`]: the response head (bounded, defensive).
//! - [`decode`]: the response body's framing (length, chunks, close).
//! - [`conn`]: a connection and one exchange on it.
//! - [`body`]: the response body, giving the connection back at its end.

pub(crate) mod body;
pub(crate) mod conn;
pub(crate) mod decode;
pub(crate) mod head;
pub(crate) mod parse;
pub(crate) mod upload;

use std::sync::Arc;

use crate::upstream::Target;

pub(crate) use body::Body;
pub(crate) use conn::{Answer, AnswerKind, Conn, Failure, Upgraded};

/// Where a connection goes back when its exchange is done.
#[derive(Debug, Clone)]
pub(crate) struct Release {
    pub(crate) target: Arc<Target>,
    pub(crate) max_idle: usize,
}

impl Release {
    /// Puts `conn` on its target's idle stack.
    pub(crate) fn give_back(&self, conn: Conn) {
        self.target.pool.push(conn.reuse(), self.max_idle);
    }
}
