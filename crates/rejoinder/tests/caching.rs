//! type/is, ETag, Last-Modified, Vary and Location.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use rejoinder::testing::raw;
use rejoinder::Response;

#[test]
fn set_type_from_extensions_and_media_types() {
    let mut res = Response::new();
    for (input, header, essence) in [
        ("png", "image/png", "image/png"),
        (".png", "image/png", "image/png"),
        ("html", "text/html; charset=utf-8", "text/html"),
        (
            "json",
            "application/json; charset=utf-8",
            "application/json",
        ),
        ("file.txt", "text/plain; charset=utf-8", "text/plain"),
        (
            "text/plain; charset=latin1",
            "text/plain; charset=latin1",
            "text/plain",
        ),
        (
            "application/x-foo",
            "application/x-foo",
            "application/x-foo",
        ),
    ] {
        res.set_type(input).unwrap();
        assert_eq!(res.get("content-type"), Some(header), "{input}");
        assert_eq!(res.content_type(), Some(essence), "{input}");
    }
    let err = res.set_type("unknownext").unwrap_err();
    assert!(err.is_unknown_type());
    assert!(err.to_string().contains("known file extension"), "{err}");
    assert_eq!(res.content_type(), Some("application/x-foo"), "unchanged");
    assert!(res.set_type("text/html\r\nX: y").is_err());
}

#[test]
fn is_matches_like_koa() {
    let mut res = Response::new();
    assert_eq!(res.is(&["html"]), None);
    res.set_body("x");
    assert_eq!(res.is(&[]).as_deref(), Some("text/plain"));
    res.set_type("html").unwrap();
    assert_eq!(res.is(&["html"]).as_deref(), Some("html"));
    assert_eq!(res.is(&["json", "text/*"]).as_deref(), Some("text/html"));
    assert_eq!(res.is(&["json"]), None);
    res.set_type("application/vnd.api+json").unwrap();
    assert_eq!(
        res.is(&["+json"]).as_deref(),
        Some("application/vnd.api+json")
    );
    assert_eq!(res.is(&["json"]), None);
    res.set_type("application/x-www-form-urlencoded").unwrap();
    assert_eq!(res.is(&["urlencoded"]).as_deref(), Some("urlencoded"));
}

#[test]
fn etag_last_modified_vary_location() {
    let mut res = Response::new();
    res.set_etag("abc").unwrap();
    assert_eq!(res.etag(), Some("\"abc\""));
    res.set_etag("W/\"x\"").unwrap();
    assert_eq!(res.etag(), Some("W/\"x\""));
    res.set_etag("\"quoted\"").unwrap();
    assert_eq!(res.etag(), Some("\"quoted\""));
    assert!(res.set_etag("a\nb").is_err());

    let t = UNIX_EPOCH + Duration::from_millis(1_640_995_199_999);
    res.set_last_modified(t);
    assert_eq!(
        res.get("last-modified"),
        Some("Fri, 31 Dec 2021 23:59:59 GMT")
    );
    assert_eq!(
        res.last_modified(),
        Some(UNIX_EPOCH + Duration::from_secs(1_640_995_199))
    );

    res.vary(&["Origin"]).unwrap().vary(&["origin"]).unwrap();
    assert_eq!(res.get("vary"), Some("Origin"));
    res.vary(&["Accept", "User-Agent"]).unwrap();
    assert_eq!(res.get("vary"), Some("Origin, Accept, User-Agent"));
    assert!(res.vary(&["bad field"]).unwrap_err().is_invalid_vary());
    assert!(res.vary(&[""]).is_err());
    res.vary(&["*"]).unwrap();
    assert_eq!(res.get("vary"), Some("*"));
    res.vary(&["Cookie"]).unwrap();
    assert_eq!(res.get("vary"), Some("*"));

    res.set_location("/login").unwrap();
    assert_eq!(res.location(), Some("/login"));
    assert!(res.set_location("/a\r\nSet-Cookie: x").is_err());
    assert_eq!(res.location(), Some("/login"));
}

#[tokio::test]
async fn caching_headers_on_the_wire() {
    let srv = common::server(|ctx| {
        ctx.res
            .set_etag("v1")?
            .vary(&["Accept-Encoding"])?
            .set_location("/next")?;
        ctx.res
            .set_last_modified(UNIX_EPOCH + Duration::from_secs(1_577_934_245));
        ctx.res.set_body("ok");
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.header("etag"), Some("\"v1\""));
    assert_eq!(wire.header("vary"), Some("Accept-Encoding"));
    assert_eq!(wire.header("location"), Some("/next"));
    assert_eq!(
        wire.header("last-modified"),
        Some("Thu, 02 Jan 2020 03:04:05 GMT")
    );
}
