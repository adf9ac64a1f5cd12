//! The response body's framing, undone: a known length, chunks (with
//! their trailers) or everything to the connection's close. A decoder
//! takes what it can from the read buffer and says when it needs more;
//! bad chunk sizes, oversized trailers and a close before the end are
//! errors.

use std::io;

use bytes::{Bytes, BytesMut};
use http::header::{HeaderMap, HeaderName, HeaderValue};

use super::{invalid, MAX_HEAD, MAX_HEADERS};

/// The longest chunk-size line (with its extensions) accepted.
const MAX_CHUNK_LINE: usize = 4096;

/// Where a body is in its framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decoder {
    state: State,
    /// Whether the body ends at the close (the connection cannot be kept).
    close: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// This many bytes are left.
    Length(u64),
    /// A chunk-size line comes next.
    Size,
    /// This many bytes of the current chunk are left.
    Chunk(u64),
    /// The CRLF after a chunk's data.
    ChunkEnd,
    /// The trailer section after the last chunk.
    Trailers,
    /// Everything up to the close.
    Close,
    /// The body has ended.
    Done,
}

/// What one step of decoding produced.
#[derive(Debug)]
pub(crate) enum Decoded {
    /// Body bytes.
    Data(Bytes),
    /// The trailer fields (the body has ended).
    Trailers(HeaderMap),
    /// The body has ended.
    End,
    /// More bytes must be read first.
    More,
}

impl Decoder {
    /// No body at all.
    pub(crate) fn empty() -> Self {
        Decoder {
            state: State::Done,
            close: false,
        }
    }

    /// `n` bytes.
    pub(crate) fn length(n: u64) -> Self {
        Decoder {
            state: if n == 0 {
                State::Done
            } else {
                State::Length(n)
            },
            close: false,
        }
    }

    /// Chunked.
    pub(crate) fn chunked() -> Self {
        Decoder {
            state: State::Size,
            close: false,
        }
    }

    /// To the close.
    pub(crate) fn close() -> Self {
        Decoder {
            state: State::Close,
            close: true,
        }
    }

    /// Whether the body has ended.
    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Whether the body is framed by the close of the connection.
    pub(crate) fn is_close_delimited(&self) -> bool {
        self.close
    }

    /// The bytes left, when the length is known.
    pub(crate) fn remaining(&self) -> Option<u64> {
        match self.state {
            State::Length(n) => Some(n),
            State::Done => Some(0),
            _ => None,
        }
    }

