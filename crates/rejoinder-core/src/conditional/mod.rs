//! Conditional requests (RFC 9110 §13) and byte ranges, answered when a
//! response is finalized.
//!
//! The server evaluates a request's preconditions against the response its
//! handler produced, in the order of RFC 9110 §13.2.2:
//!
//! 1. `If-Match`: unless one listed tag matches the response's ETag
//!    (strong comparison; `*` matches any current representation), the
//!    answer is `412 Precondition Failed`.
//! 2. Without `If-Match`, `If-Unmodified-Since`: a Last-Modified later than
//!    the date is a 412.
//! 3. `If-None-Match`: a tag matching the ETag (weak comparison; `*`
//!    matches any current representation) is a `304 Not Modified` for GET
//!    and HEAD, a 412 for other methods. `If-Modified-Since` is then ignored.
//! 4. Without `If-None-Match`, for GET and HEAD, `If-Modified-Since`: a
//!    Last-Modified no later than the date is a 304.
//! 5. `Range`, for a GET answered 200 with a file body (`Body::File`, with
//!    the `fs` feature), when `If-Range` is absent or still names the
//!    representation (a strong ETag equal to the response's, or a date equal
//!    to its Last-Modified; a weak ETag never does): a single satisfiable
//!    range is `206 Partial Content` with Content-Range; a range with no byte
//!    in the file is `416 Range Not Satisfiable` (with `Content-Range:
//!    bytes */size`); several ranges or a malformed header send the whole
//!    file with 200, and so does an `If-Range` that no longer matches.
//!
//! This differs from [`fresh`](crate::fresh) (Koa's `ctx.fresh`), which
//! wants every condition present to hold and lets a request's
//! `Cache-Control: no-cache` veto the 304: here `If-None-Match` decides
//! alone when present, as the RFC orders, and request cache directives,
//! which speak to caches, play no part.
//!
//! Preconditions only apply to a response that would otherwise be 2xx (an
//! error is never turned into a 304 or a 412), and never to CONNECT,
//! OPTIONS or TRACE (§13.2.1). A date that is not a single valid HTTP-date
//! is ignored. A 304 keeps the headers a cache needs (ETag, Last-Modified,
//! Cache-Control, Vary …) and loses the body with its content headers; a
//! 412 loses the body, its content headers and trailers, and sends its
//! reason phrase like any response without a body, while keeping ETag and
//! Last-Modified, which tell the client what the current representation is.
//!
//! The server applies these rules after the handler ran, for GET and HEAD,
//! whose response is the representation the preconditions speak of. A
//! method that changes state (PUT, PATCH, DELETE, POST) is checked by its
//! handler before it changes anything, with [`evaluate`] (or
//! `Context::check_preconditions` in the server crate): a 412 answered
//! after the change would not undo it, and the new representation's
//! validators would fail the client's own If-Match.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::conditional::apply;
//! use rejoinder_core::http::{HeaderMap, HeaderValue, Method};
//! use rejoinder_core::Response;
//!
//! let mut req = HeaderMap::new();
//! req.insert("if-none-match", HeaderValue::from_static("\"v1\""));
//! let mut res = Response::new();
//! res.set_etag("v1").unwrap();
//! res.set_body("cached");
//! apply(&mut res, &Method::GET, &req);
//! assert_eq!(res.status().as_u16(), 304);
//!
//! // A GET whose If-Match names an older version.
//! let mut req = HeaderMap::new();
//! req.insert("if-match", HeaderValue::from_static("\"v0\""));
//! let mut res = Response::new();
//! res.set_etag("v1").unwrap();
//! res.set_body("current");
//! apply(&mut res, &Method::GET, &req);
//! assert_eq!(res.status().as_u16(), 412);
//! assert!(res.body().is_none());
//! ```

#[cfg(feature = "fs")]
mod range;
#[cfg(test)]
mod tests;

use std::time::SystemTime;

use http::header::{self, GetAll, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};

use crate::Response;

/// What a request's preconditions say about the current representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every precondition holds (or there is none): answer as usual.
    Proceed,
    /// The client's copy is current: `304 Not Modified` (GET and HEAD).
    NotModified,
    /// A precondition is false: `412 Precondition Failed`.
    PreconditionFailed,
}

/// The validators of the current representation, for [`evaluate`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Validators<'a> {
    /// Its entity tag as sent in ETag, quotes included (`"v1"`, `W/"v1"`).
    pub etag: Option<&'a str>,
    /// Its modification date, as sent in Last-Modified.
    pub last_modified: Option<SystemTime>,
}

