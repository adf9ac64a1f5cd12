//! Every vapr shape as a tuple gives the same response as its JSON form read
//! by `Response::from_value`: status, message, headers, body and trailers.

use std::path::Path;

use rejoinder_core::http::{HeaderMap, StatusCode};
use rejoinder_core::prelude::*;
use rejoinder_core::vapr::Vapr;
use rejoinder_core::{Body, IntoResponse, Response};
use serde_json::{json, Value};

/// What a test compares: everything a vapr response carries.
#[derive(Debug, PartialEq)]
struct Seen {
    status: u16,
    message: Option<String>,
    headers: Vec<(String, String)>,
    body: String,
    trailers: Vec<(String, String)>,
    cause: Option<String>,
}

fn seen(res: &Response) -> Seen {
    let body = match res.body() {
        Some(Body::Empty) => "<empty>".to_owned(),
        Some(Body::Text(t)) => format!("text:{}", t.as_str()),
        Some(Body::Html(t)) => format!("html:{}", t.as_str()),
        Some(other) => format!("{other:?}"),
        None => "<none>".to_owned(),
    };
    let trailers = res
        .trailers()
        .map(|t| {
            t.names()
                .map(|n| {
                    let v = t.get(n.as_str()).map(|v| v.to_str().unwrap().to_owned());
                    (n.as_str().to_owned(), v.unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default();
    Seen {
        status: res.status().as_u16(),
        message: res.message().map(str::to_owned),
        headers: res
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect(),
        body,
        trailers,
        cause: res.error_cause().map(ToString::to_string),
    }
}

/// Asserts that the tuple and the JSON value make the same response.
macro_rules! same {
    ($json:expr, $tuple:expr) => {{
        let value: Value = $json;
        let from_json = Response::from_value(&value)
            .unwrap_or_else(|e| panic!("{value} is a valid vapr response: {e}"));
        assert_eq!(
            seen(&Vapr($tuple).into_response()),
            seen(&from_json),
            "{} vs {value}",
            stringify!($tuple)
        );
    }};
}

#[test]
fn code() {
    same!(json!(204), (204,));
    same!(json!(200), (200,));
    same!(json!(404), (404,));
    same!(json!(418), (StatusCode::IM_A_TEAPOT,));
    same!(json!([302]), (302,));
    same!(json!([200, null]), (200,));
    same!(json!([200, null, null, null]), (200,));
}

#[test]
fn code_message() {
    same!(json!([200, "msg"]), (200, "msg"));
    same!(json!([200, ""]), (200, String::new()));
    same!(
        json!([StatusCode::CREATED.as_u16(), "Made"]),
        (StatusCode::CREATED, "Made")
    );
}

#[test]
fn code_headers() {
    same!(
        json!([200, {"X-A": "1", "Content-Type": "text/plain"}]),
        (200, [("X-A", "1"), ("Content-Type", "text/plain")])
    );
    same!(
        json!([200, {"x-a": "1"}]),
        (200, vec![("x-a".to_owned(), "1".to_owned())])
    );
    let mut map = HeaderMap::new();
    map.insert("x-a", "1".parse().unwrap());
    same!(json!([200, {"x-a": "1"}]), (200, map));
}

#[test]
fn code_message_headers() {
    same!(
        json!([200, "msg", {"x-h": "v"}]),
        (200, "msg", [("x-h", "v")])
    );
    same!(
        json!([200, "msg", {"x-h": "v"}]),
        (
            StatusCode::OK,
            "msg".to_owned(),
            HeaderMap::from_iter([(
                rejoinder_core::http::HeaderName::from_static("x-h"),
                "v".parse().unwrap()
            )])
        )
    );
}

#[test]
fn body_only() {
    same!(json!([["body"]]), (("body",),));
    same!(
        json!([["body", {"x-checksum": "abc"}]]),
        (("body", [("x-checksum", "abc")]),)
    );
    same!(json!([[null]]), ((Body::Empty,),));
}

#[test]
fn code_body() {
    same!(json!([201, ["created"]]), (201, ("created",)));
    same!(
        json!([201, ["created", {"x-t": "1"}]]),
        (
            201,
            (
                "created".to_owned(),
                vec![("x-t".to_owned(), "1".to_owned())]
            )
        )
    );
}

#[test]
fn code_message_body() {
    same!(json!([200, "Fine", ["text"]]), (200, "Fine", ("text",)));
    same!(json!([200, "msg", null, ["b"]]), (200, "msg", ("b",)));
    same!(
        json!([200, "Fine", ["text", {"x-t": "1"}]]),
        (200, "Fine", ("text", [("x-t", "1")]))
    );
}

#[test]
fn code_headers_body() {
    same!(
        json!([200, {"content-type": "text/html"}, ["<p>x</p>"]]),
        (200, [("content-type", "text/html")], ("<p>x</p>",))
    );
    same!(
        json!([200, {"content-type": "text/html"}, ["<p>x</p>", {"x-t": "1"}]]),
        (
            200,
            [("content-type", "text/html")],
            ("<p>x</p>", [("x-t", "1")])
        )
    );
}

#[test]
fn code_message_headers_body() {
    same!(
        json!([200, "msg", {"x-h": "v"}, ["body"]]),
        (200, "msg", [("x-h", "v")], ("body",))
    );
    same!(
        json!([200, "status message", {"X-Custom-Header": "foo"}, ["body text", {"X-Custom-Trailer": "bar"}]]),
        (
            200,
            "status message",
            [("X-Custom-Header", "foo")],
            ("body text", [("X-Custom-Trailer", "bar")])
        )
    );
}

#[test]
fn refused_values_agree() {
    let refused = |res: Response| {
        let s = seen(&res);
        assert_eq!((s.status, s.body.as_str()), (500, "<empty>"));
        assert!(s.headers.is_empty() && s.trailers.is_empty());
        s.cause.unwrap()
    };
    let a = refused(Vapr((99,)).into_response());
    let b = refused(Response::from_value(&json!(99)).into_response());
    assert_eq!(a, b);
    let a = refused(Vapr((("b", [("content-type", "x")]),)).into_response());
    let b = refused(Response::from_value(&json!([["b", {"content-type": "x"}]])).into_response());
    assert_eq!(a, b);
}

#[test]
fn valid_codes_match_the_vectors() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/vapr-formats.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let expected: Vec<u16> = doc["valid_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| u16::try_from(c.as_u64().unwrap()).unwrap())
        .collect();
    let from_json: Vec<u16> = (0..=1000)
        .filter(|&c| Response::from_value(&json!(c)).is_ok())
        .collect();
    assert_eq!(from_json, expected);
    let from_tuples: Vec<u16> = (0..=1000)
        .filter(|&c| Vapr((c,)).into_response().error_cause().is_none())
        .collect();
    assert_eq!(from_tuples, expected);
}
