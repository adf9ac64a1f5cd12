//! The lazy typed body: kinds, inference at finalize, the empty-body rules,
//! length, replacement and single serialization.
#![cfg(feature = "adonis")]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rejoinder::http::{Method, Version};
use rejoinder::prelude::*;
use rejoinder::testing::raw;
use rejoinder::{Body, Json, Response};

#[tokio::test]
async fn each_kind_infers_type_and_length() {
    let client = common::client(|ctx| {
        let res = &mut ctx.res;
        match ctx.req.path() {
            "/text" => res.set_body("Hello, world"),
            "/html" => res.set_body("  \n<p>hi</p>".to_string()),
            "/not-html" => res.set_body("see <b>this</b>"),
            "/bytes" => res.set_body(vec![0u8, 1, 2, 255]),
            "/json" => res.set_body(serde_json::json!({"b": [true, null], "a": 1})),
            "/typed" => res.set_body(Json(vec!["x", "y"])),
            "/number" => res.set_body(22),
            "/empty-string" => res.set_body(""),
            _ => res,
        };
        Ok(())
    });
    let cases = [
        ("/text", "text/plain; charset=utf-8", "Hello, world"),
        ("/html", "text/html; charset=utf-8", "  \n<p>hi</p>"),
        ("/not-html", "text/plain; charset=utf-8", "see <b>this</b>"),
        (
            "/json",
            "application/json; charset=utf-8",
            r#"{"b":[true,null],"a":1}"#,
        ),
        ("/typed", "application/json; charset=utf-8", r#"["x","y"]"#),
        ("/number", "text/plain; charset=utf-8", "22"),
        ("/empty-string", "text/plain; charset=utf-8", ""),
    ];
    for (path, ty, body) in cases {
        let res = client.get(path).send().await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.header("content-type"), Some(ty), "{path}");
        assert_eq!(res.text(), body, "{path}");
    }
    let res = client.get("/bytes").send().await;
    assert_eq!(res.header("content-type"), Some("application/octet-stream"));
    assert_eq!(res.bytes().as_ref(), [0u8, 1, 2, 255]);
}