    /// Takes the next piece of the body out of `buf`.
    pub(crate) fn decode(&mut self, buf: &mut BytesMut) -> io::Result<Decoded> {
        loop {
            match self.state {
                State::Done => return Ok(Decoded::End),
                State::Length(n) | State::Chunk(n) => {
                    if buf.is_empty() {
                        return Ok(Decoded::More);
                    }
                    let take = usize::try_from(n).unwrap_or(usize::MAX).min(buf.len());
                    let left = n - take as u64;
                    self.state = match (self.state, left) {
                        (State::Length(_), 0) => State::Done,
                        (State::Length(_), l) => State::Length(l),
                        (_, 0) => State::ChunkEnd,
                        (_, l) => State::Chunk(l),
                    };
                    return Ok(Decoded::Data(buf.split_to(take).freeze()));
                }
                State::Close => {
                    if buf.is_empty() {
                        return Ok(Decoded::More);
                    }
                    return Ok(Decoded::Data(buf.split().freeze()));
                }
                State::Size => match httparse::parse_chunk_size(buf) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        let _ = buf.split_to(used);
                        self.state = if size == 0 {
                            State::Trailers
                        } else {
                            State::Chunk(size)
                        };
                    }
                    Ok(httparse::Status::Partial) if buf.len() <= MAX_CHUNK_LINE => {
                        return Ok(Decoded::More)
                    }
                    _ => return Err(invalid("the upstream sent an invalid chunk size")),
                },
                State::ChunkEnd => {
                    if buf.len() < 2 {
                        if buf.first().is_some_and(|b| *b != b'\r') {
                            return Err(invalid("the upstream's chunk did not end with CRLF"));
                        }
                        return Ok(Decoded::More);
                    }
                    if &buf[..2] != b"\r\n" {
                        return Err(invalid("the upstream's chunk did not end with CRLF"));
                    }
                    let _ = buf.split_to(2);
                    self.state = State::Size;
                }
                State::Trailers => return self.trailers(buf),
            }
        }
    }

    /// The connection closed: the end of a close-delimited body, an error
    /// for any other.
    pub(crate) fn eof(&mut self) -> io::Result<()> {
        match self.state {
            State::Close | State::Done => {
                self.state = State::Done;
                Ok(())
            }
            _ => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the upstream closed the connection before the body's end",
            )),
        }
    }

    fn trailers(&mut self, buf: &mut BytesMut) -> io::Result<Decoded> {
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        match httparse::parse_headers(buf, &mut slots) {
            Ok(httparse::Status::Complete((used, fields))) => {
                let mut map = HeaderMap::with_capacity(fields.len());
                for f in fields.iter() {
                    let name = HeaderName::from_bytes(f.name.as_bytes())
                        .map_err(|_| invalid("the upstream sent an invalid trailer name"))?;
                    let value = HeaderValue::from_bytes(f.value)
                        .map_err(|_| invalid("the upstream sent an invalid trailer value"))?;
                    map.append(name, value);
                }
                let _ = buf.split_to(used);
                self.state = State::Done;
                Ok(if map.is_empty() {
                    Decoded::End
                } else {
                    Decoded::Trailers(map)
                })
            }
            Ok(httparse::Status::Partial) if buf.len() <= MAX_HEAD => Ok(Decoded::More),
            _ => Err(invalid("the upstream sent invalid trailers")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `raw` fed one byte at a time: the body and the trailers.
    fn bytewise(mut d: Decoder, raw: &[u8]) -> io::Result<(Vec<u8>, Option<HeaderMap>)> {
        let mut buf = BytesMut::new();
        let (mut body, mut trailers) = (Vec::new(), None);
        let mut input = raw.iter();
        loop {
            match d.decode(&mut buf)? {
                Decoded::Data(b) => body.extend_from_slice(&b),
                Decoded::Trailers(t) => trailers = Some(t),
                Decoded::End => return Ok((body, trailers)),
                Decoded::More => match input.next() {
                    Some(b) => buf.extend_from_slice(&[*b]),
                    None => {
                        d.eof()?;
                    }
                },
            }
        }
    }

    #[test]
    fn chunks_and_trailers_decode_however_they_are_split() {
        let raw = b"5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nx-sum: 1\r\n\r\n";
        let (body, trailers) = bytewise(Decoder::chunked(), raw).unwrap();
        assert_eq!(body, b"hello!");
        assert_eq!(trailers.unwrap()["x-sum"], "1");
        let (body, trailers) = bytewise(Decoder::chunked(), b"0\r\n\r\n").unwrap();
        assert!(body.is_empty() && trailers.is_none());
    }

    #[test]
    fn bad_chunks_and_truncations_are_errors() {
        for bad in [
            &b"zz\r\nhello\r\n0\r\n\r\n"[..],
            b"fffffffffffffffffff\r\n",
            b"-1\r\n",
            b"5\r\nhelloXX0\r\n\r\n",
            b"5\r\nhel",
            b"5\r\nhello\r\n",
        ] {
            assert!(
                bytewise(Decoder::chunked(), bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(bytewise(Decoder::length(10), b"12345").is_err());
        let (body, _) = bytewise(Decoder::close(), b"to the end").unwrap();
        assert_eq!(body, b"to the end");
    }

    #[test]
    fn a_length_stops_at_its_end() {
        let mut d = Decoder::length(3);
        let mut buf = BytesMut::from(&b"abcdef"[..]);
        match d.decode(&mut buf).unwrap() {
            Decoded::Data(b) => assert_eq!(&b[..], b"abc"),
            other => panic!("{other:?}"),
        }
        assert!(d.is_done());
        assert_eq!(&buf[..], b"def");
    }
}