/// Evaluates a request's preconditions against the current representation
/// (`None` when the target has none), in the order of RFC 9110 §13.2.2.
///
/// This is what [`apply`] does with a finished response; a handler that
/// changes state calls it first, so that a failed precondition stops it
/// before the change. Range and `If-Range` are not preconditions and are
/// left to [`apply`].
///
/// # Examples
///
/// ```
/// use rejoinder_core::conditional::{evaluate, Validators, Verdict};
/// use rejoinder_core::http::{HeaderMap, HeaderValue, Method};
///
/// let current = Validators { etag: Some("\"v2\""), last_modified: None };
/// let mut req = HeaderMap::new();
/// req.insert("if-match", HeaderValue::from_static("\"v1\""));
/// assert_eq!(evaluate(&Method::PUT, &req, Some(current)), Verdict::PreconditionFailed);
///
/// // Create only if absent.
/// let mut req = HeaderMap::new();
/// req.insert("if-none-match", HeaderValue::from_static("*"));
/// assert_eq!(evaluate(&Method::PUT, &req, None), Verdict::Proceed);
/// assert_eq!(evaluate(&Method::PUT, &req, Some(current)), Verdict::PreconditionFailed);
/// ```
pub fn evaluate(method: &Method, request: &HeaderMap, current: Option<Validators<'_>>) -> Verdict {
    let etag = current.and_then(|c| c.etag).map(str::as_bytes);
    decide(method, request, current.is_some(), etag, || {
        current.and_then(|c| c.last_modified)
    })
}

/// Applies the preconditions, then a Range, to a response about to be sent
/// for a request with these `method` and `request` headers (see the
/// [module](self) for the rules).
///
/// A request without conditional or range headers costs a few header
/// lookups and no allocation; a response that is not 2xx costs nothing.
#[inline]
pub fn apply(res: &mut Response, method: &Method, request: &HeaderMap) {
    // After the handler, only a safe method can still honour a failed
    // precondition: a write has happened by now, and the response's
    // validators describe the new state (a PUT that set a new ETag would
    // fail its own If-Match). Handlers of other methods evaluate first
    // (`evaluate`, `Context::check_preconditions`).
    let safe = *method == Method::GET || *method == Method::HEAD;
    if !safe || !res.status().is_success() || res.headers_sent() || !any_conditional(request) {
        return;
    }
    apply_conditions(res, method, request);
}

/// [`apply`] once the request has a condition to evaluate.
fn apply_conditions(res: &mut Response, method: &Method, request: &HeaderMap) {
    let etag = res.headers().get(header::ETAG).map(HeaderValue::as_bytes);
    match decide(method, request, true, etag, || res.last_modified()) {
        Verdict::NotModified => {
            res.set_status(StatusCode::NOT_MODIFIED);
        }
        Verdict::PreconditionFailed => {
            res.set_status(StatusCode::PRECONDITION_FAILED);
            res.drop_representation();
        }
        Verdict::Proceed =>
        {
            #[cfg(feature = "fs")]
            if *method == Method::GET && res.status() == StatusCode::OK {
                range::apply(res, request);
            }
        }
    }
}

/// Whether the request has a header this module reads (If-*, Range). One
/// pass over the names, which compare as known names without hashing:
/// cheaper than the five lookups it saves on the common request that has
/// none.
#[inline]
fn any_conditional(request: &HeaderMap) -> bool {
    request.keys().any(|name| {
        [
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            header::IF_UNMODIFIED_SINCE,
            header::IF_RANGE,
            header::RANGE,
        ]
        .contains(name)
    })
}

