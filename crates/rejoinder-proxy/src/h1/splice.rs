//! A response body of known length moved from the upstream's socket to
//! the client's by the kernel: `splice(2)` from the socket into a pipe,
//! then from the pipe into the client's socket. The bytes never enter the
//! process (on loopback and most NICs the pages themselves are passed
//! on), which is what HAProxy does for large bodies; nginx and hyper-util
//! copy each byte in and out again.
//!
//! Taken only where nothing needs the bytes: rejoinder asks for it when
//! the body reaches a plain-TCP HTTP/1 client untouched (no body filter,
//! no layer wrapping it; see rejoinder-core's `body::relay`). Anything
//! else reads the body as a stream ([`super::Body`]).
//!
//! Backpressure holds as for the stream: the pipe is filled from the
//! upstream only once it is empty and the client's side asks for more, so
//! at most one pipe's worth is in flight (kernel pages, no process
//! memory). The idle-body timeout counts only the waits for the upstream,
//! never those for a slow client.

use std::cell::RefCell;
use std::future::Future as _;
use std::io;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Buf;
use rustix::pipe::{fcntl_setpipe_size, pipe_with, splice, PipeFlags, SpliceFlags};
use tokio::io::Interest;
use tokio::net::TcpStream;
use tokio::time::Sleep;

use super::conn::Conn;
use super::Release;

/// The least a body must have left to be spliced: below this one read and
/// one write cost less than the pipe's two splices per piece.
pub(crate) const MIN: u64 = 64 * 1024;

/// The room asked for each pipe (the kernel keeps its default, 64 KiB,
/// when the user's pipe allowance is spent).
const PIPE_SIZE: usize = 512 * 1024;

/// Empty pipes kept for the next bodies on this thread (a pipe costs two
/// system calls to make and two to close).
const KEPT_PIPES: usize = 16;

/// A pipe: the bytes taken from the upstream wait in it for the client.
struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
}

thread_local! {
    static PIPES: RefCell<Vec<Pipe>> = const { RefCell::new(Vec::new()) };
}

impl Pipe {
    /// An empty pipe: a kept one, or a new one.
    fn take() -> io::Result<Pipe> {
        if let Some(pipe) = PIPES.with(|p| p.borrow_mut().pop()) {
            return Ok(pipe);
        }
        let (read, write) = pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
        // Best effort: a smaller pipe only means more splices.
        let _ = fcntl_setpipe_size(&write, PIPE_SIZE);
        Ok(Pipe { read, write })
    }

    /// Keeps an empty pipe for a later body.
    fn keep(self) {
        PIPES.with(|p| {
            let mut pipes = p.borrow_mut();
            if pipes.len() < KEPT_PIPES {
                pipes.push(self);
            }
        });
    }
}

/// What moves one body's bytes, and gives the connection back after them.
pub(crate) struct Splicer {
    /// `None` once the body has been sent (or failed).
    conn: Option<Box<Conn>>,
    /// Bytes of the body still on the upstream's socket (or in its buffer).
    remaining: u64,
    /// Bytes taken from the socket and not yet sent on.
    in_pipe: usize,
    pipe: Option<Pipe>,
    keep_alive: bool,
    release: Release,
    idle: Option<Duration>,
    sleep: Option<Pin<Box<Sleep>>>,
    /// Bytes came since the last wait for the upstream: the next wait
    /// starts the idle timeout afresh.
    moved: bool,
}

impl Splicer {
    pub(super) fn new(
        conn: Box<Conn>,
        remaining: u64,
        keep_alive: bool,
        release: Release,
        idle: Option<Duration>,
    ) -> Self {
        Splicer {
            conn: Some(conn),
            remaining,
            in_pipe: 0,
            pipe: None,
            keep_alive,
            release,
            idle,
            sleep: None,
            moved: true,
        }
    }

