//! The request head as HTTP/1.1 bytes: the request line, the headers and
//! the framing of the body (`Content-Length`, or `Transfer-Encoding:
//! chunked` when the length is not known), into one buffer sized once.

use http::header::{self, HeaderValue};
use http::Method;
use http_body::Body as _;

use crate::body::UpstreamBody;

/// How the request body goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body.
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked, the length unknown.
    Chunked,
}

/// Writes the head of `parts` into `buf` (cleared first) and says how the
/// body follows. `Transfer-Encoding` and `Content-Length` are the
/// client's own choice here: a declared length is kept, a body of known
/// size gets one, any other body is chunked.
pub(crate) fn write(
    buf: &mut Vec<u8>,
    parts: &http::request::Parts,
    body: &UpstreamBody,
) -> Framing {
    buf.clear();
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    // The buffer is the connection's, kept from one request to the next:
    // sized by the first heads, rarely grown after.
    buf.reserve(target.len() + 256);
    buf.extend_from_slice(parts.method.as_str().as_bytes());
    buf.push(b' ');
    buf.extend_from_slice(target.as_bytes());
    buf.extend_from_slice(b" HTTP/1.1\r\n");
    // The lengths the client declared (all must agree, or none is kept).
    let mut declared: Option<Option<u64>> = None;
    for (name, value) in &parts.headers {
        // The framing is written below, once, whatever the client sent.
        if name == header::CONTENT_LENGTH {
            declared = Some(agree(declared, value));
            continue;
        }
        if name == header::TRANSFER_ENCODING {
            continue;
        }
        line(buf, name.as_str().as_bytes(), value.as_bytes());
    }
    let declared = declared.flatten();
    let framing = if let Some(n) = declared {
        line(buf, b"content-length", n.to_string().as_bytes());
        if n == 0 {
            Framing::Empty
        } else {
            Framing::Length(n)
        }
    } else if body.is_end_stream() {
        if matches!(parts.method, Method::POST | Method::PUT | Method::PATCH) {
            line(buf, b"content-length", b"0");
        }
        Framing::Empty
    } else if let Some(n) = body.size_hint().exact() {
        line(buf, b"content-length", n.to_string().as_bytes());
        if n == 0 {
            Framing::Empty
        } else {
            Framing::Length(n)
        }
    } else {
        line(buf, b"transfer-encoding", b"chunked");
        Framing::Chunked
    };
    buf.extend_from_slice(b"\r\n");
    framing
}

fn line(buf: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    buf.extend_from_slice(name);
    buf.extend_from_slice(b": ");
    buf.extend_from_slice(value);
    buf.extend_from_slice(b"\r\n");
}

/// The one length the `Content-Length` values so far (`so_far`) and
/// `value` agree on (`None` when they disagree or are not numbers: the
/// body is then framed by what it is).
fn agree(so_far: Option<Option<u64>>, value: &HeaderValue) -> Option<u64> {
    let mut found = match so_far {
        Some(None) => return None,
        Some(Some(n)) => Some(n),
        None => None,
    };
    for part in value.as_bytes().split(|b| *b == b',') {
        let n = super::parse::decimal(part.trim_ascii())?;
        if found.is_some_and(|f| f != n) {
            return None;
        }
        found = Some(n);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: UpstreamBody,
    ) -> (String, Framing) {
        let mut req = http::Request::builder().method(method).uri(uri);
        for (n, v) in headers {
            req = req.header(*n, *v);
        }
        let (parts, ()) = req.body(()).unwrap().into_parts();
        let mut buf = Vec::new();
        let framing = write(&mut buf, &parts, &body);
        (String::from_utf8(buf).unwrap(), framing)
    }

    #[test]
    fn a_get_has_no_framing_headers() {
        let (text, framing) = head(
            "GET",
            "/a?b=1",
            &[("host", "up:1"), ("x-a", "1")],
            UpstreamBody::empty(),
        );
        assert_eq!(text, "GET /a?b=1 HTTP/1.1\r\nhost: up:1\r\nx-a: 1\r\n\r\n");
        assert_eq!(framing, Framing::Empty);
    }

    #[test]
    fn a_declared_length_is_kept_once_and_transfer_encoding_dropped() {
        let (text, framing) = head(
            "POST",
            "/",
            &[
                ("content-length", "7"),
                ("content-length", "7"),
                ("transfer-encoding", "gzip"),
            ],
            UpstreamBody::empty(),
        );
        assert_eq!(text, "POST / HTTP/1.1\r\ncontent-length: 7\r\n\r\n");
        assert_eq!(framing, Framing::Length(7));
        let (text, framing) = head("PUT", "/", &[], UpstreamBody::empty());
        assert_eq!(text, "PUT / HTTP/1.1\r\ncontent-length: 0\r\n\r\n");
        assert_eq!(framing, Framing::Empty);
    }
}
