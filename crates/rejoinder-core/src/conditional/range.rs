//! `Range` and `If-Range` on file bodies (RFC 9110 §14), parsed with the
//! `http-range-header` crate.

use std::ops::RangeInclusive;

use http::header::{self, HeaderMap, HeaderValue};
use http_range_header::{EndPosition, RangeUnsatisfiableError, StartPosition};

use super::EntityTag;
use crate::body::Body;
use crate::Response;

/// Answers a Range request on a 200 file body: 206 with the part, 416, or
/// nothing (the whole file) when the header asks for several ranges, is
/// malformed, or comes with an `If-Range` that no longer matches.
pub(super) fn apply(res: &mut Response, request: &HeaderMap) {
    let Some(Body::File(file)) = res.body() else {
        return;
    };
    let size = file.size();
    let Some(range) = request.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return;
    };
    if let Some(if_range) = request.get(header::IF_RANGE) {
        if !if_range_matches(if_range.as_bytes(), res) {
            return;
        }
    }
    match plan(range, size) {
        Plan::Whole => {}
        Plan::Unsatisfiable => {
            let _ = res.set_status(416);
            let _ = res.take_body();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
        }
        Plan::Part(part) => {
            let (start, end) = (*part.start(), *part.end());
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

/// Whether `If-Range` still names the response's representation: an
/// entity tag equal to its ETag by strong comparison (a weak tag never
/// matches), or an HTTP-date equal to its Last-Modified.
fn if_range_matches(if_range: &[u8], res: &Response) -> bool {
    let if_range = if_range.trim_ascii();
    if if_range.starts_with(b"\"") || if_range.starts_with(b"W/") {
        let current = res
            .headers()
            .get(header::ETAG)
            .and_then(|v| EntityTag::parse(v.as_bytes()));
        return match (EntityTag::parse(if_range), current) {
            (Some(tag), Some(current)) => tag.matches(current, super::Compare::Strong),
            _ => false,
        };
    }
    let since = std::str::from_utf8(if_range)
        .ok()
        .and_then(|s| httpdate::parse_http_date(s).ok());
    match (since, res.last_modified()) {
        (Some(since), Some(modified)) => modified == since,
        _ => false,
    }
}

/// What a Range header asks of a file.
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    /// Send the whole file with 200: several ranges, a malformed header, or
    /// a range whose last byte comes before its first.
    Whole,
    /// 416: no byte of the range exists.
    Unsatisfiable,
    /// 206 with these bytes (inclusive).
    Part(RangeInclusive<u64>),
}

/// Reads a Range header for a file of `size` bytes.
///
/// `http-range-header` parses strictly (no spaces inside a range, no
/// leading zeros) and reports a range starting past the end as reversed;
/// a range written backwards (`bytes=9-1`) is told apart here and ignored,
/// as RFC 9110 §14.1.1 calls it invalid, and a suffix longer than the file
/// means the whole file (§14.1.2), sent as a 206.
fn plan(header: &str, size: u64) -> Plan {
    let parsed = match http_range_header::parse_range_header(header) {
        Ok(parsed) => parsed,
        // `bytes=-0`: well formed, and asks for no byte at all.
        Err(RangeUnsatisfiableError::ZeroSuffix) if !header.contains(',') => {
            return Plan::Unsatisfiable
        }
        Err(_) => return Plan::Whole,
    };
    let [only] = parsed.ranges.as_slice() else {
        return Plan::Whole;
    };
    if let (StartPosition::Index(first), EndPosition::Index(last)) = (only.start, only.end) {
        if last < first {
            return Plan::Whole;
        }
    }
    if size == 0 {
        return Plan::Unsatisfiable;
    }
    match parsed.validate(size).as_deref() {
        Ok([part]) if *part.start() < size => Plan::Part(part.clone()),
        Err(RangeUnsatisfiableError::FileSuffixOutOfBounds) => Plan::Part(0..=size - 1),
        _ => Plan::Unsatisfiable,
    }
}

#[cfg(test)]
mod tests {
    use super::{plan, Plan};

    #[test]
    fn single_ranges() {
        assert_eq!(plan("bytes=0-9", 100), Plan::Part(0..=9));
        assert_eq!(plan("bytes=90-", 100), Plan::Part(90..=99));
        assert_eq!(plan("bytes=-10", 100), Plan::Part(90..=99));
        assert_eq!(plan("bytes=95-200", 100), Plan::Part(95..=99));
        assert_eq!(plan("bytes=7-7", 100), Plan::Part(7..=7));
        assert_eq!(plan("bytes=99-", 100), Plan::Part(99..=99));
        // A suffix longer than the file: all of it.
        assert_eq!(plan("bytes=-1000", 100), Plan::Part(0..=99));
    }

    #[test]
    fn unsatisfiable_ranges() {
        assert_eq!(plan("bytes=100-", 100), Plan::Unsatisfiable);
        assert_eq!(plan("bytes=105-110", 100), Plan::Unsatisfiable);
        assert_eq!(plan("bytes=-0", 100), Plan::Unsatisfiable);
        assert_eq!(plan("bytes=0-", 0), Plan::Unsatisfiable);
        assert_eq!(plan("bytes=-5", 0), Plan::Unsatisfiable);
    }

    #[test]
    fn several_or_malformed_ranges_mean_the_whole_file() {
        for header in [
            "bytes=0-1,5-6",
            "bytes=0-1, 3-4",
            "bytes=0-5, 3-8",
            "bytes=0-1,-0",
            "bytes=9-1",
            "items=0-1",
            "bytes=abc",
            "bytes=1-2-3",
            "bytes=",
            "bytes= 0-9",
            "bytes=00-9",
            "bytes=0-99999999999999999999",
        ] {
            assert_eq!(plan(header, 100), Plan::Whole, "{header}");
        }
    }
}
