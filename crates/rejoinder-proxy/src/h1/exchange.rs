//! One exchange on an upstream connection, driven inline by the request's
//! own task: the request is written (its body streamed) while the response
//! head is read, interim 1xx answers skipped, and the head handed back with
//! the body that reads the rest.

use std::future::{poll_fn, Future};
use std::io;
use std::task::Poll;

use bytes::Bytes;
use http::{Method, StatusCode};
use tokio::net::TcpStream;

use super::body::Body;
use super::conn::Conn;
use super::parse::{self, Head};
use super::upload::{Upload, UploadError};
use super::{invalid, Release};
use crate::body::UpstreamBody;

/// The most interim (1xx) responses skipped before the real one. A `u8`
/// count: it is held in every request's future (see `proxy`'s size test).
const MAX_INTERIM: u8 = 16;

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
    /// No head came before the deadline set with [`Conn::arm`].
    TimedOut,
    /// Anything else.
    Failed(io::Error),
}
impl Conn {
    /// Sends `request` with `body` and reads the answer's head. `upgrade`:
    /// the request asked to switch protocols (a 101 is accepted).
    // Not an `async fn`: its arguments would be kept twice in the future
    // (as arguments and as the locals they move into), and this future is
    // inside every proxied request's.
    pub(crate) fn exchange<'r>(
        mut self: Box<Self>,
        request: &'r super::head::Request<'r>,
        body: UpstreamBody,
        upgrade: bool,
        release: Release,
    ) -> impl Future<Output = Result<Answer, Failure>> + Send + 'r {
        let framing = super::head::write(&mut self.head, request, &body);
        // The upload, while it is being sent or once the upstream stopped
        // taking it (kept to tell whether its body was touched).
        let mut upload = Some(Upload::new(std::mem::take(&mut self.head), framing, body));
        async move {
            let mut sending = true;
            let mut write_error = None;
            // Whether the finished upload took any of the body.
            let mut taken = false;
            let mut received = false;
            let mut timed_out = false;
            let mut interim = 0;
            let head = poll_fn(|cx| -> Poll<Result<Head, io::Error>> {
                if let (Some(up), true) = (upload.as_mut(), sending) {
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
                            sending = false;
                        }
                        Poll::Pending => {}
                    }
                }
                loop {
                    let parsed = if self.buf.is_empty() {
                        None
                    } else {
                        parse::parse(&mut self.buf, &mut self.names)?
                    };
                    match parsed {
                        Some(head) if head.status == StatusCode::SWITCHING_PROTOCOLS => {
                            return Poll::Ready(if upgrade {
                                Ok(head)
                            } else {
                                Err(invalid("the upstream switched protocols unasked"))
                            });
                        }
                        Some(head) if head.status.is_informational() => {
                            interim += 1;
                            if interim > MAX_INTERIM {
                                return Poll::Ready(Err(invalid(
                                    "the upstream sent too many interim responses",
                                )));
                            }
                            continue;
                        }
                        Some(head) => return Poll::Ready(Ok(head)),
                        None => {}
                    }
                    let filled = match self.poll_fill_head(cx) {
                        Poll::Ready(filled) => filled,
                        // The deadline is looked at only when the answer
                        // is not there yet.
                        Poll::Pending => {
                            std::task::ready!(self.poll_deadline(cx));
                            timed_out = true;
                            return Poll::Ready(Err(io::ErrorKind::TimedOut.into()));
                        }
                    };
                    match filled {
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
                Err(_) if timed_out => return Err(Failure::TimedOut),
                Err(e) => {
                    let e = write_error.unwrap_or(e);
                    let untouched = !taken && upload.as_ref().is_none_or(|u| !u.body_taken());
                    // Nothing came back on a connection that had carried an
                    // exchange before: the upstream closed it while idle.
                    let stale = self.reused
                        && !received
                        && untouched
                        && e.kind() != io::ErrorKind::InvalidData;
                    if !stale {
                        return Err(Failure::Failed(e));
                    }
                    let body = upload.and_then(Upload::into_body);
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
            let decoder = parse::framing(&mut head, *request.method == Method::HEAD)
                .map_err(Failure::Failed)?;
            // A failed write leaves the request incomplete: not kept after.
            let keep = parse::keep_alive(&head) && write_error.is_none();
            // A stopped upload goes no further.
            let upload = upload.filter(|_| sending);
            Ok(Answer {
                head,
                kind: AnswerKind::Body(Body::new(self, decoder, keep, upload, release)),
            })
        }
    }
}
