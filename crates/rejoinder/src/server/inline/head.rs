//! A request head read by the inline HTTP/1.1 path: parsed with
//! `httparse` (what hyper uses), with hyper's checks, into the request the
//! app gets. Only the plain case is taken: anything hyper treats specially
//! — a body, `Expect`, an upgrade, `CONNECT`, a head over the limits, a
//! parse error — is left to hyper (see [`Parsed::Hyper`]), which then
//! answers it as it always does.

use std::mem::MaybeUninit;

use bytes::BytesMut;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Uri, Version};

/// hyper's longest request target (`MAX_URI_LEN`); a longer one is answered
/// 414 by hyper.
const MAX_URI_LEN: usize = (u16::MAX - 1) as usize;

/// The header slots on the stack: hyper's default count. A head with more
/// is left to hyper, which applies the configured count.
const SLOTS: usize = 100;

/// The fields of a head whose places are noted on the stack.
const INLINE_SPANS: usize = 24;

/// What the bytes read so far hold.
pub(super) enum Parsed {
    /// A request the inline path serves, put in the caller's slot (not
    /// returned: each move of it through the layers would copy some 280
    /// bytes).
    Request,
    /// Not a whole head yet.
    Partial,
    /// A head (or bytes) for hyper: the connection goes to it as it is.
    Hyper,
}

/// A head the inline path serves.
pub(super) struct Request {
    /// Its head (it has no body).
    pub(super) head: http::request::Parts,
    /// The connection may carry another request after it (HTTP/1.1 without
    /// `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`).
    pub(super) keep_alive: bool,
    /// The client takes trailers (`TE: trailers`).
    pub(super) trailers: bool,
}

/// Parses the head at the start of `buf`, removing it when it is taken.
/// `max_headers`, `max_head`: the app's header-count and head-size limits
/// (a head at them is hyper's to refuse). `cached`: an empty map with room
/// (the last response's, as hyper reuses it), taken for the fields;
/// `slot`: where a request the inline path serves is put.
pub(super) fn parse(
    buf: &mut BytesMut,
    max_headers: usize,
    max_head: usize,
    cached: &mut Option<HeaderMap>,
    slot: &mut Option<Request>,
) -> Parsed {
    let mut slots = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; SLOTS];
    let mut req = httparse::Request::new(&mut []);
    let base = buf.as_ptr() as usize;
    let len = match httparse::ParserConfig::default()
        .parse_request_with_uninit_headers(&mut req, buf, &mut slots)
    {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(_) => return Parsed::Hyper,
    };
    let (Some(method), Some(path), Some(minor)) = (req.method, req.path, req.version) else {
        return Parsed::Hyper;
    };
    if len >= max_head || path.len() > MAX_URI_LEN || req.headers.len() > max_headers {
        return Parsed::Hyper;
    }
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return Parsed::Hyper;
    };
    if method == Method::CONNECT {
        return Parsed::Hyper;
    }
    let http11 = minor == 1;
    // Where the target and each field are, to cut them out of the frozen
    // head without a copy.
    let at = |s: &[u8]| s.as_ptr() as usize - base;
    let path_at = (at(path.as_bytes()), path.len());
    // Held inline for the usual head (zeroing room for all the slots
    // would cost more than the rest of this loop), on the heap for a long
    // one.
    let count = req.headers.len();
    let mut inline = [(0u32, 0u32, 0u32, 0u32); INLINE_SPANS];
    let mut heap = Vec::new();
    let spans = if count <= INLINE_SPANS {
        &mut inline[..count]
    } else {
        heap.resize(count, (0, 0, 0, 0));
        &mut heap[..]
    };
    // A head is at most the read buffer's limit, far below 4 GiB.
    #[allow(clippy::cast_possible_truncation)]
    for (span, h) in spans.iter_mut().zip(req.headers.iter()) {
        *span = (
            at(h.name.as_bytes()) as u32,
            h.name.len() as u32,
            at(h.value) as u32,
            h.value.len() as u32,
        );
    }
    let head = buf.split_to(len).freeze();
    let Ok(uri) = Uri::from_maybe_shared(head.slice(path_at.0..path_at.0 + path_at.1)) else {
        // hyper answers an invalid target 400 itself.
        return hyper_after(buf, head);
    };
    let mut keep_alive = http11;
    let mut closed = false;
    let mut trailers = false;
    let mut headers = cached.take().unwrap_or_default();
    headers.reserve(count);
    for &(name, name_len, value, value_len) in spans.iter() {
        let (name, name_len) = (name as usize, name_len as usize);
        let (value, value_len) = (value as usize, value_len as usize);
        let Ok(name) = HeaderName::from_bytes(&head[name..name + name_len]) else {
            return hyper_after(buf, head);
        };
        let raw = &head[value..value + value_len];
        match name {
            // A body, or a wish hyper handles (100-continue, an upgrade).
            header::TRANSFER_ENCODING | header::EXPECT | header::UPGRADE => {
                return hyper_after(buf, head)
            }
            header::CONTENT_LENGTH if raw != b"0" => return hyper_after(buf, head),
            header::CONNECTION => {
                // Once any line asks to close, a later keep-alive does not
                // undo it (hyper's rule).
                if closed || has_token(raw, "close") {
                    closed = true;
                    keep_alive = false;
                } else if !keep_alive {
                    keep_alive = has_token(raw, "keep-alive");
                }
            }
            header::TE => trailers |= has_token(raw, "trailers"),
            _ => {}
        }
        // httparse checked the value's bytes, as hyper relies on.
        let value = HeaderValue::from_maybe_shared(head.slice(value..value + value_len));
        let Ok(value) = value else {
            return hyper_after(buf, head);
        };
        headers.append(name, value);
    }
    let (mut head, ()) = http::Request::new(()).into_parts();
    head.method = method;
    head.uri = uri;
    head.version = if http11 {
        Version::HTTP_11
    } else {
        Version::HTTP_10
    };
    head.headers = headers;
    *slot = Some(Request {
        head,
        keep_alive,
        trailers,
    });
    Parsed::Request
}

/// Puts a head taken out of `buf` back in front of it, for hyper.
#[cold]
fn hyper_after(buf: &mut BytesMut, head: bytes::Bytes) -> Parsed {
    let mut whole = BytesMut::with_capacity(head.len() + buf.len());
    whole.extend_from_slice(&head);
    whole.extend_from_slice(buf);
    *buf = whole;
    Parsed::Hyper
}

/// Whether a comma-separated list names `token` (case-insensitive), as
/// hyper reads `Connection` and `TE`.
pub(super) fn has_token(value: &[u8], token: &str) -> bool {
    std::str::from_utf8(value)
        .is_ok_and(|s| s.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}
