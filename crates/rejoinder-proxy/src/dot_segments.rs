//! Dot segments in a path the proxy is about to forward.
//!
//! The router picks a route by the path as it was sent; an upstream that
//! resolves `.` and `..` (RFC 3986 §5.2.4: most servers and frameworks do)
//! serves another path than the one the route was chosen for. Behind a
//! gateway where `/private/*` needs a token and `/api/*` does not,
//! `/api/../private/x` would pass the `/api` route and be served as
//! `/private/x`. Kong and nginx avoid this by normalizing the path before
//! they match it; rejoinder's router matches paths as sent, so the proxy
//! refuses to forward a path with a dot segment (400), unless told to
//! (`Proxy::allow_dot_segments`).
//!
//! A dot segment is counted the way the upstreams that read paths most
//! loosely read it: a segment ends at `/`, at `\` and at their encodings
//! `%2F` and `%5C` (IIS and some decoding frameworks take them for `/`);
//! `;` starts parameters a servlet container drops (`..;` is `..` to
//! Tomcat); `%2E` is a dot. Browsers and HTTP clients resolve dot segments
//! before they send a request, so only a crafted request has one.

use std::sync::Arc;

use rejoinder::http_error::Cause;
use rejoinder::{Context, IntoResponse, NO_HEADERS};

/// The message of the 400 a refused path gets.
const MESSAGE: &str =
    "The request path has a dot segment (\".\" or \"..\"), which this gateway does not forward";

/// Ends the request of `ctx` with a 400 (Kong's negotiated error body)
/// whose cause names the path.
pub(crate) fn refuse(ctx: &mut Context) {
    let cause: Cause = Arc::new(DotSegment(ctx.req.path().to_owned()));
    let Err(mut abort) = ctx.error(400, MESSAGE, NO_HEADERS);
    abort.response_mut().set_error_cause(cause);
    ctx.res = abort.into_response();
}

/// A path refused for a dot segment: the cause of its 400.
#[derive(Debug)]
struct DotSegment(String);

impl std::fmt::Display for DotSegment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the path {:?} has a dot segment, which an upstream would resolve to another path than the one its route was chosen by",
            self.0
        )
    }
}

impl std::error::Error for DotSegment {}

/// Whether `path` has a segment an upstream may read as `.` or `..`
/// (see the module).
pub(crate) fn found(path: &str) -> bool {
    let bytes = path.as_bytes();
    // Nearly every path: no dot, plain or encoded, so no dot segment.
    if !bytes.iter().any(|&b| b == b'.' || b == b'%') {
        return false;
    }
    let mut i = 0;
    // The dots of the current segment so far; `None` once the segment has
    // anything else (before its parameters).
    let mut dots: Option<u8> = Some(0);
    let mut in_params = false;
    loop {
        let (separator, width) = match bytes.get(i) {
            None => (true, 0),
            Some(b'/' | b'\\') => (true, 1),
            Some(b'%') => match encoded(bytes, i) {
                Some(b'/' | b'\\') => (true, 3),
                Some(b'.') if !in_params => {
                    dots = dots.map(|d| d.saturating_add(1));
                    i += 3;
                    continue;
                }
                _ => (false, 1),
            },
            Some(_) => (false, 1),
        };
        if separator {
            if matches!(dots, Some(1 | 2)) {
                return true;
            }
            if i >= bytes.len() {
                return false;
            }
            dots = Some(0);
            in_params = false;
        } else if !in_params {
            match bytes[i] {
                b'.' => dots = dots.map(|d| d.saturating_add(1)),
                b';' => in_params = true,
                _ => dots = None,
            }
        }
        i += width;
    }
}

/// The byte a `%XX` escape at `at` stands for, when it is one of the bytes
/// that matter here (`.`, `/`, `\`).
fn encoded(bytes: &[u8], at: usize) -> Option<u8> {
    let hex = bytes.get(at + 1..at + 3)?;
    match [hex[0], hex[1].to_ascii_uppercase()] {
        [b'2', b'E'] => Some(b'.'),
        [b'2', b'F'] => Some(b'/'),
        [b'5', b'C'] => Some(b'\\'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::found;

    #[test]
    fn dot_segments_in_every_spelling_are_found() {
        for path in [
            "/..",
            "/.",
            "/api/../private/x",
            "/api/./x",
            "/./private",
            "/api/..",
            "/api/.",
            "/api/%2e%2e/private",
            "/api/%2E%2e/private",
            "/api/.%2e/private",
            "/api/%2e./private",
            "/api/%2e/private",
            "/api/..\\private",
            "/api\\..\\private",
            "/api/..%2fprivate",
            "/api/..%2Fprivate",
            "/api/..%5cprivate",
            "/api%2f..%2fprivate",
            "/api/..;/private",
            "/api/..;jsessionid=1/private",
            "/api/.;x/private",
            "//..//private",
            "..",
            "/a/b/c/../../..",
        ] {
            assert!(found(path), "{path} has a dot segment");
        }
    }

    #[test]
    fn names_with_dots_are_not_dot_segments() {
        for path in [
            "/",
            "",
            "/api/x",
            "/file.json",
            "/api/...",
            "/api/..../x",
            "/api/.hidden",
            "/api/a..b",
            "/api/..x/y",
            "/api/x..",
            "/api/%2e%2e%2e",
            "/api/%2ex",
            "/api/%2",
            "/api/%",
            "/api/%zz/..x",
            "/api/v1.2/items",
            "/api;v=1.2/x",
            "/api/x;..",
            "/api/x;p=../y",
            "/api//x",
            "/api/%252e%252e/x",
        ] {
            assert!(!found(path), "{path} has no dot segment");
        }
    }
}
