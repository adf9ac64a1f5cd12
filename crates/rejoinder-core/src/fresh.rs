//! Conditional-request freshness, as the `fresh` package (0.5) decides it.
//!
//! A response is fresh (the client's copy is still good, so a 304 may be
//! sent) when the request is conditional and every condition it carries
//! holds:
//!
//! 1. No `If-Modified-Since` and no `If-None-Match`: not fresh.
//! 2. `Cache-Control` in the request lists `no-cache`: not fresh.
//! 3. `If-None-Match` other than `*` needs a response ETag equal to one of
//!    the listed tags, comparing weakly (a `W/` on either side is ignored).
//! 4. `If-Modified-Since` needs a response `Last-Modified` no later than it.
//!    A date that does not parse makes the response stale.
//!
//! Both 3 and 4 must pass when both headers are present.
//!
//! Dates are parsed with `httpdate` (IMF-fixdate, RFC 850 and asctime), where
//! the package uses JavaScript's `Date.parse`, which also accepts other
//! formats and ignores a wrong weekday; such dates are stale here.
//!
//! Header values are read as bytes (Node reads them as ISO-8859-1). When a
//! header is repeated, the values of `If-None-Match` and `Cache-Control` are
//! joined with `", "` as Node does for request headers; for the others the
//! first value counts.
//!
//! # Examples
//!
//! ```
//! use http::HeaderMap;
//! use rejoinder_core::fresh::is_fresh;
//!
//! let mut req = HeaderMap::new();
//! req.insert("if-none-match", "\"v1\", W/\"v2\"".parse().unwrap());
//! let mut res = HeaderMap::new();
//! res.insert("etag", "\"v2\"".parse().unwrap());
//! assert!(is_fresh(&req, &res));
//!
//! req.insert("cache-control", "no-cache".parse().unwrap());
//! assert!(!is_fresh(&req, &res));
//!
//! // Not a conditional request.
//! assert!(!is_fresh(&HeaderMap::new(), &res));
//! ```

use std::borrow::Cow;
use std::time::SystemTime;

use http::header::{CACHE_CONTROL, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use http::{HeaderMap, HeaderName};

/// Whether the response described by `response` headers is still fresh for
/// the conditional request described by `request` headers.
pub fn is_fresh(request: &HeaderMap, response: &HeaderMap) -> bool {
    let modified_since = first(request, &IF_MODIFIED_SINCE);
    let none_match = joined(request, &IF_NONE_MATCH);

    // Unconditional request.
    if modified_since.is_none() && none_match.is_none() {
        return false;
    }

    // An end-to-end reload.
    if joined(request, &CACHE_CONTROL).is_some_and(|cc| has_no_cache(&cc)) {
        return false;
    }

    if let Some(none_match) = none_match.filter(|m| **m != *b"*") {
        let Some(etag) = first(response, &ETAG) else {
            return false;
        };
        if !token_list(&none_match)
            .into_iter()
            .any(|tag| weak_eq(tag, etag))
        {
            return false;
        }
    }

    if let Some(modified_since) = modified_since {
        let Some(last_modified) = first(response, &LAST_MODIFIED) else {
            return false;
        };
        match (parse_date(last_modified), parse_date(modified_since)) {
            (Some(last), Some(since)) if last <= since => {}
            _ => return false,
        }
    }

    true
}

/// The first value of `name`, unless absent or empty (JavaScript's falsy
/// `''`).
fn first<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a [u8]> {
    headers
        .get(name)
        .map(|v| v.as_bytes())
        .filter(|v| !v.is_empty())
}

/// All values of `name` joined with `", "`, unless that is empty.
fn joined<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<Cow<'a, [u8]>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    let mut out = Cow::Borrowed(first.as_bytes());
    for v in values {
        let buf = out.to_mut();
        buf.extend_from_slice(b", ");
        buf.extend_from_slice(v.as_bytes());
    }
    (!out.is_empty()).then_some(out)
}

/// `no-cache` as a whole Cache-Control directive: between commas (or the
/// ends), with only whitespace around it (the package's
/// `/(?:^|,)\s*?no-cache\s*?(?:,|$)/`).
fn has_no_cache(cc: &[u8]) -> bool {
    // JavaScript's `\s` within ISO-8859-1.
    let is_space = |b: &u8| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0xa0);
    cc.split(|&b| b == b',').any(|part| {
        let start = part.iter().position(|b| !is_space(b)).unwrap_or(part.len());
        let end = part
            .iter()
            .rposition(|b| !is_space(b))
            .map_or(start, |i| i + 1);
        &part[start..end] == b"no-cache"
    })
}

/// Splits a list on commas, dropping the spaces around each entry (the
/// package's `parseTokenList`).
fn token_list(s: &[u8]) -> Vec<&[u8]> {
    crate::header::list_ranges(s)
        .into_iter()
        .map(|r| &s[r])
        .collect()
}

