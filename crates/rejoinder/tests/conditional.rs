//! Conditional requests end to end (RFC 9110 §13.2.2): 304 and 412 in the
//! RFC's order, If-None-Match before If-Modified-Since, errors left alone,
//! and If-Range deciding between 206 and the whole file.
#![cfg(all(feature = "adonis", feature = "fs"))]

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rejoinder::fs::ServeDir;
use rejoinder::prelude::*;
use rejoinder::testing::{raw, TestClient, TestServer};
use rejoinder::{Abort, App, Context, Router};

const DOC: &str = "the document, version 1";
const FILE: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz\n";
/// The document's Last-Modified.
const LM: &str = "Sat, 01 Jan 2000 00:00:00 GMT";
const BEFORE: &str = "Fri, 31 Dec 1999 23:59:59 GMT";
const AFTER: &str = "Sun, 02 Jan 2000 00:00:00 GMT";

/// Where the app finds the file it downloads.
#[derive(Clone)]
struct FilePath(PathBuf);

/// The representation every document route answers with: a strong ETag, a
/// date, cache headers and a body.
fn document(ctx: &mut Context) -> Result<(), Abort> {
    ctx.res.set_etag("v1")?;
    ctx.res
        .set_last_modified(UNIX_EPOCH + Duration::from_secs(946_684_800));
    ctx.res.set("Cache-Control", "max-age=60")?;
    ctx.res.set("Vary", "Accept")?;
    ctx.res.set_body(DOC);
    Ok(())
}

/// A write: the preconditions are checked against version 1 before
/// anything changes, then the document is answered.
fn write(ctx: &mut Context) -> Result<(), Abort> {
    let modified = UNIX_EPOCH + Duration::from_secs(946_684_800);
    ctx.check_preconditions(Some("\"v1\""), Some(modified))?;
    document(ctx)
}

fn app(file: PathBuf) -> App {
    let router = Router::new()
        .get("/doc", async |ctx: &mut Context| document(ctx))
        .put("/doc", async |ctx: &mut Context| write(ctx))
        .post("/doc", async |ctx: &mut Context| write(ctx))
        .delete("/doc", async |ctx: &mut Context| write(ctx))
        .put(
            "/unchecked",
            async |ctx: &mut Context| -> Result<(), Abort> {
                // Writes version 2 without checking: the server does not turn
                // the finished write into a 412 afterwards.
                ctx.res.set_etag("v2")?;
                ctx.res.set_body("stored");
                Ok(())
            },
        )
        .get("/broken", async |ctx: &mut Context| -> Result<(), Abort> {
            document(ctx)?;
            ctx.res.set_status(503)?;
            Ok(())
        })
        .get("/file", async |ctx: &mut Context| -> Result<(), Abort> {
            let path = ctx.app_state::<FilePath>().unwrap().0.clone();
            ctx.res.download(&path).await?;
            ctx.res.set_etag("f1")?;
            Ok(())
        })
        .get(
            "/weak-file",
            async |ctx: &mut Context| -> Result<(), Abort> {
                let path = ctx.app_state::<FilePath>().unwrap().0.clone();
                ctx.res.download_with_etag(&path).await?;
                Ok(())
            },
        )
        .get("/missing", async |ctx: &mut Context| -> Result<(), Abort> {
            let path = ctx
                .app_state::<FilePath>()
                .unwrap()
                .0
                .with_extension("gone");
            ctx.res.download(&path).await?;
            Ok(())
        });
    App::new().state(FilePath(file)).router(router)
}

/// A loopback server over [`app`], with the file in a temporary directory.
async fn server() -> (TestServer, tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.txt");
    std::fs::write(&path, FILE).unwrap();
    let srv = TestServer::start(app(path.clone())).await;
    (srv, dir, path)
}

