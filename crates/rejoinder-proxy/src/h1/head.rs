//! The request head as HTTP/1.1 bytes: the request line, the headers and
//! the framing of the body (`Content-Length`, or `Transfer-Encoding:
//! chunked` when the length is not known), into one buffer sized once.

use http::header::{self, HeaderMap, HeaderName};
use http::Method;
use http_body::Body as _;

use crate::body::UpstreamBody;

/// A request head to write.
#[derive(Clone, Copy)]
pub(crate) struct Request<'a> {
    pub(crate) method: &'a Method,
    /// The request target in pieces written one after the other (a
    /// target's base path, then the path and query).
    pub(crate) target: [&'a str; 2],
    pub(crate) fields: &'a dyn Fields,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", self.method)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// The fields of a request head, visited in order (a header map, or a
/// proxy's plan that never builds one).
pub(crate) trait Fields: Sync {
    /// Calls `f` with each field.
    fn each(&self, f: &mut dyn FnMut(&HeaderName, &[u8]));
}

impl Fields for HeaderMap {
    fn each(&self, f: &mut dyn FnMut(&HeaderName, &[u8])) {
        for (name, value) in self {
            f(name, value.as_bytes());
        }
    }
}

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

/// Writes `head` into `buf` (cleared first) and says how the body
/// follows. `Transfer-Encoding` and `Content-Length` are the
/// client's own choice here: a declared length is kept, a body of known
/// size gets one, any other body is chunked.
pub(crate) fn write(buf: &mut Vec<u8>, head: &Request<'_>, body: &UpstreamBody) -> Framing {
    buf.clear();
    let [base, target] = head.target;
    // The buffer is the connection's, kept from one request to the next:
    // sized by the first heads, rarely grown after.
    buf.reserve(base.len() + target.len() + 256);
    buf.extend_from_slice(head.method.as_str().as_bytes());
    buf.push(b' ');
    buf.extend_from_slice(base.as_bytes());
    buf.extend_from_slice(target.as_bytes());
    if base.is_empty() && target.is_empty() {
        buf.push(b'/');
    }
    buf.extend_from_slice(b" HTTP/1.1\r\n");
    // The lengths the client declared (all must agree, or none is kept).
    let mut declared: Option<Option<u64>> = None;
    head.fields.each(&mut |name, value| {
        // The framing is written below, once, whatever the client sent.
        if name == header::CONTENT_LENGTH {
            declared = Some(agree(declared, value));
        } else if name != header::TRANSFER_ENCODING {
            line(buf, name.as_str().as_bytes(), value);
        }
    });
    let declared = declared.flatten();
    let framing = if let Some(n) = declared {
        line(buf, b"content-length", n.to_string().as_bytes());
        if n == 0 {
            Framing::Empty
        } else {
            Framing::Length(n)
        }
    } else if body.is_end_stream() {
        if matches!(*head.method, Method::POST | Method::PUT | Method::PATCH) {
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
fn agree(so_far: Option<Option<u64>>, value: &[u8]) -> Option<u64> {
    let mut found = match so_far {
        Some(None) => return None,
        Some(Some(n)) => Some(n),
        None => None,
    };
    for part in value.split(|b| *b == b',') {
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
        let head = Request {
            method: &parts.method,
            target: ["", parts.uri.path_and_query().map_or("", |pq| pq.as_str())],
            fields: &parts.headers,
        };
        let framing = write(&mut buf, &head, &body);
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
