//! Header operations in the Koa, Adonis and Kong flavours, and validation.
#![cfg(all(feature = "adonis", feature = "kong"))]

mod common;

use rejoinder::http::HeaderValue;
use rejoinder::prelude::*;
use rejoinder::testing::raw;
use rejoinder::Response;

#[test]
fn case_insensitive_operations() {
    let mut res = Response::new();
    res.set("X-Foo", "1").unwrap();
    res.set("x-FOO", "2").unwrap();
    assert_eq!(res.get("X-FOO"), Some("2"));
    assert_eq!(res.get_all("x-foo").len(), 1);
    res.append("LINK", "<a>")
        .unwrap()
        .append("link", "<b>")
        .unwrap();
    let links: Vec<&HeaderValue> = res.get_all("Link");
    assert_eq!(links, ["<a>", "<b>"]);
    res.set("X-List", vec!["a", "b"]).unwrap();
    assert_eq!(res.get_all("x-list"), ["a", "b"]);
    res.set("X-Num", 42).unwrap();
    assert_eq!(res.get("x-num"), Some("42"));
    res.set_if_absent("x-foo", "3").unwrap();
    assert_eq!(res.get("x-foo"), Some("2"));
    res.set_if_absent("X-New", "n").unwrap();
    assert_eq!(res.get("x-new"), Some("n"));
    res.remove("X-FOO");
    assert!(!res.has("x-foo"));
    res.remove("not a valid name");
    res.set_all([("X-A", "1"), ("Cache-Control", "no-store")])
        .unwrap();
    assert_eq!(res.get("cache-control"), Some("no-store"));
}

#[test]
fn bad_names_and_values_are_errors_and_change_nothing() {
    let mut res = Response::new();
    res.set("X-Keep", "kept").unwrap();
    for value in ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "nul\0"] {
        let err = res.set("X-Keep", value).unwrap_err();
        assert!(err.is_invalid_header_value(), "{value:?}");
        assert!(err.to_string().contains("CR, LF"), "{err}");
        assert!(res.append("X-Keep", value.to_string()).is_err());
    }
    assert_eq!(res.get_all("x-keep"), ["kept"]);
    for name in ["Bad Name", "x:y", "", "é", "a\r\nb"] {
        let err = res.set(name, "v").unwrap_err();
        assert!(err.is_invalid_header_name(), "{name:?}");
        assert!(err.to_string().contains("token characters"), "{err}");
    }
    // set_all is all or nothing.
    let err = res.set_all([("X-Ok", "1"), ("X-Bad", "a\nb")]).unwrap_err();
    assert!(err.is_invalid_header_value());
    assert!(!res.has("x-ok"));
    // The server frames bodies itself.
    assert!(res
        .set("Transfer-Encoding", "chunked")
        .unwrap_err()
        .is_forbidden_header());
}

#[tokio::test]
async fn refused_headers_never_reach_the_wire() {
    let srv = common::server(|ctx| {
        let _ = ctx.res.set("X-Evil", "1\r\nInjected: yes");
        let _ = ctx.res.append("Set-Cookie", "a=1\nInjected: yes");
        ctx.res.set_body("ok");
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 200);
    assert!(wire.header("injected").is_none());
    assert!(wire.header("x-evil").is_none());
    assert!(!String::from_utf8_lossy(&wire.raw).contains("Injected"));
}

#[test]
fn kong_lookup_and_bounded_listing() {
    let mut res = Response::new();
    res.set("X-Custom-Header", "bla").unwrap();
    res.append("x_under", "raw").unwrap();
    assert_eq!(res.kong().get_header("x_custom_header").unwrap(), "bla");
    assert_eq!(res.kong().get_header("X_CUSTOM_HEADER").unwrap(), "bla");
    assert_eq!(res.kong().get_header("x_under").unwrap(), "raw");
    assert!(res.kong().get_header("xcustomheader").is_none());
    for i in 0..150 {
        res.set(format!("x-h-{i:03}"), i).unwrap();
    }
    let kong = res.kong();
    let all = kong.get_headers(Some(1000)).unwrap();
    assert_eq!((all.entries.len(), all.truncated), (152, false));
    let some = kong.get_headers(None).unwrap();
    assert_eq!((some.entries.len(), some.truncated), (100, true));
    let one = kong.get_headers(Some(1)).unwrap();
    assert_eq!((one.entries.len(), one.truncated), (1, true));
    for bad in [0, 1001] {
        let err = kong.get_headers(Some(bad)).unwrap_err();
        assert!(err.is_invalid_limit());
        assert!(err.to_string().contains(">= 1 and <= 1000"));
    }
}

#[test]
fn kong_setters_normalize_and_order() {
    let mut res = Response::new();
    let mut kong = res.kong();
    kong.set_headers([
        ("b", vec!["2"]),
        ("x_dash", vec!["d"]),
        ("a", vec!["1", "one"]),
    ])
    .unwrap();
    kong.add_header("a", "uno").unwrap();
    kong.set_header("Transfer-Encoding", "chunked").unwrap();
    kong.clear_header("b");
    assert!(kong.set_status(600).is_err());
    kong.set_status(201).unwrap();
    let names: Vec<&str> = res.headers().keys().map(|k| k.as_str()).collect();
    assert_eq!(names, ["a", "x-dash"]);
    assert_eq!(res.get_all("a"), ["1", "one", "uno"]);
    assert!(!res.has("transfer-encoding"));
    assert_eq!(res.status().as_u16(), 201);
}
