//! The request going up: its head, then its body framed as the head said
//! (a known length as it is, an unknown one in chunks), written with
//! vectored writes. The body is polled only while less than
//! [`HIGH_WATER`] bytes wait for the socket, so a slow upstream slows the
//! client and memory stays flat.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use http_body::Body as _;
use tokio::net::TcpStream;

use super::head::Framing;
use crate::body::UpstreamBody;

/// The most bytes of body kept waiting for the socket.
const HIGH_WATER: usize = 64 * 1024;

/// The most pieces handed to one vectored write.
const MAX_SLICES: usize = 16;

/// A request being written.
pub(crate) struct Upload {
    /// The head, and how much of it has been written.
    head: Vec<u8>,
    head_sent: usize,
    body: UpstreamBody,
    framing: Framing,
    /// Body bytes still expected for a known length.
    remaining: u64,
    /// Framed body pieces waiting for the socket, and their total size.
    queue: VecDeque<Bytes>,
    queued: usize,
    /// The body has given its last frame (the queue holds the rest).
    body_done: bool,
    /// A frame has been taken from the body (it cannot be sent again).
    took_frame: bool,
}

/// Why an upload stopped.
#[derive(Debug)]
pub(crate) enum UploadError {
    /// The request body failed, or did not match its declared length.
    Body(io::Error),
    /// Writing to the upstream failed.
    Write(io::Error),
}

impl Upload {
    pub(crate) fn new(head: Vec<u8>, framing: Framing, body: UpstreamBody) -> Self {
        Upload {
            head,
            head_sent: 0,
            body,
            framing,
            remaining: match framing {
                Framing::Length(n) => n,
                _ => 0,
            },
            queue: VecDeque::new(),
            queued: 0,
            body_done: framing == Framing::Empty,
            took_frame: false,
        }
    }

    /// Whether any of the body has been taken (so the request cannot be
    /// sent again on another connection).
    pub(crate) fn body_taken(&self) -> bool {
        self.took_frame
    }

    /// The body, untouched, for another attempt (`None` once a frame of
    /// it was taken).
    pub(crate) fn into_body(self) -> Option<UpstreamBody> {
        (!self.took_frame).then_some(self.body)
    }

    /// The head buffer, for the connection's next request.
    pub(crate) fn into_head_buffer(self) -> Vec<u8> {
        self.head
    }

    /// Writes what it can: ready when the whole request is written.
    pub(crate) fn poll_send(
        &mut self,
        io: &TcpStream,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), UploadError>> {
        loop {
            self.fill(cx).map_err(UploadError::Body)?;
            if self.head_sent == self.head.len() && self.queue.is_empty() {
                // Done, or waiting for the body (its waker is set).
                return if self.body_done {
                    Poll::Ready(Ok(()))
                } else {
                    Poll::Pending
                };
            }
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let mut n = 0;
            if self.head_sent < self.head.len() {
                slices[0] = IoSlice::new(&self.head[self.head_sent..]);
                n = 1;
            }
            for piece in self.queue.iter().take(MAX_SLICES - n) {
                slices[n] = IoSlice::new(piece);
                n += 1;
            }
            let written = loop {
                if let Err(e) = std::task::ready!(io.poll_write_ready(cx)) {
                    return Poll::Ready(Err(UploadError::Write(e)));
                }
                match io.try_write_vectored(&slices[..n]) {
                    Ok(0) => {
                        return Poll::Ready(Err(UploadError::Write(
                            io::ErrorKind::WriteZero.into(),
                        )))
                    }
                    Ok(w) => break w,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => return Poll::Ready(Err(UploadError::Write(e))),
                }
            };
            self.advance(written);
        }
    }

    /// Takes body frames while there is room.
    fn fill(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        while !self.body_done && self.queued < HIGH_WATER {
            let polled = Pin::new(&mut self.body).poll_frame(cx);
            let frame = match polled {
                Poll::Pending => return Ok(()),
                Poll::Ready(None) => {
                    self.finish(None)?;
                    continue;
                }
                Poll::Ready(Some(Err(e))) => return Err(io::Error::other(e)),
                Poll::Ready(Some(Ok(frame))) => frame,
            };
            self.took_frame = true;
            let data = match frame.into_data() {
                Ok(data) => data,
                Err(frame) => {
                    // Trailers end the body; only chunks can carry them.
                    self.finish(frame.into_trailers().ok())?;
                    continue;
                }
            };
            if data.is_empty() {
                continue;
            }
            match self.framing {
                Framing::Length(_) => {
                    let len = data.len() as u64;
                    if len > self.remaining {
                        return Err(io::Error::other(
                            "the request body is longer than its Content-Length",
                        ));
                    }
                    self.remaining -= len;
                    self.push(data);
                    if self.remaining == 0 {
                        self.body_done = true;
                    }
                }
                Framing::Chunked => {
                    self.push(Bytes::from(format!("{:x}\r\n", data.len())));
                    self.push(data);
                    self.push(Bytes::from_static(b"\r\n"));
                }
                Framing::Empty => {
                    return Err(io::Error::other("a request body came without framing"));
                }
            }
        }
        Ok(())
    }

    /// The body ended (with these trailers).
    fn finish(&mut self, trailers: Option<HeaderMap>) -> io::Result<()> {
        self.body_done = true;
        match self.framing {
            Framing::Length(_) if self.remaining > 0 => Err(io::Error::other(
                "the request body is shorter than its Content-Length",
            )),
            Framing::Chunked => {
                match trailers.filter(|t| !t.is_empty()) {
                    None => self.push(Bytes::from_static(b"0\r\n\r\n")),
                    Some(t) => {
                        let mut end = BytesMut::from(&b"0\r\n"[..]);
                        for (name, value) in &t {
                            end.extend_from_slice(name.as_str().as_bytes());
                            end.extend_from_slice(b": ");
                            end.extend_from_slice(value.as_bytes());
                            end.extend_from_slice(b"\r\n");
                        }
                        end.extend_from_slice(b"\r\n");
                        self.push(end.freeze());
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn push(&mut self, piece: Bytes) {
        self.queued += piece.len();
        self.queue.push_back(piece);
    }

    /// Drops `n` written bytes: the head's first, then the queue's.
    fn advance(&mut self, mut n: usize) {
        let head_left = self.head.len() - self.head_sent;
        let from_head = head_left.min(n);
        self.head_sent += from_head;
        n -= from_head;
        while n > 0 {
            let Some(front) = self.queue.front_mut() else {
                return;
            };
            if front.len() <= n {
                n -= front.len();
                self.queued -= front.len();
                self.queue.pop_front();
            } else {
                let _ = front.split_to(n);
                self.queued -= n;
                n = 0;
            }
        }
    }
}
