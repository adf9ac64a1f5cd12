//! The response head, parsed with `httparse` (what hyper uses) out of the
//! connection's read buffer: the status, the reason, the headers (their
//! values share the buffer, no copy) and what frames the body.
//!
//! Defensive by construction: the head is bounded ([`MAX_HEAD`] bytes,
//! [`MAX_HEADERS`] fields), a `Content-Length` must be one decimal number
//! (repeated values must agree), and every failure is an
//! [`io::ErrorKind::InvalidData`] error, never a panic.

use std::io;
use std::mem::MaybeUninit;

use bytes::BytesMut;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{StatusCode, Version};

use super::decode::Decoder;
use super::{invalid, MAX_HEAD, MAX_HEADERS};

/// The fields of a head whose places are noted on the stack.
const INLINE_SPANS: usize = 24;

/// A parsed response head.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) status: StatusCode,
    pub(crate) version: Version,
    /// The reason phrase when it is not the status's usual one.
    pub(crate) reason: Option<String>,
    pub(crate) headers: HeaderMap,
    /// What the framing fields said, noted while the head was parsed (so
    /// no field is looked up again).
    fields: Fields,
}

/// The framing fields of a head.
#[derive(Debug, Default, Clone, Copy)]
struct Fields {
    /// The one `Content-Length`, or why there is none to trust.
    length: Option<Result<u64, &'static str>>,
    /// A `Transfer-Encoding` was sent.
    transfer: bool,
    /// `Connection: close` was sent.
    close: bool,
}

impl Fields {
    fn note(&mut self, name: &HeaderName, value: &[u8]) {
        if name == header::CONTENT_LENGTH {
            for part in value.split(|b| *b == b',') {
                let n = decimal(part.trim_ascii());
                self.length = match (self.length, n) {
                    (Some(Err(e)), _) => Some(Err(e)),
                    (_, None) => Some(Err("the upstream's Content-Length is invalid")),
                    (Some(Ok(l)), Some(n)) if l != n => {
                        Some(Err("the upstream sent conflicting Content-Lengths"))
                    }
                    (_, Some(n)) => Some(Ok(n)),
                };
            }
        } else if name == header::TRANSFER_ENCODING {
            self.transfer = true;
        } else if name == header::CONNECTION
            && value
                .split(|b| *b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"))
        {
            self.close = true;
        }
    }
}

/// The fields an upstream's heads are remembered for, by place.
const REMEMBERED: usize = 32;

/// The field names of the last head read on a connection, by place: an
/// upstream answers with the same names in the same order, and a name
/// that matches the one remembered at its place is taken from there
/// instead of being looked up among the standard ones (the costliest part
/// of turning a field into a `HeaderName`). Case-insensitive, so an
/// upstream that writes `Content-Type` matches too.
#[derive(Debug, Default)]
pub(crate) struct Names(Vec<HeaderName>);

impl Names {
    /// The name of the field at place `at`, written `raw`.
    fn name(&mut self, at: usize, raw: &[u8]) -> io::Result<HeaderName> {
        if let Some(known) = self.0.get(at) {
            let known_raw = known.as_str().as_bytes();
            // Equal as written (the usual case, one comparison), or but for
            // the case.
            if known_raw == raw || known_raw.eq_ignore_ascii_case(raw) {
                return Ok(known.clone());
            }
        }
        let name = HeaderName::from_bytes(raw)
            .map_err(|_| invalid("the upstream sent an invalid header name"))?;
        if at < self.0.len() {
            self.0[at] = name.clone();
        } else if at == self.0.len() && at < REMEMBERED {
            self.0.push(name.clone());
        }
        Ok(name)
    }
}

/// Parses a head at the start of `buf`, removing it from `buf` when it is
/// complete (`None`: more bytes are needed). `names`: the connection's
/// remembered field names.
pub(crate) fn parse(buf: &mut BytesMut, names: &mut Names) -> io::Result<Option<Head>> {
    let mut slots = [MaybeUninit::<httparse::Header<'_>>::uninit(); MAX_HEADERS];
    let mut res = httparse::Response::new(&mut []);
    let base = buf.as_ptr() as usize;
    let status = httparse::ParserConfig::default()
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(false)
        .parse_response_with_uninit_headers(&mut res, buf, &mut slots);
    let len = match status {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            if buf.len() > MAX_HEAD {
                return Err(invalid("the upstream's response head is too large"));
            }
            return Ok(None);
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(invalid("the upstream's response head has too many fields"))
        }
        Err(_) => return Err(invalid("the upstream's response head is invalid")),
    };
    if len > MAX_HEAD {
        return Err(invalid("the upstream's response head is too large"));
    }
    let code = res.code.unwrap_or(0);
    let status =
        StatusCode::from_u16(code).map_err(|_| invalid("the upstream's status is invalid"))?;
    let version = match res.version {
        Some(0) => Version::HTTP_10,
        _ => Version::HTTP_11,
    };
    let reason = res
        .reason
        .filter(|r| !r.is_empty() && Some(*r) != status.canonical_reason())
        .map(str::to_owned);
    // Where each field's name and value are in the buffer, to cut the
    // values out of the frozen head without a copy. Held inline for the
    // usual head (zeroing room for all MAX_HEADERS would cost more than
    // the rest of this loop), on the heap for a long one.
    let count = res.headers.len();
    let mut inline = [(0u32, 0u32, 0u32, 0u32); INLINE_SPANS];
    let mut heap = Vec::new();
    let spans = if count <= INLINE_SPANS {
        &mut inline[..count]
    } else {
        heap.resize(count, (0, 0, 0, 0));
        &mut heap[..]
    };
    for (span, h) in spans.iter_mut().zip(res.headers.iter()) {
        let at = |s: &[u8]| (s.as_ptr() as usize - base) as u32;
        *span = (
            at(h.name.as_bytes()),
            h.name.len() as u32,
            at(h.value),
            h.value.len() as u32,
        );
    }
    let head = buf.split_to(len).freeze();
    // Room for what the proxy adds (Via, a request id) without a growth,
    // and no more: a map's room is rounded up to a power of two, and a
    // few fields' more can double it past the size the allocator serves
    // from its per-thread cache (3 fields + 4 took 12 entries, 1.1 KiB;
    // + 2 takes 6, 0.6 KiB).
    let mut headers = HeaderMap::with_capacity(count + 2);
    let mut fields = Fields::default();
    for (at, &(name, name_len, value, value_len)) in spans.iter().enumerate() {
        let (name, value) = (name as usize, value as usize);
        let name = names.name(at, &head[name..name + name_len as usize])?;
        let value = HeaderValue::from_maybe_shared(head.slice(value..value + value_len as usize))
            .map_err(|_| invalid("the upstream sent an invalid header value"))?;
        fields.note(&name, value.as_bytes());
        headers.append(name, value);
    }
    Ok(Some(Head {
        status,
        version,
        reason,
        headers,
        fields,
    }))
}

/// A decimal `Content-Length` (digits only, no sign, at most 19 of them).
pub(crate) fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')),
    )
}

