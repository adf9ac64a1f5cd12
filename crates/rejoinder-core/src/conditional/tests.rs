//! The precedence table of RFC 9110 §13.2.2, step by step.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::{HeaderMap, HeaderValue};
use http::Method;

use super::{apply, evaluate, EntityTag, TagList, Validators, Verdict};
use crate::Response;

use Verdict::{NotModified, PreconditionFailed, Proceed};

const Y2K: &str = "Sat, 01 Jan 2000 00:00:00 GMT";
const Y2K_RFC850: &str = "Saturday, 01-Jan-00 00:00:00 GMT";
const Y2K_ASCTIME: &str = "Sat Jan  1 00:00:00 2000";
const BEFORE: &str = "Fri, 31 Dec 1999 23:59:59 GMT";
const AFTER: &str = "Sat, 01 Jan 2000 00:00:01 GMT";

fn y2k() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(946_684_800)
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

/// The current representation of most tests: a strong ETag and a date.
const V1: Validators<'static> = Validators {
    etag: Some("\"v1\""),
    last_modified: None,
};

fn v1_y2k() -> Validators<'static> {
    Validators {
        last_modified: Some(y2k()),
        ..V1
    }
}

fn eval(method: Method, req: &[(&'static str, &str)], current: Validators<'_>) -> Verdict {
    evaluate(&method, &headers(req), Some(current))
}

fn get(req: &[(&'static str, &str)]) -> Verdict {
    eval(Method::GET, req, v1_y2k())
}

#[test]
fn no_preconditions_proceed() {
    assert_eq!(get(&[]), Proceed);
    assert_eq!(get(&[("accept", "*/*"), ("range", "bytes=0-1")]), Proceed);
    assert_eq!(evaluate(&Method::PUT, &HeaderMap::new(), None), Proceed);
}

#[test]
fn step_1_if_match_compares_strongly() {
    assert_eq!(get(&[("if-match", "\"v1\"")]), Proceed);
    assert_eq!(get(&[("if-match", "\"v0\", \"v1\"")]), Proceed);
    assert_eq!(
        get(&[("if-match", "\"v0\""), ("if-match", "\"v1\"")]),
        Proceed
    );
    // A mismatch is 412 whatever the method.
    for method in [
        Method::GET,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
        Method::POST,
    ] {
        assert_eq!(
            eval(method.clone(), &[("if-match", "\"v0\"")], V1),
            PreconditionFailed,
            "{method}"
        );
    }
    // Weak tags never match strongly, on either side.
    assert_eq!(get(&[("if-match", "W/\"v1\"")]), PreconditionFailed);
    let weak = Validators {
        etag: Some("W/\"v1\""),
        last_modified: None,
    };
    assert_eq!(
        eval(Method::PUT, &[("if-match", "\"v1\"")], weak),
        PreconditionFailed
    );
    assert_eq!(
        eval(Method::PUT, &[("if-match", "W/\"v1\"")], weak),
        PreconditionFailed
    );
    // No ETag: nothing can match.
    let none = Validators::default();
    assert_eq!(
        eval(Method::PUT, &[("if-match", "\"v1\"")], none),
        PreconditionFailed
    );
    // An empty list or a malformed member matches nothing.
    assert_eq!(get(&[("if-match", "")]), PreconditionFailed);
    assert_eq!(get(&[("if-match", "v1")]), PreconditionFailed);
    assert_eq!(get(&[("if-match", "v1, \"v1\"")]), Proceed);
}

#[test]
fn step_1_if_match_star_needs_a_representation() {
    assert_eq!(get(&[("if-match", "*")]), Proceed);
    let none = Validators::default();
    assert_eq!(eval(Method::PUT, &[("if-match", "*")], none), Proceed);
    assert_eq!(
        evaluate(&Method::PUT, &headers(&[("if-match", "*")]), None),
        PreconditionFailed
    );
}

#[test]
fn step_2_if_unmodified_since() {
    let put = |req: &[(&'static str, &str)]| eval(Method::PUT, req, v1_y2k());
    // Last-Modified later than the date: 412, on any method.
    assert_eq!(put(&[("if-unmodified-since", BEFORE)]), PreconditionFailed);
    assert_eq!(get(&[("if-unmodified-since", BEFORE)]), PreconditionFailed);
    // Not later: go on.
    assert_eq!(put(&[("if-unmodified-since", Y2K)]), Proceed);
    assert_eq!(put(&[("if-unmodified-since", AFTER)]), Proceed);
    // Ignored without Last-Modified, with an invalid or repeated date, and
    // when If-Match is present (and holds).
    assert_eq!(
        eval(Method::PUT, &[("if-unmodified-since", BEFORE)], V1),
        Proceed
    );
    assert_eq!(put(&[("if-unmodified-since", "yesterday")]), Proceed);
    assert_eq!(
        put(&[
            ("if-unmodified-since", BEFORE),
            ("if-unmodified-since", BEFORE)
        ]),
        Proceed
    );
    assert_eq!(
        put(&[("if-match", "\"v1\""), ("if-unmodified-since", BEFORE)]),
        Proceed
    );
}

#[test]
fn step_3_if_none_match_compares_weakly() {
    for inm in ["\"v1\"", "W/\"v1\"", "\"x\", \"v1\"", "\"x\",W/\"v1\""] {
        assert_eq!(get(&[("if-none-match", inm)]), NotModified, "{inm}");
        assert_eq!(
            eval(Method::HEAD, &[("if-none-match", inm)], V1),
            NotModified,
            "{inm}"
        );
    }
    let weak = Validators {
        etag: Some("W/\"v1\""),
        last_modified: None,
    };
    assert_eq!(
        eval(Method::GET, &[("if-none-match", "\"v1\"")], weak),
        NotModified
    );
    assert_eq!(get(&[("if-none-match", "\"v0\"")]), Proceed);
    // Tags are compared whole; a comma may sit inside one.
    assert_eq!(get(&[("if-none-match", "\"v1,v2\"")]), Proceed);
    let comma = Validators {
        etag: Some("\"v1,v2\""),
        last_modified: None,
    };
    assert_eq!(
        eval(
            Method::GET,
            &[("if-none-match", "\"v0\", \"v1,v2\"")],
            comma
        ),
        NotModified
    );
}

#[test]
fn step_3_a_match_on_other_methods_is_412() {
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        assert_eq!(
            eval(method.clone(), &[("if-none-match", "\"v1\"")], V1),
            PreconditionFailed,
            "{method}"
        );
        assert_eq!(
            eval(method.clone(), &[("if-none-match", "\"v0\"")], V1),
            Proceed,
            "{method}"
        );
    }
}

#[test]
fn step_3_if_none_match_star() {
    assert_eq!(get(&[("if-none-match", "*")]), NotModified);
    // Any representation, even without validators.
    let none = Validators::default();
    assert_eq!(
        eval(Method::GET, &[("if-none-match", "*")], none),
        NotModified
    );
    assert_eq!(
        eval(Method::PUT, &[("if-none-match", "*")], none),
        PreconditionFailed
    );
    // Create-if-absent.
    assert_eq!(
        evaluate(&Method::PUT, &headers(&[("if-none-match", "*")]), None),
        Proceed
    );
}

#[test]
fn step_3_if_none_match_overrides_if_modified_since() {
    // The date alone would say 304, but the ETag differs: 200.
    assert_eq!(
        get(&[("if-none-match", "\"v0\""), ("if-modified-since", AFTER)]),
        Proceed
    );
    // The date alone would say 200, but the ETag matches: 304.
    assert_eq!(
        get(&[("if-none-match", "\"v1\""), ("if-modified-since", BEFORE)]),
        NotModified
    );
}

#[test]
fn step_4_if_modified_since() {
    for since in [Y2K, AFTER, Y2K_RFC850, Y2K_ASCTIME] {
        assert_eq!(get(&[("if-modified-since", since)]), NotModified, "{since}");
    }
    assert_eq!(get(&[("if-modified-since", BEFORE)]), Proceed);
    // Invalid or repeated dates are ignored.
    for bad in ["not a date", "2000-01-01T00:00:00Z", "", "Sat, 01 Jan 2000"] {
        assert_eq!(get(&[("if-modified-since", bad)]), Proceed, "{bad}");
    }
    assert_eq!(
        get(&[("if-modified-since", Y2K), ("if-modified-since", Y2K)]),
        Proceed
    );
    // Only for GET and HEAD, and only with a Last-Modified.
    assert_eq!(
        eval(Method::HEAD, &[("if-modified-since", Y2K)], v1_y2k()),
        NotModified
    );
    assert_eq!(
        eval(Method::POST, &[("if-modified-since", AFTER)], v1_y2k()),
        Proceed
    );
    assert_eq!(
        eval(Method::GET, &[("if-modified-since", AFTER)], V1),
        Proceed
    );
}

#[test]
fn if_match_comes_before_if_none_match() {
    // If-Match fails first.
    assert_eq!(
        get(&[("if-match", "\"v0\""), ("if-none-match", "\"v1\"")]),
        PreconditionFailed
    );
    // If-Match holds, then If-None-Match decides.
    assert_eq!(
        get(&[("if-match", "\"v1\""), ("if-none-match", "\"v1\"")]),
        NotModified
    );
    // If-Unmodified-Since fails before If-Modified-Since is read.
    assert_eq!(
        get(&[
            ("if-unmodified-since", BEFORE),
            ("if-modified-since", AFTER)
        ]),
        PreconditionFailed
    );
}

#[test]
fn methods_without_a_representation_ignore_preconditions() {
    for method in [Method::OPTIONS, Method::TRACE, Method::CONNECT] {
        assert_eq!(
            eval(method.clone(), &[("if-match", "\"v0\"")], V1),
            Proceed,
            "{method}"
        );
    }
}

#[test]
fn entity_tag_lists() {
    let list = |s: &'static str| TagList(s.as_bytes()).collect::<Vec<_>>();
    let strong = |o: &'static str| {
        Some(EntityTag {
            weak: false,
            opaque: o.as_bytes(),
        })
    };
    assert_eq!(list(""), vec![]);
    assert_eq!(list(" , ,"), vec![]);
    assert_eq!(list("\"a\""), vec![strong("\"a\"")]);
    assert_eq!(
        list("\"a\" ,W/\"b\",, \"c,d\""),
        vec![
            strong("\"a\""),
            Some(EntityTag {
                weak: true,
                opaque: b"\"b\"",
            }),
            strong("\"c,d\""),
        ]
    );
    assert_eq!(list("a, \"b\""), vec![None, strong("\"b\"")]);
    assert_eq!(list("\"a\"x, \"b\""), vec![None, strong("\"b\"")]);
    assert_eq!(list("\"open"), vec![None]);
    assert_eq!(EntityTag::parse(b" \"a\" "), strong("\"a\""));
    assert_eq!(EntityTag::parse(b"\"a\" \"b\""), None);
    assert_eq!(EntityTag::parse(b"w/\"a\""), None);
}

// ---- apply: what the response becomes ---------------------------------

fn response() -> Response {
    let mut res = Response::new();
    res.set_etag("v1").unwrap();
    res.set_last_modified(y2k());
    res.set("Cache-Control", "max-age=60").unwrap();
    res.set("Vary", "Accept").unwrap();
    res.set("Content-Language", "en").unwrap();
    res.set_body("the representation");
    res
}

fn applied(method: Method, req: &[(&'static str, &str)], mut res: Response) -> Response {
    apply(&mut res, &method, &headers(req));
    res
}

#[test]
fn a_304_keeps_the_cache_headers_and_drops_the_body() {
    let res = applied(Method::GET, &[("if-none-match", "\"v1\"")], response());
    assert_eq!(res.status(), 304);
    assert!(res.body().is_none());
    for name in ["etag", "last-modified", "cache-control", "vary"] {
        assert!(res.has(name), "{name}");
    }
    let mut res = res;
    let out = res.finalize(&Method::GET, http::Version::HTTP_11).response;
    assert!(!out.headers().contains_key("content-type"));
    assert!(!out.headers().contains_key("content-length"));
}

#[test]
fn a_412_drops_the_representation_and_keeps_the_validators() {
    for (method, req) in [
        (Method::GET, ("if-match", "\"v0\"")),
        (Method::HEAD, ("if-match", "\"v0\"")),
        (Method::GET, ("if-unmodified-since", BEFORE)),
    ] {
        let mut res = response();
        res.set("Content-Encoding", "identity").unwrap();
        res.trailers_mut().insert("x-checksum", "1").unwrap();
        let mut res = applied(method.clone(), &[req], res);
        assert_eq!(res.status(), 412, "{method} {req:?}");
        assert!(res.body().is_none());
        assert!(res.trailers().is_none());
        assert_eq!(res.etag(), Some("\"v1\""));
        assert!(res.has("last-modified"));
        assert!(!res.has("content-language"));
        assert!(!res.has("content-encoding"));
        let out = res.finalize(&method, http::Version::HTTP_11).response;
        if method == Method::GET {
            assert_eq!(out.headers()["content-type"], "text/plain; charset=utf-8");
        }
        assert!(!out.headers().contains_key("trailer"));
    }
}

#[test]
fn errors_and_non_2xx_responses_are_untouched() {
    for status in [301u16, 304, 400, 404, 412, 500, 503] {
        for req in [
            ("if-match", "\"v0\""),
            ("if-none-match", "\"v1\""),
            ("if-none-match", "*"),
            ("if-modified-since", AFTER),
            ("if-unmodified-since", BEFORE),
        ] {
            let mut res = response();
            res.set_status(status).unwrap();
            let had_body = res.body().is_some();
            let res = applied(Method::GET, &[req], res);
            assert_eq!(res.status(), status, "{req:?}");
            assert_eq!(res.body().is_some(), had_body, "{req:?}");
        }
    }
    // Every 2xx is subject to them.
    let mut res = response();
    res.set_status(201).unwrap();
    let res = applied(Method::GET, &[("if-match", "\"v0\"")], res);
    assert_eq!(res.status(), 412);
}

#[test]
fn a_finished_write_is_left_alone_its_handler_checks_first() {
    // After a PUT, POST or DELETE the change has happened: no late 412.
    for method in [Method::PUT, Method::POST, Method::DELETE, Method::PATCH] {
        let res = applied(method.clone(), &[("if-match", "\"v0\"")], response());
        assert_eq!(res.status(), 200, "{method}");
    }
    // The handler's own check says 412 before the change.
    let mut req = HeaderMap::new();
    req.insert("if-match", HeaderValue::from_static("\"v0\""));
    let current = Some(Validators {
        etag: Some("\"v1\""),
        last_modified: None,
    });
    assert_eq!(
        evaluate(&Method::PUT, &req, current),
        Verdict::PreconditionFailed
    );
    let mut req = HeaderMap::new();
    req.insert("if-none-match", HeaderValue::from_static("\"v1\""));
    assert_eq!(
        evaluate(&Method::POST, &req, current),
        Verdict::PreconditionFailed
    );
}

#[test]
fn if_modified_since_without_if_none_match_on_the_response() {
    let res = applied(Method::GET, &[("if-modified-since", Y2K)], response());
    assert_eq!(res.status(), 304);
    let res = applied(Method::GET, &[("if-modified-since", BEFORE)], response());
    assert_eq!(res.status(), 200);
    assert!(res.body().is_some());
    // Unchanged: no Last-Modified, no 304.
    let mut res = Response::new();
    res.set_body("dynamic");
    let res = applied(Method::GET, &[("if-modified-since", AFTER)], res);
    assert_eq!(res.status(), 200);
}
