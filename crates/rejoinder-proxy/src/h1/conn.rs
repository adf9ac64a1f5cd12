//! One upstream connection and one exchange on it, driven inline by the
//! request's own task: the request is written (its body streamed) while
//! the response head is read, interim 1xx answers skipped, and the head
//! handed back with what frames its body.

use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http::{Method, StatusCode};
use tokio::io::Interest;
use tokio::net::TcpStream;

use super::body::Body;
use super::parse::{self, Head};
use super::upload::{Upload, UploadError};
use super::Release;
use crate::body::UpstreamBody;

/// What a read asks room for in the buffer at first.
const READ: usize = 16 * 1024;

/// The most a read asks room for: a large body comes in large chunks
/// (each chunk costs the same to pass on, whatever its size), as hyper's
/// adaptive read buffer does.
const MAX_READ: usize = 512 * 1024;

/// The most interim (1xx) responses skipped before the real one.
const MAX_INTERIM: usize = 16;

/// An HTTP/1.1 connection to a target: the socket, what was read from it
/// and not yet used, and the head buffer kept from one request to the
/// next.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) io: TcpStream,
    pub(crate) buf: BytesMut,
    head: Vec<u8>,
    /// It has carried an exchange before (it came from the pool).
    reused: bool,
    /// The room the next read asks for: doubled after a read that filled
    /// it, halved after one that used less than half.
    read_size: usize,
}

/// The upstream's answer on HTTP/1.1.
pub(crate) struct Answer {
    pub(crate) head: Head,
    pub(crate) kind: AnswerKind,
}

/// What follows an HTTP/1.1 response head.
// Moved a few times per request, never stored in bulk: boxing the
// large variant would cost an allocation per request instead.
#[allow(clippy::large_enum_variant)]
pub(crate) enum AnswerKind {
    /// A body (maybe empty) to read from the connection.
    Body(Body),
    /// `101 Switching Protocols`: the connection is the tunnel's.
    Upgraded(Upgraded),
}

/// An upstream connection that switched protocols, with the bytes the
/// upstream sent after its 101 head.
#[derive(Debug)]
pub(crate) struct Upgraded {
    pub(crate) io: TcpStream,
    pub(crate) read: Bytes,
}

/// Why an exchange got no head.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A pooled connection turned out closed before any byte of the
    /// answer, with the body untouched: send it again on a fresh one.
    Stale(UpstreamBody),
    /// Anything else.
    Failed(io::Error),
}

impl Conn {
    /// A freshly connected socket.
    pub(crate) fn new(io: TcpStream) -> Self {
        Conn {
            io,
            buf: BytesMut::new(),
            head: Vec::new(),
            reused: false,
            read_size: READ,
        }
    }

    /// Marks it as taken from the pool.
    pub(crate) fn reuse(mut self) -> Self {
        self.reused = true;
        self
    }

    /// Whether the upstream is known to have closed it (or reset it)
    /// while it was idle. Costs no system call: it asks what the reactor
    /// already saw.
    pub(crate) fn is_closed(&self) -> bool {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let ready = std::pin::pin!(self.io.ready(Interest::READABLE));
        match std::future::Future::poll(ready, &mut cx) {
            Poll::Ready(Ok(r)) => r.is_read_closed() || r.is_error(),
            Poll::Ready(Err(_)) => true,
            Poll::Pending => false,
        }
    }

