//! A response on its way out of the inline path: the head, then the body's
//! frames framed as the head said (see `encode`), written vectored with
//! backpressure — frames are taken from the body while less than
//! [`HIGH`] bytes wait for the socket, and the head goes out in the same
//! `writev` as a body that is there at once.
//!
//! Body bytes are never copied: each frame is handed to the socket as it
//! is (what lets a file body's placeholder frames become `sendfile`s, see
//! rejoinder-core's `body::splice`), as hyper's vectored writer does.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http_body::Body;
use tokio::io::AsyncWrite;

use super::encode::{self, Encoder, Kind};

/// Body bytes waiting for the socket past which no more frames are taken
/// (about what hyper buffers): what the client has of a body that fails
/// later is at most this far behind.
const HIGH: usize = 64 * 1024;

/// The most pieces given to one `writev` (the slices are made on the
/// stack for each: a head, a body, or a few chunks at a time).
const MAX_IOVECS: usize = 16;

/// A piece of the response to write.
enum Piece {
    Bytes(Bytes),
    Static(&'static [u8]),
    /// A chunk's size line: hex digits and CRLF, and how much is written.
    Size([u8; 18], u8, u8),
}

impl Piece {
    fn bytes(&self) -> &[u8] {
        match self {
            Piece::Bytes(b) => b,
            Piece::Static(s) => s,
            Piece::Size(line, at, len) => &line[*at as usize..*len as usize],
        }
    }

    /// `n` bytes of it are written (fewer than it holds).
    fn advance(&mut self, n: usize) {
        match self {
            Piece::Bytes(b) => b.advance(n),
            Piece::Static(s) => *s = &s[n..],
            // A size line is at most 18 bytes.
            #[allow(clippy::cast_possible_truncation)]
            Piece::Size(_, at, _) => *at += n as u8,
        }
    }

    fn size_line(len: usize) -> Piece {
        let mut line = [0u8; 18];
        let digits = format_hex(len, &mut line);
        line[digits] = b'\r';
        line[digits + 1] = b'\n';
        // At most 16 digits and CRLF.
        #[allow(clippy::cast_possible_truncation)]
        Piece::Size(line, 0, (digits + 2) as u8)
    }
}

/// Writes `n` in hex at the start of `out`; gives the digit count.
fn format_hex(n: usize, out: &mut [u8; 18]) -> usize {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut digits = 1;
    while digits < 16 && n >> (4 * digits) != 0 {
        digits += 1;
    }
    for i in 0..digits {
        out[i] = HEX[(n >> (4 * (digits - 1 - i))) & 0xF];
    }
    digits
}

/// What waits to be written: the head (kept for the connection's life,
/// its room reused), then the pieces.
#[derive(Default)]
pub(super) struct Out {
    pub(super) head: Vec<u8>,
    head_at: usize,
    pieces: VecDeque<Piece>,
    queued: usize,
}

impl Out {
    fn push(&mut self, piece: Piece) {
        self.queued += piece.bytes().len();
        self.pieces.push_back(piece);
    }

    fn is_empty(&self) -> bool {
        self.head_at == self.head.len() && self.pieces.is_empty()
    }

