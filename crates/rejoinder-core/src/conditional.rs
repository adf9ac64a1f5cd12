//! Conditional GET and byte ranges, answered when a response is finalized.
//!
//! A GET or HEAD whose 2xx response carries an ETag or Last-Modified is
//! answered `304 Not Modified` (no body) when the request is fresh, as the
//! `fresh` package decides. A file body ([`Body::File`]) honours a single
//! `Range: bytes=…` with `206 Partial Content` and Content-Range, answers
//! `416 Range Not Satisfiable` (with `Content-Range: bytes */size`) when no
//! byte of it exists, and sends the whole file for several ranges, a
//! malformed header, or an `If-Range` that no longer matches.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::conditional::{apply, Preconditions};
//! use rejoinder_core::http::{HeaderMap, HeaderValue, Method};
//! use rejoinder_core::Response;
//!
//! let mut req = HeaderMap::new();
//! req.insert("if-none-match", HeaderValue::from_static("\"v1\""));
//! let pre = Preconditions::from_headers(&req).unwrap();
//! let mut res = Response::new();
//! res.set_etag("v1").unwrap();
//! res.set_body("cached");
//! apply(&mut res, &Method::GET, &pre);
//! assert_eq!(res.status().as_u16(), 304);
//! ```

use http::header::{self, HeaderMap, HeaderValue};
use http::Method;

use crate::body::Body;
use crate::Response;

/// The request headers that decide conditional and range responses, kept
/// from the request (only the ones present).
#[derive(Debug, Clone, Default)]
pub struct Preconditions {
    headers: HeaderMap,
}

impl Preconditions {
    /// Picks the conditional and range headers out of a request's headers;
    /// `None` when there are none (the common case costs one pass over the
    /// headers and no allocation).
    pub fn from_headers(headers: &HeaderMap) -> Option<Preconditions> {
        let wanted = |n: &header::HeaderName| {
            n == header::IF_NONE_MATCH
                || n == header::IF_MODIFIED_SINCE
                || n == header::RANGE
                || n == header::IF_RANGE
                || n == header::CACHE_CONTROL
        };
        if !headers.keys().any(wanted) {
            return None;
        }
        let mut kept = HeaderMap::new();
        for (n, v) in headers {
            if wanted(n) {
                kept.append(n.clone(), v.clone());
            }
        }
        Some(Preconditions { headers: kept })
    }
}

/// Applies conditional GET and ranges to a response about to be sent.
pub fn apply(res: &mut Response, method: &Method, pre: &Preconditions) {
    if method != Method::GET && method != Method::HEAD {
        return;
    }
    let status = res.status().as_u16();
    if (200..300).contains(&status)
        && (res.has("etag") || res.has("last-modified"))
        && crate::fresh::is_fresh(&pre.headers, res.headers())
    {
        let _ = res.set_status(304);
        return;
    }
    if status != 200 {
        return;
    }
    #[cfg(feature = "fs")]
    apply_range(res, pre);
}

/// Answers a Range request on a file body: 206 with the part, or 416.
#[cfg(feature = "fs")]
fn apply_range(res: &mut Response, pre: &Preconditions) {
    let Some(range) = pre.headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return;
    };
    let Some(Body::File(file)) = res.body() else {
        return;
    };
    let size = file.size();
    if let Some(if_range) = pre
        .headers
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
    {
        if !if_range_matches(if_range, res) {
            return;
        }
    }
    match parse_range(range, size) {
        RangeSpec::Whole => {}
        RangeSpec::Unsatisfiable => {
            let _ = res.set_status(416);
            let _ = res.take_body();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
        }
        RangeSpec::Part(start, end) => {
            if let Some(Body::File(file)) = res.body_mut() {
                file.set_range(start, end + 1);
            }
            let _ = res.set_status(206);
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
        }
    }
}

fn if_range_matches(if_range: &str, res: &Response) -> bool {
    let if_range = if_range.trim();
    if if_range.starts_with('"') || if_range.starts_with("W/") {
        // Strong comparison: a weak tag never matches.
        return !if_range.starts_with("W/") && res.etag().is_some_and(|e| e == if_range);
    }
    match (httpdate::parse_http_date(if_range), res.last_modified()) {
        (Ok(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

enum RangeSpec {
    Whole,
    Unsatisfiable,
    Part(u64, u64),
}

/// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n` for a file of `size`
/// bytes; the end is inclusive.
fn parse_range(header: &str, size: u64) -> RangeSpec {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeSpec::Whole;
    };
    if spec.contains(',') {
        return RangeSpec::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeSpec::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    match (num(a), num(b), a.is_empty(), b.is_empty()) {
        (Some(start), Some(end), _, _) if start <= end => {
            if start >= size {
                RangeSpec::Unsatisfiable
            } else {
                RangeSpec::Part(start, end.min(size - 1))
            }
        }
        (Some(start), None, _, true) => {
            if start >= size {
                RangeSpec::Unsatisfiable
            } else {
                RangeSpec::Part(start, size - 1)
            }
        }
        (None, Some(suffix), true, _) => {
            if suffix == 0 || size == 0 {
                RangeSpec::Unsatisfiable
            } else {
                RangeSpec::Part(size.saturating_sub(suffix), size - 1)
            }
        }
        _ => RangeSpec::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!(matches!(
            parse_range("bytes=0-9", 100),
            RangeSpec::Part(0, 9)
        ));
        assert!(matches!(
            parse_range("bytes=90-", 100),
            RangeSpec::Part(90, 99)
        ));
        assert!(matches!(
            parse_range("bytes=-10", 100),
            RangeSpec::Part(90, 99)
        ));
        assert!(matches!(
            parse_range("bytes=95-200", 100),
            RangeSpec::Part(95, 99)
        ));
        assert!(matches!(
            parse_range("bytes=100-", 100),
            RangeSpec::Unsatisfiable
        ));
        assert!(matches!(
            parse_range("bytes=-0", 100),
            RangeSpec::Unsatisfiable
        ));
        assert!(matches!(
            parse_range("bytes=0-1,5-6", 100),
            RangeSpec::Whole
        ));
        assert!(matches!(parse_range("bytes=9-1", 100), RangeSpec::Whole));
        assert!(matches!(parse_range("items=0-1", 100), RangeSpec::Whole));
    }
}