fn modified(path: &std::path::Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

// ---------------------------------------------------------------------------
// 304 Not Modified
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_matching_if_none_match_is_304_with_the_cache_headers() {
    let (srv, _dir, _) = server().await;
    for (method, inm) in [
        ("GET", "\"v1\""),
        ("GET", "W/\"v1\""),
        ("GET", "\"v0\", \"v1\""),
        ("GET", "*"),
        ("HEAD", "\"v1\""),
    ] {
        let wire = raw::send(srv.addr(), method, "/doc", &[("If-None-Match", inm)]).await;
        assert_eq!(wire.status, 304, "{method} {inm}");
        assert!(wire.body.is_empty(), "{inm}");
        assert!(wire.raw.ends_with(b"\r\n\r\n"), "{inm}");
        assert_eq!(wire.header("etag"), Some("\"v1\""));
        assert_eq!(wire.header("last-modified"), Some(LM));
        assert_eq!(wire.header("cache-control"), Some("max-age=60"));
        assert_eq!(wire.header("vary"), Some("Accept"));
        assert!(wire.header("content-type").is_none());
        assert!(wire.header("content-length").is_none());
    }
}

#[tokio::test]
async fn if_none_match_decides_alone_over_if_modified_since() {
    let (srv, _dir, _) = server().await;
    // The date alone would say 304, but the ETag differs: the document.
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/doc",
        &[("If-None-Match", "\"v0\""), ("If-Modified-Since", AFTER)],
    )
    .await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.text(), DOC);
    // The date alone would say 200, but the ETag matches: 304.
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/doc",
        &[("If-None-Match", "\"v1\""), ("If-Modified-Since", BEFORE)],
    )
    .await;
    assert_eq!(wire.status, 304);
}

#[tokio::test]
async fn if_modified_since_alone() {
    let client = TestClient::new(app(PathBuf::from("unused")));
    for (since, status) in [(LM, 304), (AFTER, 304), (BEFORE, 200), ("not a date", 200)] {
        let res = client
            .get("/doc")
            .header("If-Modified-Since", since)
            .send()
            .await;
        assert_eq!(res.status(), status, "{since}");
    }
    // Not for writes.
    let res = client
        .request(http::Method::PUT, "/doc")
        .header("If-Modified-Since", AFTER)
        .send()
        .await;
    assert_eq!(res.status(), 200);
}

// ---------------------------------------------------------------------------
// 412 Precondition Failed
// ---------------------------------------------------------------------------

/// Asserts a bare 412 that still names the current representation.
fn assert_412(wire: &raw::Wire, what: &str) {
    assert_eq!(wire.status, 412, "{what}");
    assert_eq!(wire.reason, "Precondition Failed", "{what}");
    assert_eq!(wire.text(), "Precondition Failed", "{what}");
    assert_eq!(
        wire.header("content-type"),
        Some("text/plain; charset=utf-8"),
        "{what}"
    );
    assert_eq!(wire.header("etag"), Some("\"v1\""), "{what}");
}

#[tokio::test]
async fn a_failed_if_match_is_412_on_get_and_put() {
    let (srv, _dir, _) = server().await;
    for method in ["GET", "PUT", "DELETE"] {
        for if_match in ["\"v0\"", "W/\"v1\"", "\"v0\", \"v2\""] {
            let wire = raw::send(srv.addr(), method, "/doc", &[("If-Match", if_match)]).await;
            assert_412(&wire, &format!("{method} {if_match}"));
        }
        for if_match in ["\"v1\"", "\"v0\", \"v1\"", "*"] {
            let wire = raw::send(srv.addr(), method, "/doc", &[("If-Match", if_match)]).await;
            assert_eq!(wire.status, 200, "{method} {if_match}");
            assert_eq!(wire.text(), DOC);
        }
    }
    // HEAD: the 412 without a body.
    let wire = raw::send(srv.addr(), "HEAD", "/doc", &[("If-Match", "\"v0\"")]).await;
    assert_eq!(wire.status, 412);
    assert!(wire.body.is_empty());
}