/// §13.2.2 steps 1 to 4. `exists` says whether there is a current
/// representation (what `*` matches); `last_modified` is only asked for
/// when a date condition is present.
fn decide(
    method: &Method,
    request: &HeaderMap,
    exists: bool,
    etag: Option<&[u8]>,
    last_modified: impl Fn() -> Option<SystemTime>,
) -> Verdict {
    if request.is_empty() || matches!(*method, Method::CONNECT | Method::OPTIONS | Method::TRACE) {
        return Verdict::Proceed;
    }
    let later_than = |name: HeaderName| {
        let since = single_date(request, name)?;
        Some(last_modified()? > since)
    };

    // Steps 1 and 2.
    match list_matches(
        request.get_all(header::IF_MATCH),
        exists,
        etag,
        Compare::Strong,
    ) {
        Some(false) => return Verdict::PreconditionFailed,
        Some(true) => {}
        None => {
            if later_than(header::IF_UNMODIFIED_SINCE) == Some(true) {
                return Verdict::PreconditionFailed;
            }
        }
    }

    // Steps 3 and 4.
    let safe = *method == Method::GET || *method == Method::HEAD;
    match list_matches(
        request.get_all(header::IF_NONE_MATCH),
        exists,
        etag,
        Compare::Weak,
    ) {
        Some(true) if safe => Verdict::NotModified,
        Some(true) => Verdict::PreconditionFailed,
        Some(false) => Verdict::Proceed,
        None if safe && later_than(header::IF_MODIFIED_SINCE) == Some(false) => {
            Verdict::NotModified
        }
        None => Verdict::Proceed,
    }
}

/// The value of a date header sent exactly once, when it is a valid
/// HTTP-date (IMF-fixdate, RFC 850 or asctime).
fn single_date(request: &HeaderMap, name: HeaderName) -> Option<SystemTime> {
    let mut lines = request.get_all(name).into_iter();
    let value = lines.next()?;
    if lines.next().is_some() {
        return None;
    }
    httpdate::parse_http_date(value.to_str().ok()?).ok()
}

/// How two entity tags are compared (RFC 9110 §8.8.3.2).
#[derive(Clone, Copy)]
enum Compare {
    /// Both strong and the same opaque tag.
    Strong,
    /// The same opaque tag, `W/` or not.
    Weak,
}

/// Whether an If-Match or If-None-Match field (over all its lines) matches
/// the current representation; `None` when the field is absent. A line
/// that is `*` matches any current representation; a malformed list
/// member matches nothing.
fn list_matches(
    lines: GetAll<'_, HeaderValue>,
    exists: bool,
    etag: Option<&[u8]>,
    compare: Compare,
) -> Option<bool> {
    let mut lines = lines.into_iter().peekable();
    lines.peek()?;
    let current = etag.and_then(EntityTag::parse);
    let found = lines.any(|line| {
        let line = line.as_bytes().trim_ascii();
        if line == b"*" {
            return exists;
        }
        let Some(current) = current else {
            return false;
        };
        TagList(line)
            .flatten()
            .any(|tag| tag.matches(current, compare))
    });
    Some(found)
}

/// An entity tag: weak or strong, and the opaque tag with its quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EntityTag<'a> {
    weak: bool,
    opaque: &'a [u8],
}

impl<'a> EntityTag<'a> {
    /// A whole value that is one entity tag (spaces around it allowed).
    fn parse(value: &'a [u8]) -> Option<EntityTag<'a>> {
        match EntityTag::parse_prefix(value.trim_ascii())? {
            (tag, []) => Some(tag),
            _ => None,
        }
    }

    /// The entity tag `s` starts with, and what follows it. Anything but a
    /// quote may stand between the quotes (commas included).
    fn parse_prefix(s: &'a [u8]) -> Option<(EntityTag<'a>, &'a [u8])> {
        let (weak, s) = match s.strip_prefix(b"W/") {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let inner = s.strip_prefix(b"\"")?;
        let close = inner.iter().position(|&b| b == b'"')?;
        let tag = EntityTag {
            weak,
            opaque: &s[..close + 2],
        };
        Some((tag, &inner[close + 1..]))
    }

    fn matches(self, other: EntityTag<'_>, compare: Compare) -> bool {
        let strong_enough = match compare {
            Compare::Strong => !self.weak && !other.weak,
            Compare::Weak => true,
        };
        strong_enough && self.opaque == other.opaque
    }
}

/// The members of a comma-separated entity-tag list: `Some` tag, or `None`
/// for a malformed member (skipped up to the next comma).
struct TagList<'a>(&'a [u8]);

impl<'a> Iterator for TagList<'a> {
    type Item = Option<EntityTag<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = self
            .0
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b','))?;
        let s = &self.0[start..];
        if let Some((tag, rest)) = EntityTag::parse_prefix(s) {
            let rest = rest.trim_ascii_start();
            if rest.is_empty() || rest[0] == b',' {
                self.0 = rest;
                return Some(Some(tag));
            }
        }
        let end = s.iter().position(|&b| b == b',').unwrap_or(s.len());
        self.0 = &s[end..];
        Some(None)
    }
}