/// How the body of `head` is framed, answering a request that was a HEAD
/// or not (RFC 9112 §6.3). A `Content-Length` next to a chunked
/// `Transfer-Encoding` is removed: the chunks frame the body.
///
/// # Errors
///
/// `Content-Length` values that are not one number.
pub(crate) fn framing(head: &mut Head, head_request: bool) -> io::Result<Decoder> {
    let status = head.status.as_u16();
    if head_request || (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok(Decoder::empty());
    }
    if head.fields.transfer {
        head.headers.remove(header::CONTENT_LENGTH);
        let last = head
            .headers
            .get_all(header::TRANSFER_ENCODING)
            .iter()
            .flat_map(|v| v.as_bytes().split(|b| *b == b','))
            .map(<[u8]>::trim_ascii)
            .rev()
            .find(|t| !t.is_empty());
        return Ok(match last {
            Some(t) if t.eq_ignore_ascii_case(b"chunked") => Decoder::chunked(),
            // Chunked not last: the body runs to the close.
            _ => Decoder::close(),
        });
    }
    match head.fields.length {
        Some(Ok(n)) => Ok(Decoder::length(n)),
        Some(Err(e)) => Err(invalid(e)),
        None => Ok(Decoder::close()),
    }
}

/// Whether the connection may carry another request after this response:
/// HTTP/1.1 without `Connection: close`.
pub(crate) fn keep_alive(head: &Head) -> bool {
    head.version == Version::HTTP_11 && !head.fields.close
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &[u8]) -> io::Result<Option<Head>> {
        parse(&mut BytesMut::from(raw), &mut Names::default())
    }

    #[test]
    fn remembered_names_follow_each_head() {
        let mut names = Names::default();
        let heads: [&[u8]; 4] = [
            b"HTTP/1.1 200 OK\r\ncontent-type: a\r\nx-one: 1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Type: b\r\nx-one: 2\r\n\r\n",
            // A name in another place, one more field, a custom name that
            // changed: each is itself.
            b"HTTP/1.1 200 OK\r\nx-one: 3\r\ncontent-type: c\r\nx-two: 4\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nx-One: 5\r\ncontent-type: d\r\nx-three: 6\r\n\r\n",
        ];
        let want: [&[(&str, &str)]; 4] = [
            &[("content-type", "a"), ("x-one", "1")],
            &[("content-type", "b"), ("x-one", "2")],
            &[("x-one", "3"), ("content-type", "c"), ("x-two", "4")],
            &[("x-one", "5"), ("content-type", "d"), ("x-three", "6")],
        ];
        for (raw, want) in heads.iter().zip(want) {
            let head = parse(&mut BytesMut::from(*raw), &mut names)
                .unwrap()
                .unwrap();
            let got: Vec<(&str, &str)> = head
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
                .collect();
            assert_eq!(got, want);
        }
        // An invalid name is refused even where a valid one was remembered.
        assert!(parse(
            &mut BytesMut::from(&b"HTTP/1.1 200 OK\r\nx one: 1\r\n\r\n"[..]),
            &mut names
        )
        .is_err());
        // Only the first REMEMBERED places are kept.
        let mut long = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..REMEMBERED + 8 {
            long.extend_from_slice(format!("x-{i}: {i}\r\n").as_bytes());
        }
        long.extend_from_slice(b"\r\n");
        for _ in 0..2 {
            let head = parse(&mut BytesMut::from(&long[..]), &mut names)
                .unwrap()
                .unwrap();
            assert_eq!(head.headers.len(), REMEMBERED + 8);
            assert_eq!(head.headers["x-35"], "35");
        }
        assert_eq!(names.0.len(), REMEMBERED);
    }

    #[test]
    fn a_head_is_parsed_and_taken_from_the_buffer() {
        let mut buf = BytesMut::from(&b"HTTP/1.1 201 Made\r\nX-A: 1\r\nx-a: 2\r\n\r\nbody"[..]);
        let head = parse(&mut buf, &mut Names::default()).unwrap().unwrap();
        assert_eq!(head.status, 201);
        assert_eq!(head.reason.as_deref(), Some("Made"));
        let all: Vec<_> = head.headers.get_all("x-a").iter().collect();
        assert_eq!(all, ["1", "2"]);
        assert_eq!(&buf[..], b"body");
        let head = parsed(b"HTTP/1.0 200 OK\r\n\r\n").unwrap().unwrap();
        assert!(head.reason.is_none());
        assert!(!keep_alive(&head));
    }

    #[test]
    fn hostile_heads_are_errors_or_wait_for_more() {
        assert!(parsed(b"HTTP/1.1 200 OK\r\nx: 1\r\n").unwrap().is_none());
        for bad in [
            &b"HTTP/1.1 2000 OK\r\n\r\n"[..],
            b"HTTP/2.0 200 OK\r\n\r\n",
            b"garbage\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nbad name: 1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\n folded: 1\r\n\r\n",
        ] {
            assert!(parsed(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..MAX_HEADERS + 1 {
            many.extend_from_slice(format!("x-{i}: 1\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert!(parsed(&many).is_err());
        let mut huge = b"HTTP/1.1 200 OK\r\nx: ".to_vec();
        huge.resize(MAX_HEAD + 10, b'a');
        assert!(parsed(&huge).is_err());
    }

    #[test]
    fn heads_longer_than_the_inline_room_keep_every_field() {
        for count in [
            INLINE_SPANS - 1,
            INLINE_SPANS,
            INLINE_SPANS + 1,
            MAX_HEADERS,
        ] {
            let mut raw = b"HTTP/1.1 200 OK\r\n".to_vec();
            for i in 0..count {
                raw.extend_from_slice(format!("x-{i}: v{i}\r\n").as_bytes());
            }
            raw.extend_from_slice(b"\r\nrest");
            let mut buf = BytesMut::from(&raw[..]);
            let head = parse(&mut buf, &mut Names::default()).unwrap().unwrap();
            assert_eq!(head.headers.len(), count);
            for i in 0..count {
                assert_eq!(
                    head.headers[format!("x-{i}").as_str()],
                    format!("v{i}").as_str()
                );
            }
            assert_eq!(&buf[..], b"rest");
        }
    }

    #[test]
    fn lengths_must_agree() {
        let frame = |raw: &[u8]| {
            let mut head = parsed(raw).unwrap().unwrap();
            framing(&mut head, false)
        };
        assert!(
            frame(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 5\r\n\r\n").is_ok()
        );
        assert!(frame(b"HTTP/1.1 200 OK\r\ncontent-length: 5, 6\r\n\r\n").is_err());
        assert!(frame(b"HTTP/1.1 200 OK\r\ncontent-length: -5\r\n\r\n").is_err());
        assert!(frame(b"HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999\r\n\r\n").is_err());
        assert!(frame(
            b"HTTP/1.1 200 OK\r\ncontent-length: x\r\ntransfer-encoding: chunked\r\n\r\n"
        )
        .is_ok());
    }
}