#[tokio::test]
async fn if_unmodified_since_and_if_none_match_on_writes() {
    let (srv, _dir, _) = server().await;
    let wire = raw::send(
        srv.addr(),
        "PUT",
        "/doc",
        &[("If-Unmodified-Since", BEFORE)],
    )
    .await;
    assert_412(&wire, "If-Unmodified-Since before Last-Modified");
    for since in [LM, AFTER, "garbage"] {
        let wire = raw::send(srv.addr(), "PUT", "/doc", &[("If-Unmodified-Since", since)]).await;
        assert_eq!(wire.status, 200, "{since}");
    }
    // If-Match, when present, wins over If-Unmodified-Since.
    let wire = raw::send(
        srv.addr(),
        "PUT",
        "/doc",
        &[("If-Match", "\"v1\""), ("If-Unmodified-Since", BEFORE)],
    )
    .await;
    assert_eq!(wire.status, 200);
    // A matching If-None-Match on a method other than GET/HEAD is a 412.
    for method in ["POST", "PUT"] {
        for inm in ["\"v1\"", "*"] {
            let wire = raw::send(srv.addr(), method, "/doc", &[("If-None-Match", inm)]).await;
            assert_412(&wire, &format!("{method} If-None-Match {inm}"));
        }
        let wire = raw::send(srv.addr(), method, "/doc", &[("If-None-Match", "\"v0\"")]).await;
        assert_eq!(wire.status, 200, "{method}");
    }
}

#[tokio::test]
async fn errors_are_never_replaced_by_304_or_412() {
    let (srv, _dir, _) = server().await;
    for header in [
        ("If-None-Match", "\"v1\""),
        ("If-Match", "\"v0\""),
        ("If-Modified-Since", AFTER),
        ("If-Unmodified-Since", BEFORE),
    ] {
        let wire = raw::send(srv.addr(), "GET", "/broken", &[header]).await;
        assert_eq!(wire.status, 503, "{header:?}");
        assert_eq!(wire.text(), DOC, "{header:?}");
        let wire = raw::send(srv.addr(), "GET", "/missing", &[header]).await;
        assert_eq!(wire.status, 404, "{header:?}");
        let wire = raw::send(srv.addr(), "GET", "/no-such-route", &[header]).await;
        assert_eq!(wire.status, 404, "{header:?}");
    }
}

// ---------------------------------------------------------------------------
// Ranges and If-Range
// ---------------------------------------------------------------------------

#[tokio::test]
async fn if_range_with_a_strong_etag() {
    let (srv, _dir, _) = server().await;
    let range = ("Range", "bytes=0-9");
    let wire = raw::send(srv.addr(), "GET", "/file", &[range, ("If-Range", "\"f1\"")]).await;
    assert_eq!(wire.status, 206);
    assert_eq!(
        wire.header("content-range"),
        Some(format!("bytes 0-9/{}", FILE.len()).as_str())
    );
    assert_eq!(wire.body, &FILE[..10]);
    // Another tag, the same tag marked weak, or nonsense: the whole file.
    for if_range in ["\"f0\"", "W/\"f1\"", "f1", "yesterday"] {
        let wire = raw::send(srv.addr(), "GET", "/file", &[range, ("If-Range", if_range)]).await;
        assert_eq!(wire.status, 200, "{if_range}");
        assert!(wire.header("content-range").is_none(), "{if_range}");
        assert_eq!(wire.body, FILE, "{if_range}");
    }
    // A weak ETag never matches, not even itself.
    let weak = raw::send(srv.addr(), "GET", "/weak-file", &[]).await;
    let weak = weak.header("etag").unwrap().to_owned();
    assert!(weak.starts_with("W/"), "{weak}");
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/weak-file",
        &[range, ("If-Range", &weak)],
    )
    .await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.body, FILE);
    // If-Range without Range changes nothing.
    let wire = raw::send(srv.addr(), "GET", "/file", &[("If-Range", "\"f0\"")]).await;
    assert_eq!((wire.status, &wire.body[..]), (200, FILE));
}