    /// Sends at most `max` of the body's next bytes to `to`: those read
    /// with the head first, then the pipe's, refilled from the socket
    /// when empty.
    pub(crate) fn poll_send(
        &mut self,
        to: &TcpStream,
        cx: &mut Context<'_>,
        max: usize,
    ) -> Poll<io::Result<usize>> {
        loop {
            let Some(conn) = self.conn.as_mut() else {
                return Poll::Ready(Ok(0));
            };
            if max == 0 {
                return Poll::Ready(Ok(0));
            }
            // The bytes read with the head (or an earlier read) come first.
            if self.in_pipe == 0 && !conn.buf.is_empty() {
                let n = conn.buf.len().min(clamp(self.remaining)).min(max);
                std::task::ready!(to.poll_write_ready(cx))?;
                match to.try_write(&conn.buf[..n]) {
                    Ok(sent) => {
                        conn.buf.advance(sent);
                        self.remaining -= sent as u64;
                        return Poll::Ready(Ok(self.sent(sent)));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
            if self.in_pipe > 0 {
                std::task::ready!(to.poll_write_ready(cx))?;
                let Some(pipe) = &self.pipe else {
                    return Poll::Ready(Err(io::Error::other("spliced bytes without a pipe")));
                };
                let n = self.in_pipe.min(max);
                // No SPLICE_F_MORE: the kernel corks on its own while the
                // pipe holds more, and a held tail would wait for the next
                // splice, which waits for the upstream.
                let flags = SpliceFlags::NONBLOCK | SpliceFlags::MOVE;
                let out = to.try_io(Interest::WRITABLE, || {
                    splice(&pipe.read, None, to, None, n, flags).map_err(io::Error::from)
                });
                match out {
                    Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                    Ok(sent) => {
                        self.in_pipe -= sent;
                        return Poll::Ready(Ok(self.sent(sent)));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
            // The pipe is empty: fill it from the socket.
            match conn.io.poll_read_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return self.poll_idle(cx),
            }
            let pipe = match &mut self.pipe {
                Some(pipe) => pipe,
                None => match Pipe::take() {
                    Ok(pipe) => self.pipe.insert(pipe),
                    // No pipe to be had (the process's descriptors spent):
                    // this body is copied, through the buffer above.
                    Err(e) => {
                        tracing::debug!(error = %e, "no pipe for a splice; the body is copied");
                        match conn.poll_fill(cx) {
                            Poll::Ready(Ok(0)) => return Poll::Ready(Err(closed_early())),
                            Poll::Ready(Ok(_)) => {
                                self.moved = true;
                                continue;
                            }
                            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                            Poll::Pending => return self.poll_idle(cx),
                        }
                    }
                },
            };
            let want = clamp(self.remaining).min(PIPE_SIZE);
            let io = &conn.io;
            // A splice shorter than asked does not say the socket is
            // drained (the pipe may have run out of slots first), so the
            // readiness is cleared only by an `EAGAIN`, never assumed.
            let got = io.try_io(Interest::READABLE, || {
                splice(
                    io,
                    None,
                    &pipe.write,
                    None,
                    want,
                    SpliceFlags::NONBLOCK | SpliceFlags::MOVE,
                )
                .map_err(io::Error::from)
            });
            match got {
                Ok(0) => return Poll::Ready(Err(closed_early())),
                Ok(n) => {
                    self.in_pipe += n;
                    self.remaining -= n as u64;
                    self.moved = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// `n` bytes went to the client: at the body's end the pipe is kept
    /// and the connection goes back to the pool when it can carry another
    /// request.
    fn sent(&mut self, n: usize) -> usize {
        if self.remaining == 0 && self.in_pipe == 0 {
            if let Some(pipe) = self.pipe.take() {
                pipe.keep();
            }
            if let Some(conn) = self.conn.take() {
                if self.keep_alive && conn.buf.is_empty() && nothing_more(&conn) {
                    self.release.give_back(conn);
                }
            }
        }
        n
    }

    /// Waiting for the upstream: pending, or the idle-body timeout's error.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let Some(idle) = self.idle else {
            return Poll::Pending;
        };
        if self.moved {
            self.moved = false;
            let due = tokio::time::Instant::now() + idle;
            match &mut self.sleep {
                Some(sleep) => sleep.as_mut().reset(due),
                None => self.sleep = Some(Box::pin(tokio::time::sleep_until(due))),
            }
        }
        let Some(sleep) = &mut self.sleep else {
            return Poll::Pending;
        };
        std::task::ready!(sleep.as_mut().poll(cx));
        self.conn = None;
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("the upstream body was idle for {idle:?}"),
        )))
    }
}

/// Whether the upstream sent nothing past the body (one read that finds
/// the socket empty, which also clears its readiness so the pooled
/// connection does not look closed): bytes nobody asked for, or the close,
/// and the connection is not kept.
fn nothing_more(conn: &Conn) -> bool {
    let mut probe = [0u8; 1];
    matches!(conn.io.try_read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

/// The upstream closed before the body's last byte.
fn closed_early() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the upstream closed the connection before the body's end",
    )
}

/// A byte count as a `usize` (saturating).
fn clamp(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}