    /// Reads more into the buffer: the bytes read, 0 at the close.
    pub(crate) fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.buf.capacity() - self.buf.len() < self.read_size / 4 {
            self.buf.reserve(self.read_size);
        }
        let room = self.buf.capacity() - self.buf.len();
        let n = loop {
            std::task::ready!(self.io.poll_read_ready(cx))?;
            // A read shorter than the room drained the socket: answering
            // `WouldBlock` to `try_io` clears the readiness, so the next
            // read waits for the reactor instead of trying and getting
            // `EAGAIN` (what tokio's `AsyncRead` does too).
            let mut got = None;
            let (io, buf) = (&self.io, &mut self.buf);
            match io.try_io(Interest::READABLE, || {
                let n = io.try_read_buf(buf)?;
                got = Some(n);
                if n > 0 && n < room {
                    Err(io::ErrorKind::WouldBlock.into())
                } else {
                    Ok(n)
                }
            }) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => match got {
                    Some(n) => break n,
                    None => continue,
                },
                Err(e) => return Poll::Ready(Err(e)),
            }
        };
        if n == room && self.read_size < MAX_READ {
            self.read_size *= 2;
        } else if n < self.read_size / 2 && self.read_size > READ {
            self.read_size /= 2;
        }
        Poll::Ready(Ok(n))
    }

    /// Sends `parts` with `body` and reads the answer's head. `upgrade`:
    /// the request asked to switch protocols (a 101 is accepted).
    pub(crate) async fn exchange(
        mut self,
        parts: &http::request::Parts,
        body: UpstreamBody,
        upgrade: bool,
        release: Release,
    ) -> Result<Answer, Failure> {
        let framing = super::head::write(&mut self.head, parts, &body);
        let mut upload = Some(Upload::new(std::mem::take(&mut self.head), framing, body));
        // An upload the upstream stopped taking (kept to tell whether its
        // body was touched), and why.
        let mut stopped: Option<Upload> = None;
        let mut write_error = None;
        // Whether the finished upload took any of the body.
        let mut taken = false;
        let mut received = false;
        let mut interim = 0;
        let head = poll_fn(|cx| -> Poll<Result<Head, io::Error>> {
            if let Some(up) = upload.as_mut() {
                match up.poll_send(&self.io, cx) {
                    Poll::Ready(Ok(())) => {
                        if let Some(done) = upload.take() {
                            taken = done.body_taken();
                            self.head = done.into_head_buffer();
                        }
                    }
                    Poll::Ready(Err(UploadError::Body(e))) => return Poll::Ready(Err(e)),
                    // The upstream may still have answered (an early
                    // error, then a close): read on, the answer decides.
                    Poll::Ready(Err(UploadError::Write(e))) => {
                        write_error = Some(e);
                        stopped = upload.take();
                    }
                    Poll::Pending => {}
                }
            }
            loop {
                let parsed = if self.buf.is_empty() {
                    None
                } else {
                    parse::parse(&mut self.buf)?
                };
                match parsed {
                    Some(head) if head.status == StatusCode::SWITCHING_PROTOCOLS => {
                        return Poll::Ready(if upgrade {
                            Ok(head)
                        } else {
                            Err(parse::invalid("the upstream switched protocols unasked"))
                        });
                    }
                    Some(head) if head.status.is_informational() => {
                        interim += 1;
                        if interim > MAX_INTERIM {
                            return Poll::Ready(Err(parse::invalid(
                                "the upstream sent too many interim responses",
                            )));
                        }
                        continue;
                    }
                    Some(head) => return Poll::Ready(Ok(head)),
                    None => {}
                }
                match std::task::ready!(self.poll_fill(cx)) {
                    Ok(0) => {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            if received {
                                "the upstream closed the connection inside the response head"
                            } else {
                                "the upstream closed the connection before answering"
                            },
                        )))
                    }
                    Ok(_) => received = true,
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
        })
        .await;
        let mut head = match head {
            Ok(head) => head,
            Err(e) => {
                let e = write_error.unwrap_or(e);
                let left = upload.or(stopped);
                let untouched = !taken && left.as_ref().is_none_or(|u| !u.body_taken());
                // Nothing came back on a connection that had carried an
                // exchange before: the upstream closed it while idle.
                let stale =
                    self.reused && !received && untouched && e.kind() != io::ErrorKind::InvalidData;
                if !stale {
                    return Err(Failure::Failed(e));
                }
                let body = left.and_then(Upload::into_body);
                return Err(Failure::Stale(body.unwrap_or_else(UpstreamBody::empty)));
            }
        };
        if head.status == StatusCode::SWITCHING_PROTOCOLS {
            let read = self.buf.split().freeze();
            return Ok(Answer {
                head,
                kind: AnswerKind::Upgraded(Upgraded { io: self.io, read }),
            });
        }
        let decoder =
            parse::framing(&mut head, parts.method == Method::HEAD).map_err(Failure::Failed)?;
        // A failed write leaves the request incomplete: not kept after.
        let keep = parse::keep_alive(&head) && write_error.is_none();
        Ok(Answer {
            head,
            kind: AnswerKind::Body(Body::new(self, decoder, keep, upload, release)),
        })
    }
}