    /// Writes until nothing waits (ready) or the socket is full (pending).
    fn poll_write<W: AsyncWrite + Unpin>(
        &mut self,
        io: &mut W,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        while !self.is_empty() {
            let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
            let mut count = 0;
            if self.head_at < self.head.len() {
                slices[0] = IoSlice::new(&self.head[self.head_at..]);
                count = 1;
            }
            for piece in &self.pieces {
                if count == MAX_IOVECS {
                    break;
                }
                slices[count] = IoSlice::new(piece.bytes());
                count += 1;
            }
            let n =
                std::task::ready!(Pin::new(&mut *io).poll_write_vectored(cx, &slices[..count]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.consume(n);
        }
        self.head.clear();
        self.head_at = 0;
        Poll::Ready(Ok(()))
    }

    fn consume(&mut self, mut n: usize) {
        let head_left = self.head.len() - self.head_at;
        let from_head = n.min(head_left);
        self.head_at += from_head;
        n -= from_head;
        self.queued -= n.min(self.queued);
        while n > 0 {
            let Some(front) = self.pieces.front_mut() else {
                return;
            };
            let len = front.bytes().len();
            if n >= len {
                n -= len;
                self.pieces.pop_front();
            } else {
                front.advance(n);
                n = 0;
            }
        }
    }
}

/// How a response ended.
pub(super) enum Sent {
    /// All of it written; the connection may go on if the encoder allows.
    Done,
    /// All written, and the connection must close after it (a body that
    /// ran to its close, or ended short of its length on its last frame).
    Close,
}

/// Writes the head in `out` and the body framed by `enc`. An error — the
/// socket's, the body's, a body that ended short of its `Content-Length`
/// — means the connection is cut (as hyper does: never a clean end).
/// `trailers_ok`: the request said `TE: trailers`.
pub(super) async fn send<B, W>(
    io: &mut W,
    out: &mut Out,
    body: Pin<&mut Option<B>>,
    enc: &mut Encoder,
    trailers_ok: bool,
) -> io::Result<Sent>
where
    B: Body<Data = Bytes>,
    B::Error: std::fmt::Display,
    W: AsyncWrite + Unpin,
{
    let mut body = body;
    let mut close = matches!(enc.kind, Kind::Close);
    if enc.kind == Kind::Length(0) {
        // Nothing of the body goes out (HEAD, 204, 304, an empty body).
        body.set(None);
    }
    poll_fn(|cx| loop {
        // Take frames while there is room and the body has them.
        let mut body_pending = false;
        while out.queued < HIGH {
            let Some(b) = body.as_mut().as_pin_mut() else {
                break;
            };
            let frame = match b.poll_frame(cx) {
                Poll::Pending => {
                    body_pending = true;
                    break;
                }
                Poll::Ready(None) => {
                    body.set(None);
                    if let Err(e) = end(out, enc) {
                        return Poll::Ready(Err(e));
                    }
                    break;
                }
                Poll::Ready(Some(Err(e))) => {
                    return Poll::Ready(Err(io::Error::other(format!(
                        "the response body failed: {e}"
                    ))))
                }
                Poll::Ready(Some(Ok(frame))) => frame,
            };
            let eos = body.as_mut().as_pin_mut().is_none_or(|b| b.is_end_stream());
            let ended = match frame.into_data() {
                Ok(data) if data.is_empty() => eos.then(|| end(out, enc)),
                Ok(data) => {
                    close |= data_frame(out, enc, data, eos);
                    (eos || enc.kind == Kind::Length(0)).then_some(Ok(()))
                }
                Err(frame) => Some(match frame.into_trailers() {
                    Ok(map) if trailers_ok && trailer_frame(out, enc, &map) => Ok(()),
                    _ => end(out, enc),
                }),
            };
            match ended {
                None => {}
                Some(Ok(())) => body.set(None),
                Some(Err(e)) => return Poll::Ready(Err(e)),
            }
        }
        // Write what waits; then the response is done, or the body is
        // awaited (its waker is registered), or there is room again.
        std::task::ready!(out.poll_write(io, cx))?;
        if body.is_none() {
            return Poll::Ready(Ok(if close { Sent::Close } else { Sent::Done }));
        }
        if body_pending {
            return Poll::Pending;
        }
    })
    .await
}

/// The trailers that end a chunked body whose head declared them; false
/// when none of them may go (the body then ends without them).
fn trailer_frame(out: &mut Out, enc: &mut Encoder, map: &http::HeaderMap) -> bool {
    let Kind::Chunked(Some(declared)) = &enc.kind else {
        return false;
    };
    let mut fields = Vec::new();
    encode::trailers(declared, map, &mut fields);
    if fields.is_empty() {
        return false;
    }
    out.push(Piece::Static(b"0\r\n"));
    out.push(Piece::Bytes(fields.into()));
    out.push(Piece::Static(b"\r\n"));
    enc.kind = Kind::Length(0);
    true
}

/// A data frame, framed; whether the connection must close after it (a
/// last frame short of the length).
fn data_frame(out: &mut Out, enc: &mut Encoder, data: Bytes, eos: bool) -> bool {
    match &mut enc.kind {
        Kind::Length(remaining) => {
            let len = data.len() as u64;
            if len >= *remaining {
                // Holding more than is owed: only what is left goes.
                let owed = usize::try_from(*remaining).unwrap_or(usize::MAX);
                out.push(Piece::Bytes(data.slice(..owed)));
                *remaining = 0;
                false
            } else {
                *remaining -= len;
                out.push(Piece::Bytes(data));
                eos
            }
        }
        Kind::Chunked(_) => {
            out.push(Piece::size_line(data.len()));
            out.push(Piece::Bytes(data));
            out.push(Piece::Static(if eos { b"\r\n0\r\n\r\n" } else { b"\r\n" }));
            if eos {
                enc.kind = Kind::Length(0);
            }
            false
        }
        Kind::Close => {
            out.push(Piece::Bytes(data));
            false
        }
    }
}

/// The body ended: the chunked terminator, or an error for a length not
/// reached.
fn end(out: &mut Out, enc: &mut Encoder) -> io::Result<()> {
    match enc.kind {
        Kind::Length(0) | Kind::Close => Ok(()),
        Kind::Chunked(_) => {
            out.push(Piece::Static(b"0\r\n\r\n"));
            enc.kind = Kind::Length(0);
            Ok(())
        }
        Kind::Length(n) => Err(io::Error::other(format!(
            "the response body ended {n} bytes short of its Content-Length"
        ))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunk_sizes_are_upper_hex() {
        for (n, text) in [
            (0, "0"),
            (1, "1"),
            (255, "FF"),
            (4096, "1000"),
            (0xABCDE, "ABCDE"),
        ] {
            let mut out = [0u8; 18];
            let digits = super::format_hex(n, &mut out);
            assert_eq!(std::str::from_utf8(&out[..digits]).unwrap(), text);
        }
    }
}
