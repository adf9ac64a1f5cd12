//! Behaviours brought in line with the reference systems, each checked on
//! its own: one-value headers never sent twice, Boom's boomify prefix and
//! attribute check, AdonisJS 5's descriptive names, Koa's string form of
//! `lastModified`.
#![cfg(all(feature = "adonis", feature = "kong"))]

use rejoinder::prelude::*;
use rejoinder::testing::{raw, TestServer};
use rejoinder::{App, Context, HttpError, Response};

#[test]
fn a_list_for_a_one_value_header_is_refused_as_koa_does() {
    for name in [
        "Content-Length",
        "Content-Type",
        "Location",
        "ETag",
        "Last-Modified",
    ] {
        let mut res = Response::new();
        let err = res.set(name, vec!["1", "2"]).unwrap_err();
        assert!(err.is_singleton_header(), "{name}");
        assert_eq!(
            err.to_string(),
            format!("{name} must contain exactly one value")
        );
        assert!(res.headers().is_empty(), "{name}: nothing was set");
    }
    // Appending a second value would send two lines as well.
    let mut res = Response::new();
    res.set("location", "/a").unwrap();
    assert!(res
        .append("Location", "/b")
        .unwrap_err()
        .is_singleton_header());
    assert_eq!(res.get_all("location").len(), 1);
    // All at once: refused before anything is set.
    let err = res
        .set_all([("x-a", vec!["1"]), ("content-type", vec!["a/b", "c/d"])])
        .unwrap_err();
    assert!(err.is_singleton_header());
    assert!(!res.has("x-a"));
    // Other headers take lists, sent as repeated lines.
    res.set("x-list", vec!["1", "2"]).unwrap();
    assert_eq!(res.get_all("x-list").len(), 2);
}

#[test]
fn kong_sends_the_last_value_of_a_list_for_a_one_value_header() {
    let mut res = Response::new();
    let mut kong = res.kong();
    kong.set_header("Content-Type", vec!["text/plain", "text/html"])
        .unwrap();
    kong.add_header("location", "/first").unwrap();
    kong.add_header("location", "/second").unwrap();
    kong.set_headers([("ETag", vec!["\"a\"", "\"b\""])])
        .unwrap();
    kong.add_header("x-many", "1").unwrap();
    kong.add_header("x-many", "2").unwrap();
    assert_eq!(res.get_all("content-type"), ["text/html"]);
    assert_eq!(res.get_all("location"), ["/second"]);
    assert_eq!(res.get_all("etag"), ["\"b\""]);
    assert_eq!(res.get_all("x-many").len(), 2);
}

#[tokio::test]
async fn an_exit_with_a_list_for_content_type_sends_one_line() {
    let app = App::new().handler(async |ctx: &mut Context| {
        ctx.exit(200, "x", [("Content-Type", vec!["text/plain", "text/csv"])])?;
        Ok::<_, Abort>(())
    });
    let srv = TestServer::start(app).await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.all("content-type"), ["text/csv"]);
}

#[test]
fn boomify_with_a_message_prefixes_the_original() {
    let err = HttpError::wrap(std::io::Error::other("Original"))
        .prefixed("Prefix")
        .with_status(404)
        .unwrap();
    assert_eq!(err.message(), "Prefix: Original");
    assert_eq!(err.payload()["message"], "Prefix: Original");
    let err = HttpError::not_found("").prefixed("Prefix");
    assert_eq!(err.message(), "Prefix");
}