/// `tag === etag || tag === 'W/' + etag || 'W/' + tag === etag`.
fn weak_eq(tag: &[u8], etag: &[u8]) -> bool {
    tag == etag || tag.strip_prefix(b"W/") == Some(etag) || etag.strip_prefix(b"W/") == Some(tag)
}

fn parse_date(value: &[u8]) -> Option<SystemTime> {
    httpdate::parse_http_date(std::str::from_utf8(value).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn fresh(req: &[(&'static str, &'static str)], res: &[(&'static str, &'static str)]) -> bool {
        is_fresh(&headers(req), &headers(res))
    }

    const Y2K: &str = "Sat, 01 Jan 2000 00:00:00 GMT";
    const Y2K_1S: &str = "Sat, 01 Jan 2000 00:00:01 GMT";

    #[test]
    fn unconditional_requests_are_stale() {
        assert!(!fresh(&[], &[("etag", "\"foo\"")]));
        assert!(!fresh(&[("if-none-match", "")], &[("etag", "\"foo\"")]));
    }

    #[test]
    fn etags_match_exactly_or_weakly() {
        assert!(fresh(
            &[("if-none-match", "\"foo\"")],
            &[("etag", "\"foo\"")]
        ));
        assert!(!fresh(
            &[("if-none-match", "\"foo\"")],
            &[("etag", "\"bar\"")]
        ));
        assert!(fresh(
            &[("if-none-match", "W/\"foo\"")],
            &[("etag", "\"foo\"")]
        ));
        assert!(fresh(
            &[("if-none-match", "\"foo\"")],
            &[("etag", "W/\"foo\"")]
        ));
        assert!(fresh(
            &[("if-none-match", "W/\"foo\"")],
            &[("etag", "W/\"foo\"")]
        ));
        assert!(!fresh(&[("if-none-match", "\"foo\"")], &[]));
    }

    #[test]
    fn if_none_match_lists() {
        let res = [("etag", "\"foo\"")];
        assert!(fresh(&[("if-none-match", "\"bar\", \"foo\"")], &res));
        assert!(fresh(&[("if-none-match", "\"bar\",\"foo\"")], &res));
        assert!(fresh(&[("if-none-match", "  \"bar\"  ,  \"foo\"  ")], &res));
        assert!(!fresh(&[("if-none-match", "\"bar\",\t\"foo\"")], &res));
        // Repeated headers form one list.
        assert!(fresh(
            &[("if-none-match", "\"bar\""), ("if-none-match", "\"foo\"")],
            &res
        ));
    }

    #[test]
    fn star_matches_anything_even_no_etag() {
        assert!(fresh(&[("if-none-match", "*")], &[("etag", "\"x\"")]));
        assert!(fresh(&[("if-none-match", "*")], &[]));
        // Only a lone star is special.
        assert!(!fresh(
            &[("if-none-match", "*, \"a\"")],
            &[("etag", "\"x\"")]
        ));
    }

    #[test]
    fn no_cache_forces_stale() {
        let res = [("etag", "\"foo\"")];
        assert!(!fresh(
            &[("if-none-match", "\"foo\""), ("cache-control", "no-cache")],
            &res
        ));
        assert!(!fresh(
            &[
                ("if-none-match", "\"foo\""),
                ("cache-control", "max-age=0 , no-cache")
            ],
            &res
        ));
        assert!(fresh(
            &[("if-none-match", "\"foo\""), ("cache-control", "max-age=0")],
            &res
        ));
        assert!(fresh(
            &[
                ("if-none-match", "\"foo\""),
                ("cache-control", "no-cache=x")
            ],
            &res
        ));
        assert!(!fresh(
            &[("if-modified-since", Y2K), ("cache-control", "no-cache")],
            &[("last-modified", Y2K)]
        ));
    }

    #[test]
    fn dates() {
        assert!(fresh(
            &[("if-modified-since", Y2K)],
            &[("last-modified", Y2K)]
        ));
        assert!(fresh(
            &[("if-modified-since", Y2K_1S)],
            &[("last-modified", Y2K)]
        ));
        assert!(!fresh(
            &[("if-modified-since", Y2K)],
            &[("last-modified", Y2K_1S)]
        ));
        assert!(!fresh(&[("if-modified-since", Y2K)], &[]));
        assert!(!fresh(
            &[("if-modified-since", "foo")],
            &[("last-modified", Y2K)]
        ));
        assert!(!fresh(
            &[("if-modified-since", Y2K)],
            &[("last-modified", "foo")]
        ));
    }

    #[test]
    fn both_conditions_must_hold() {
        let res = [("etag", "\"foo\""), ("last-modified", Y2K)];
        assert!(fresh(
            &[("if-none-match", "\"foo\""), ("if-modified-since", Y2K)],
            &res
        ));
        assert!(!fresh(
            &[
                ("if-none-match", "\"foo\""),
                ("if-modified-since", "Fri, 31 Dec 1999 00:00:00 GMT")
            ],
            &res
        ));
        assert!(!fresh(
            &[("if-none-match", "\"bar\""), ("if-modified-since", Y2K)],
            &res
        ));
    }
}