#[tokio::test]
async fn content_length_is_on_the_wire() {
    let srv = common::server(|ctx| {
        ctx.res.set_body(Json(serde_json::json!({"a": 1})));
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.header("content-length"), Some("7"));
    assert_eq!(wire.text(), r#"{"a":1}"#);
}

#[tokio::test]
async fn empty_body_is_204_without_content_headers() {
    let srv = common::server(|ctx| {
        let res = &mut ctx.res;
        match ctx.req.path() {
            "/null" => {
                res.set_body("x");
                res.set("X-Keep", "1")?.set_type("html")?;
                res.set_body(Body::Empty);
            }
            "/none" => {
                res.set_body(None::<String>);
            }
            "/json-null" => {
                res.set_type("json")?;
                res.set_body(Body::Empty);
            }
            _ => {}
        }
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "GET", "/null", &[]).await;
    assert_eq!((wire.status, wire.reason.as_str()), (204, "No Content"));
    assert_eq!(wire.header("x-keep"), Some("1"));
    assert!(wire.header("content-type").is_none());
    assert!(wire.header("content-length").is_none());
    assert!(wire.body.is_empty());
    let wire = raw::send(srv.addr(), "GET", "/none", &[]).await;
    assert_eq!(wire.status, 204);
    // Koa's surprise: with a JSON type, an empty body is the JSON `null`
    // and the status stays untouched.
    let wire = raw::send(srv.addr(), "GET", "/json-null", &[]).await;
    assert_eq!(wire.status, 404);
    assert_eq!(
        wire.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(wire.text(), "null");
}

#[test]
fn body_sets_an_untouched_status_only() {
    let mut res = Response::new();
    res.set_body("x");
    assert_eq!(res.status().as_u16(), 200);
    let mut res = Response::new();
    res.set_status(201).unwrap();
    res.set_body("x");
    assert_eq!(res.status().as_u16(), 201);
    let mut res = Response::new();
    res.set_status(204).unwrap();
    res.set_body("ignored");
    let out = res.finalize(&Method::GET, Version::HTTP_11).response;
    assert_eq!(out.status(), 204);
    assert!(out.headers().is_empty());
}

#[test]
fn length_is_declared_or_deduced() {
    let mut res = Response::new();
    assert_eq!(res.length(), None);
    res.set_length(99);
    res.set_body("hello");
    assert_eq!(res.length(), Some(5), "a body drops an earlier length");
    res.set_body(serde_json::json!({"a": 1}));
    assert_eq!(res.length(), Some(7));
    res.set_length(1234);
    assert_eq!(res.length(), Some(1234));
    res.set_body(Body::stream(futures_util::stream::empty::<
        Result<String, std::io::Error>,
    >()));
    assert_eq!(res.length(), None);
}

#[tokio::test]
async fn inference_respects_a_type_set_by_the_handler() {
    let client = common::client(|ctx| {
        let res = &mut ctx.res;
        match ctx.req.path() {
            "/before" => {
                res.set_type("xml")?;
                res.set_body("<a/>");
            }
            "/after" => {
                res.set_body("x");
                res.set("Content-Type", "text/csv")?;
            }
            "/removed" => {
                res.set_body("x");
                res.remove("content-type");
            }
            "/json-keeps-json-type" => {
                res.set_type("application/vnd.api+json")?;
                res.set_body(serde_json::json!({"data": []}));
            }
            "/json-replaces-text-type" => {
                res.set_type("text/plain")?;
                res.set_body(serde_json::json!([1]));
            }
            _ => {}
        }
        Ok(())
    });
    let ty = |r: &rejoinder::testing::TestResponse| r.header("content-type").map(str::to_owned);
    assert_eq!(
        ty(&client.get("/before").send().await).as_deref(),
        Some("application/xml")
    );
    assert_eq!(
        ty(&client.get("/after").send().await).as_deref(),
        Some("text/csv")
    );
    assert_eq!(ty(&client.get("/removed").send().await), None);
    assert_eq!(
        ty(&client.get("/json-keeps-json-type").send().await).as_deref(),
        Some("application/vnd.api+json")
    );
    assert_eq!(
        ty(&client.get("/json-replaces-text-type").send().await).as_deref(),
        Some("application/json; charset=utf-8")
    );
}

#[test]
fn body_stays_inspectable_and_last_write_wins() {
    let mut res = Response::new();
    res.set_body(serde_json::json!({"camelCase": 1}));
    let doc = res.body_mut().and_then(Body::as_json_mut).unwrap();
    doc["added"] = serde_json::json!(true);
    assert_eq!(res.body().and_then(Body::to_json).unwrap()["added"], true);
    res.set_body("<p>replaced</p>");
    assert_eq!(res.body().and_then(Body::as_text), Some("<p>replaced</p>"));
    assert_eq!(res.content_type(), Some("text/html"));
    let mut res = Response::new();
    res.send("first");
    res.send(serde_json::json!({"second": true}));
    let out = res.finalize(&Method::GET, Version::HTTP_11).response;
    assert_eq!(
        out.headers()["content-type"],
        "application/json; charset=utf-8"
    );
}

struct Counted(Arc<AtomicUsize>);

impl serde::Serialize for Counted {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        s.serialize_str("counted")
    }
}

#[tokio::test]
async fn typed_json_is_serialized_exactly_once() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let client = common::client(move |ctx| {
        ctx.res.set_body(Json(Counted(seen.clone())));
        assert_eq!(ctx.res.length(), Some(9));
        assert_eq!(ctx.res.content_type(), Some("application/json"));
        Ok(())
    });
    let res = client.get("/").send().await;
    assert_eq!(res.text(), "\"counted\"");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_json_error_becomes_a_500() {
    let client = common::client(|ctx| {
        let mut map = std::collections::HashMap::new();
        map.insert(vec![1u8], 1);
        ctx.res.set_body(Json(map)); // non-string keys cannot be JSON
        Ok(())
    });
    let res = client.get("/").send().await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.text(), "Internal Server Error");
}

#[tokio::test]
async fn adonis_send_rules() {
    let client = common::client(|ctx| {
        let res = &mut ctx.res;
        match ctx.req.path() {
            "/empty" => res.send(""),
            "/explicit-empty" => res.set_status(200)?.send(Body::Empty),
            "/keeps-type" => res.set_type("text/xml")?.send("<a/>"),
            "/time" => res
                .send(std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_577_934_245_678)),
            _ => res,
        };
        Ok(())
    });
    assert_eq!(client.get("/empty").send().await.status(), 204);
    let res = client.get("/explicit-empty").send().await;
    assert_eq!((res.status().as_u16(), res.text().as_str()), (200, ""));
    let res = client.get("/keeps-type").send().await;
    assert_eq!(res.header("content-type"), Some("text/xml; charset=utf-8"));
    assert_eq!(
        client.get("/time").send().await.text(),
        "2020-01-02T03:04:05.678Z"
    );
}

#[tokio::test]
async fn send_with_etag_tags_the_json_bytes_it_sends() {
    let client = common::client(|ctx| {
        ctx.res
            .send_with_etag(serde_json::json!({"b": 1, "a": [true]}));
        Ok(())
    });
    let res = client.get("/").send().await;
    assert_eq!(res.text(), r#"{"b":1,"a":[true]}"#);
    let expected = rejoinder::etag::etag(res.bytes(), false);
    assert_eq!(res.header("etag"), Some(expected.as_str()));
}