#[tokio::test]
async fn unauthorized_refuses_attribute_values_outside_printable_ascii() {
    for bad in ["é", "tab\there", "a\u{1}b"] {
        let err = HttpError::unauthorized("m")
            .scheme("Bearer")
            .attribute("realm", bad);
        let refusal = err.check().unwrap_err();
        assert_eq!(refusal.to_string(), format!("Bad attribute value ({bad})"));
    }
    assert!(HttpError::unauthorized("é")
        .scheme("Bearer")
        .check()
        .is_err());
    assert!(HttpError::unauthorized("m")
        .scheme("B")
        .token68("tokén")
        .check()
        .is_err());
    // Sent, the refused error is a 500 and the header never goes out.
    let app = App::new().handler(async |_: &mut Context| {
        Err::<(), _>(
            HttpError::unauthorized("m")
                .scheme("Bearer")
                .attribute("realm", "réalm"),
        )
    });
    let srv = TestServer::start(app).await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 500);
    assert_eq!(wire.header("www-authenticate"), None);
    // Printable ASCII passes, quotes and backslashes escaped.
    let ok = HttpError::unauthorized("m")
        .scheme("Bearer")
        .attribute("realm", "a\"b\\c");
    assert!(ok.check().is_ok());
    assert_eq!(
        ok.headers()["www-authenticate"],
        "Bearer realm=\"a\\\"b\\\\c\", error=\"m\""
    );
}

#[test]
fn adonis_5_descriptive_names_and_their_older_aliases() {
    // Every name @adonisjs/http-server 5 exposes, with its status.
    let names = [
        ("continue", 100),
        ("switchingProtocols", 101),
        ("ok", 200),
        ("created", 201),
        ("accepted", 202),
        ("nonAuthoritativeInformation", 203),
        ("noContent", 204),
        ("resetContent", 205),
        ("partialContent", 206),
        ("multipleChoices", 300),
        ("movedPermanently", 301),
        ("movedTemporarily", 302),
        ("seeOther", 303),
        ("notModified", 304),
        ("useProxy", 305),
        ("temporaryRedirect", 307),
        ("badRequest", 400),
        ("unauthorized", 401),
        ("paymentRequired", 402),
        ("forbidden", 403),
        ("notFound", 404),
        ("methodNotAllowed", 405),
        ("notAcceptable", 406),
        ("proxyAuthenticationRequired", 407),
        ("requestTimeout", 408),
        ("conflict", 409),
        ("gone", 410),
        ("lengthRequired", 411),
        ("preconditionFailed", 412),
        ("requestEntityTooLarge", 413),
        ("requestUriTooLong", 414),
        ("unsupportedMediaType", 415),
        ("requestedRangeNotSatisfiable", 416),
        ("expectationFailed", 417),
        ("unprocessableEntity", 422),
        ("tooManyRequests", 429),
        ("internalServerError", 500),
        ("notImplemented", 501),
        ("badGateway", 502),
        ("serviceUnavailable", 503),
        ("gatewayTimeout", 504),
        ("httpVersionNotSupported", 505),
    ];
    for (name, code) in names {
        let mut res = Response::new();
        res.send_descriptive(name, "x")
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(res.status().as_u16(), code, "{name}");
    }
    let mut res = Response::new();
    res.moved_temporarily(());
    assert_eq!(res.status().as_u16(), 302);
    let err = Response::new()
        .send_descriptive("notFund", "x")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("no descriptive method named \"notFund\"; did you mean \"not_found\""),
        "{err}"
    );
}

#[test]
fn last_modified_takes_koas_string_form() {
    let mut res = Response::new();
    res.set_last_modified("Wed, 21 Oct 2015 07:28:00 GMT")
        .unwrap();
    assert_eq!(
        res.get("last-modified"),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    res.set_last_modified("2013-09-13").unwrap();
    assert_eq!(
        res.get("last-modified"),
        Some("Fri, 13 Sep 2013 00:00:00 GMT")
    );
    res.set_last_modified(String::from("2020-01-02T03:04:05Z"))
        .unwrap();
    assert_eq!(
        res.get("last-modified"),
        Some("Thu, 02 Jan 2020 03:04:05 GMT")
    );
    let err = res.set_last_modified("not a date").unwrap_err();
    assert!(
        err.to_string().contains("invalid date \"not a date\""),
        "{err}"
    );
    // Refused: the header is as it was.
    assert_eq!(
        res.get("last-modified"),
        Some("Thu, 02 Jan 2020 03:04:05 GMT")
    );
}