#[tokio::test]
async fn if_range_with_a_date_must_equal_last_modified() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.txt");
    std::fs::write(&path, FILE).unwrap();
    let srv = TestServer::start(App::new().handler(ServeDir::new(dir.path()))).await;
    let modified = modified(&path);
    let lm = httpdate::fmt_http_date(modified);
    let range = ("Range", "bytes=-5");
    let wire = raw::send(srv.addr(), "GET", "/data.txt", &[range, ("If-Range", &lm)]).await;
    assert_eq!(wire.header("last-modified"), Some(lm.as_str()));
    assert_eq!(wire.status, 206);
    assert_eq!(wire.body, &FILE[FILE.len() - 5..]);
    // Earlier or later dates are not the representation's: the whole file.
    for date in [
        modified - Duration::from_secs(60),
        modified + Duration::from_secs(60),
    ] {
        let date = httpdate::fmt_http_date(date);
        let wire = raw::send(
            srv.addr(),
            "GET",
            "/data.txt",
            &[range, ("If-Range", &date)],
        )
        .await;
        assert_eq!(wire.status, 200, "{date}");
        assert_eq!(wire.body, FILE, "{date}");
    }
}

#[tokio::test]
async fn preconditions_come_before_ranges() {
    let (srv, _dir, path) = server().await;
    let range = ("Range", "bytes=0-9");
    let wire = raw::send(srv.addr(), "GET", "/file", &[range, ("If-Match", "\"f0\"")]).await;
    assert_eq!(wire.status, 412);
    assert!(wire.header("content-range").is_none());
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/file",
        &[range, ("If-None-Match", "\"f1\"")],
    )
    .await;
    assert_eq!(wire.status, 304);
    assert!(wire.body.is_empty());
    // Both hold: the range.
    let lm = httpdate::fmt_http_date(modified(&path));
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/file",
        &[range, ("If-Match", "\"f1\""), ("If-Unmodified-Since", &lm)],
    )
    .await;
    assert_eq!(wire.status, 206);
    assert_eq!(wire.body, &FILE[..10]);
}

#[tokio::test]
async fn ranges_are_for_get_only() {
    let (srv, _dir, _) = server().await;
    let wire = raw::send(srv.addr(), "HEAD", "/file", &[("Range", "bytes=0-9")]).await;
    assert_eq!(wire.status, 200);
    assert!(wire.header("content-range").is_none());
    assert_eq!(
        wire.header("content-length"),
        Some(FILE.len().to_string().as_str())
    );
}

#[tokio::test]
async fn unsatisfiable_and_multiple_ranges() {
    let (srv, _dir, _) = server().await;
    let size = FILE.len();
    for range in [format!("bytes={size}-"), "bytes=-0".to_owned()] {
        let wire = raw::send(srv.addr(), "GET", "/file", &[("Range", &range)]).await;
        assert_eq!(wire.status, 416, "{range}");
        assert_eq!(
            wire.header("content-range"),
            Some(format!("bytes */{size}").as_str())
        );
    }
    for range in ["bytes=0-1,4-5", "bytes=0-5, 3-8", "bytes=5-1", "lines=1-2"] {
        let wire = raw::send(srv.addr(), "GET", "/file", &[("Range", range)]).await;
        assert_eq!((wire.status, &wire.body[..]), (200, FILE), "{range}");
    }
}

#[tokio::test]
async fn a_write_is_not_answered_412_after_it_happened() {
    let srv = TestServer::start(app(PathBuf::from("/nonexistent"))).await;
    let wire = raw::send(srv.addr(), "PUT", "/unchecked", &[("If-Match", "\"v1\"")]).await;
    assert_eq!((wire.status, wire.text().as_str()), (200, "stored"));
}
