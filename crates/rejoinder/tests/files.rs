//! Files end to end: `download` and its variants, conditional GET and byte
//! ranges on file bodies, attachments, `ServeDir` (including every way out of
//! its root it must refuse), and JSONP. (The 1 GiB file is in download_memory.rs, a process of its own
//! so no other test moves its memory figures.)
#![cfg(all(feature = "koa", feature = "adonis", feature = "jsonp", feature = "fs"))]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rejoinder::content_disposition::{Disposition, Options};
use rejoinder::fs::ServeDir;
use rejoinder::prelude::*;
use rejoinder::response::FileErrorHandler;
use rejoinder::testing::{raw, TestClient, TestServer};
use rejoinder::{handler_fn, Abort, App, Context, Router};
use serde_json::{json, Value};

const TEXT_UTF8: &str = "text/plain; charset=utf-8";
const HELLO: &[u8] = b"Hello, files! 0123456789 abcdefghijklmnopqrstuvwxyz\n";
const SECRET: &[u8] = b"TOP-SECRET-8c1e7f do not serve me";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A scratch directory under the system temp dir, unique per process and
/// test, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("rejoinder-files-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `bytes` to `rel` (creating parent directories).
    fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `len` bytes of a pattern that differs at every offset modulo 251.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn http_date(path: &Path) -> String {
    httpdate::fmt_http_date(std::fs::metadata(path).unwrap().modified().unwrap())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A handler that runs an async file helper on the response for the file
/// `dir/<name param>`.
macro_rules! file_route {
    ($dir:expr, |$ctx:ident, $path:ident| $body:expr) => {{
        let dir: Arc<PathBuf> = $dir.clone();
        handler_fn(move |$ctx| {
            let dir = dir.clone();
            Box::pin(async move {
                let $path = dir.join($ctx.param("name").unwrap_or_default());
                $body;
                Ok::<_, Abort>(())
            })
        })
    }};
}

/// The app of the download tests, serving files from `dir`.
fn files_app(dir: &Path) -> App {
    let dir = Arc::new(dir.to_path_buf());
    let router = Router::new()
        .get(
            "/download/{name}",
            file_route!(dir, |ctx, path| ctx.res.download(&path).await?),
        )
        .get(
            "/etag/{name}",
            file_route!(dir, |ctx, path| ctx.res.download_with_etag(&path).await?),
        )
        .get(
            "/strong/{name}",
            file_route!(dir, |ctx, path| {
                ctx.res.download(&path).await?;
                ctx.res.set_etag("v1")?;
            }),
        )
        .get(
            "/or/{name}",
            file_route!(dir, |ctx, path| {
                let gone: &FileErrorHandler = &|_e: &std::io::Error| ("gone".to_owned(), 410);
                ctx.res.download_or(&path, Some(gone)).await?
            }),
        )
        .get(
            "/attach/{name}",
            file_route!(dir, |ctx, path| {
                ctx.res
                    .attachment_file(&path, Some("€ rates.txt"), Disposition::Attachment)
                    .await?
            }),
        )
        .get(
            "/attach-own-name/{name}",
            file_route!(dir, |ctx, path| {
                ctx.res
                    .attachment_file(&path, None, Disposition::Attachment)
                    .await?
            }),
        )
        .get(
            "/inline/{name}",
            file_route!(dir, |ctx, path| {
                ctx.res
                    .attachment_file(&path, Some("résumé.pdf"), Disposition::Inline)
                    .await?
            }),
        );
    App::new().router(router)
}

// ---------------------------------------------------------------------------
// download
// ---------------------------------------------------------------------------

#[tokio::test]
async fn download_sends_the_file_with_type_length_and_last_modified() {
    let dir = Scratch::new("download");
    let hello = dir.write("hello.txt", HELLO);
    let png_bytes = [0x89, b'P', b'N', b'G', 0, 1, 2, 255, 254, 0];
    dir.write("pic.png", &png_bytes);
    dir.write("data.json", b"{\"a\":1}");
    dir.write("blob.zzzunknown", b"??");
    dir.write("noext", b"plain");
    let srv = TestServer::start(files_app(dir.path())).await;

    let wire = raw::send(srv.addr(), "GET", "/download/hello.txt", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.header("content-type"), Some(TEXT_UTF8));
    assert_eq!(
        wire.header("content-length"),
        Some(HELLO.len().to_string().as_str())
    );
    assert_eq!(
        wire.header("last-modified"),
        Some(http_date(&hello).as_str())
    );
    assert!(wire.header("transfer-encoding").is_none());
    assert_eq!(wire.body, HELLO);

    for (name, ty, bytes) in [
        ("pic.png", "image/png", &png_bytes[..]),
        ("data.json", "application/json; charset=utf-8", b"{\"a\":1}"),
        ("blob.zzzunknown", "application/octet-stream", b"??"),
        ("noext", "application/octet-stream", b"plain"),
    ] {
        let wire = raw::send(srv.addr(), "GET", &format!("/download/{name}"), &[]).await;
        assert_eq!(wire.status, 200, "{name}");
        assert_eq!(wire.header("content-type"), Some(ty), "{name}");
        assert_eq!(wire.body, bytes, "{name}");
    }

    // HEAD: same headers, no body.
    let wire = raw::send(srv.addr(), "HEAD", "/download/hello.txt", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(
        wire.header("content-length"),
        Some(HELLO.len().to_string().as_str())
    );
    assert!(wire.body.is_empty());
}

#[tokio::test]
async fn download_streams_a_file_larger_than_the_preload_limit() {
    let dir = Scratch::new("download-large");
    let size = rejoinder::body::PRELOAD_LIMIT as usize * 3 + rejoinder::body::CHUNK + 17;
    let bytes = pattern(size);
    dir.write("big.bin", &bytes);
    let srv = TestServer::start(files_app(dir.path())).await;
    let wire = raw::send(srv.addr(), "GET", "/download/big.bin", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(
        wire.header("content-length"),
        Some(size.to_string().as_str())
    );
    assert_eq!(
        wire.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(wire.body.len(), size);
    assert!(
        wire.body == bytes,
        "the streamed bytes differ from the file"
    );
}

#[tokio::test]
async fn a_missing_file_is_404_file_not_found() {
    let dir = Scratch::new("missing");
    let client = TestClient::new(files_app(dir.path()));
    for path in ["/download/nope.txt", "/etag/nope.txt", "/attach/nope.txt"] {
        let res = client.get(path).send().await;
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(res.header("content-type"), Some(TEXT_UTF8), "{path}");
        assert_eq!(res.text(), "File not found", "{path}");
        assert!(res.header("content-disposition").is_none(), "{path}");
    }
}

#[tokio::test]
async fn a_directory_cannot_be_downloaded() {
    let dir = Scratch::new("download-dir");
    std::fs::create_dir_all(dir.path().join("sub")).unwrap();
    let res = TestClient::new(files_app(dir.path()))
        .get("/download/sub")
        .send()
        .await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.text(), "Cannot process file");
    // The path is not revealed.
    assert!(!res.text().contains("sub"));
}

#[tokio::test]
async fn download_or_lets_the_callback_choose_message_and_status() {
    let dir = Scratch::new("download-or");
    dir.write("here.txt", b"still here");
    let srv = TestServer::start(files_app(dir.path())).await;
    let wire = raw::send(srv.addr(), "GET", "/or/nope.txt", &[]).await;
    assert_eq!(wire.status, 410);
    assert_eq!(wire.reason, "Gone");
    assert_eq!(wire.header("content-type"), Some(TEXT_UTF8));
    assert_eq!(wire.text(), "gone");
    let wire = raw::send(srv.addr(), "GET", "/or/here.txt", &[]).await;
    assert_eq!((wire.status, wire.text().as_str()), (200, "still here"));
}

// ---------------------------------------------------------------------------
// Conditional GET
// ---------------------------------------------------------------------------

#[tokio::test]
async fn download_with_etag_then_if_none_match_is_304_without_a_body() {
    let dir = Scratch::new("etag");
    let path = dir.write("hello.txt", HELLO);
    let srv = TestServer::start(files_app(dir.path())).await;
    let first = raw::send(srv.addr(), "GET", "/etag/hello.txt", &[]).await;
    assert_eq!(first.status, 200);
    let etag = first.header("etag").expect("an ETag").to_owned();
    let mtime = std::fs::metadata(&path)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(etag, format!("W/\"{:x}-{:x}\"", HELLO.len(), mtime));
    assert_eq!(first.body, HELLO);

    for inm in [
        etag.clone(),
        etag.trim_start_matches("W/").to_owned(),
        format!("\"x\", {etag}"),
        "*".to_owned(),
    ] {
        let second = raw::send(
            srv.addr(),
            "GET",
            "/etag/hello.txt",
            &[("If-None-Match", &inm)],
        )
        .await;
        assert_eq!(second.status, 304, "{inm}");
        assert!(second.body.is_empty(), "{inm}: {:?}", second.text());
        assert!(second.raw.ends_with(b"\r\n\r\n"), "{inm}");
        assert_eq!(second.header("etag"), Some(etag.as_str()));
        assert!(second.header("content-type").is_none());
    }
    // HEAD too.
    let head = raw::send(
        srv.addr(),
        "HEAD",
        "/etag/hello.txt",
        &[("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(head.status, 304);
    // Another tag: the whole file.
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/etag/hello.txt",
        &[("If-None-Match", "W/\"other\"")],
    )
    .await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.body, HELLO);
    // A request's Cache-Control: no-cache speaks to caches; the server still
    // answers a matching If-None-Match with 304 (RFC 9110 §13.2.2), where
    // Koa's `fresh` would send the whole file.
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/etag/hello.txt",
        &[("If-None-Match", &etag), ("Cache-Control", "no-cache")],
    )
    .await;
    assert_eq!(wire.status, 304);
    assert!(wire.body.is_empty());
}

#[tokio::test]
async fn if_modified_since_gives_304() {
    let dir = Scratch::new("ims");
    let path = dir.write("hello.txt", HELLO);
    let srv = TestServer::start(files_app(dir.path())).await;
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let lm = httpdate::fmt_http_date(modified);
    let later = httpdate::fmt_http_date(modified + Duration::from_secs(3600));
    for since in [&lm, &later] {
        let wire = raw::send(
            srv.addr(),
            "GET",
            "/download/hello.txt",
            &[("If-Modified-Since", since)],
        )
        .await;
        assert_eq!(wire.status, 304, "{since}");
        assert!(wire.body.is_empty());
        assert_eq!(wire.header("last-modified"), Some(lm.as_str()));
    }
    let earlier = httpdate::fmt_http_date(modified - Duration::from_secs(3600));
    for since in [earlier.as_str(), "not a date"] {
        let wire = raw::send(
            srv.addr(),
            "GET",
            "/download/hello.txt",
            &[("If-Modified-Since", since)],
        )
        .await;
        assert_eq!(wire.status, 200, "{since}");
        assert_eq!(wire.body, HELLO);
    }
    // Conditional requests only apply to GET and HEAD; a 404 is never 304.
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/download/nope.txt",
        &[("If-Modified-Since", &later)],
    )
    .await;
    assert_eq!(wire.status, 404);
}

// ---------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------

async fn ranged(srv: &TestServer, path: &str, headers: &[(&str, &str)]) -> raw::Wire {
    raw::send(srv.addr(), "GET", path, headers).await
}

#[tokio::test]
async fn a_single_range_is_206_with_exactly_those_bytes() {
    let dir = Scratch::new("range");
    dir.write("hello.txt", HELLO);
    let size = HELLO.len();
    let srv = TestServer::start(files_app(dir.path())).await;

    for (range, start, end) in [
        ("bytes=0-9", 0, 9),
        ("bytes=-5", size - 5, size - 1),
        ("bytes=10-", 10, size - 1),
        ("bytes=7-7", 7, 7),
        ("bytes=40-100000", 40, size - 1),
        ("bytes=-100000", 0, size - 1),
    ] {
        let wire = ranged(&srv, "/download/hello.txt", &[("Range", range)]).await;
        assert_eq!(wire.status, 206, "{range}");
        assert_eq!(wire.reason, "Partial Content");
        assert_eq!(
            wire.header("content-range"),
            Some(format!("bytes {start}-{end}/{size}").as_str()),
            "{range}"
        );
        assert_eq!(
            wire.header("content-length"),
            Some((end - start + 1).to_string().as_str()),
            "{range}"
        );
        assert_eq!(wire.body, &HELLO[start..=end], "{range}");
        assert_eq!(wire.header("content-type"), Some(TEXT_UTF8));
    }
}

#[tokio::test]
async fn an_unsatisfiable_range_is_416_with_the_size() {
    let dir = Scratch::new("range-416");
    dir.write("hello.txt", HELLO);
    let size = HELLO.len();
    let srv = TestServer::start(files_app(dir.path())).await;
    for range in [
        format!("bytes={size}-"),
        format!("bytes={}-{}", size + 5, size + 10),
        "bytes=-0".to_owned(),
    ] {
        let wire = ranged(&srv, "/download/hello.txt", &[("Range", &range)]).await;
        assert_eq!(wire.status, 416, "{range}");
        assert_eq!(wire.reason, "Range Not Satisfiable");
        assert_eq!(
            wire.header("content-range"),
            Some(format!("bytes */{size}").as_str()),
            "{range}"
        );
        assert!(!contains(&wire.body, HELLO), "{range}");
    }
}

#[tokio::test]
async fn several_or_malformed_ranges_send_the_whole_file() {
    let dir = Scratch::new("range-multi");
    dir.write("hello.txt", HELLO);
    let srv = TestServer::start(files_app(dir.path())).await;
    for range in [
        "bytes=0-1,5-6",
        "bytes=0-1, 3-4",
        "bytes=9-1",
        "items=0-1",
        "bytes=abc",
        "bytes=1-2-3",
    ] {
        let wire = ranged(&srv, "/download/hello.txt", &[("Range", range)]).await;
        assert_eq!(wire.status, 200, "{range}");
        assert!(wire.header("content-range").is_none(), "{range}");
        assert_eq!(wire.body, HELLO, "{range}");
    }
}

#[tokio::test]
async fn if_range_with_the_current_validator_is_206_else_the_whole_file() {
    let dir = Scratch::new("if-range");
    let path = dir.write("hello.txt", HELLO);
    let srv = TestServer::start(files_app(dir.path())).await;
    let lm = http_date(&path);

    // A strong ETag (set by the handler) that matches: the range.
    let wire = ranged(
        &srv,
        "/strong/hello.txt",
        &[("Range", "bytes=0-9"), ("If-Range", "\"v1\"")],
    )
    .await;
    assert_eq!(wire.header("etag"), Some("\"v1\""));
    assert_eq!(wire.status, 206);
    assert_eq!(wire.body, &HELLO[..10]);
    // A stale ETag: the whole file, 200.
    let wire = ranged(
        &srv,
        "/strong/hello.txt",
        &[("Range", "bytes=0-9"), ("If-Range", "\"v0\"")],
    )
    .await;
    assert_eq!(wire.status, 200);
    assert!(wire.header("content-range").is_none());
    assert_eq!(wire.body, HELLO);
    // The current Last-Modified as a date: the range.
    let wire = ranged(
        &srv,
        "/download/hello.txt",
        &[("Range", "bytes=0-9"), ("If-Range", &lm)],
    )
    .await;
    assert_eq!(wire.status, 206);
    assert_eq!(wire.body, &HELLO[..10]);
    // A date before the last change: the whole file.
    let old = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000));
    let wire = ranged(
        &srv,
        "/download/hello.txt",
        &[("Range", "bytes=0-9"), ("If-Range", &old)],
    )
    .await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.body, HELLO);
    // The weak ETag of download_with_etag never matches If-Range (strong
    // comparison, RFC 9110 13.1.5): the whole file.
    let weak = ranged(&srv, "/etag/hello.txt", &[]).await;
    let weak = weak.header("etag").unwrap().to_owned();
    let wire = ranged(
        &srv,
        "/etag/hello.txt",
        &[("Range", "bytes=0-9"), ("If-Range", &weak)],
    )
    .await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.body, HELLO);
}

#[tokio::test]
async fn ranges_of_a_streamed_file_cross_chunk_boundaries() {
    let dir = Scratch::new("range-large");
    let size = rejoinder::body::CHUNK * 2 + 1000;
    let bytes = pattern(size);
    dir.write("big.bin", &bytes);
    let srv = TestServer::start(files_app(dir.path())).await;
    let chunk = rejoinder::body::CHUNK;
    for (start, end) in [
        (chunk - 10, chunk + 9),
        (1, chunk * 2 + 5),
        (size - 1, size - 1),
    ] {
        let range = format!("bytes={start}-{end}");
        let wire = ranged(&srv, "/download/big.bin", &[("Range", &range)]).await;
        assert_eq!(wire.status, 206, "{range}");
        assert_eq!(
            wire.header("content-range"),
            Some(format!("bytes {start}-{end}/{size}").as_str())
        );
        assert_eq!(wire.body.len(), end - start + 1, "{range}");
        assert!(wire.body == bytes[start..=end], "{range}: bytes differ");
    }
}

// ---------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------

#[tokio::test]
async fn attachment_file_with_a_unicode_name() {
    let dir = Scratch::new("attach");
    dir.write("rates.csv", b"a,b\n1,2\n");
    let srv = TestServer::start(files_app(dir.path())).await;
    let wire = raw::send(srv.addr(), "GET", "/attach/rates.csv", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(
        wire.header("content-disposition"),
        Some("attachment; filename=\"? rates.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt")
    );
    // The type comes from the file on disk.
    assert_eq!(wire.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(wire.body, b"a,b\n1,2\n");

    // Its own name when none is given.
    let wire = raw::send(srv.addr(), "GET", "/attach-own-name/rates.csv", &[]).await;
    assert_eq!(
        wire.header("content-disposition"),
        Some("attachment; filename=\"rates.csv\"")
    );

    // A Latin-1 name: an ASCII fallback, the name itself in filename*.
    let wire = raw::send(srv.addr(), "GET", "/inline/rates.csv", &[]).await;
    assert_eq!(
        wire.header("content-disposition"),
        Some("inline; filename=\"r?sum?.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf")
    );
}

#[tokio::test]
async fn koa_attachment_keeps_a_content_type_set_before() {
    let client = TestClient::new(App::new().handler(async |ctx: &mut Context| {
        match ctx.req.path() {
            "/typed" => {
                ctx.res.set_type("text/plain")?;
                ctx.res.attachment(Some("evil.html"), &Options::default())?;
                ctx.res.set_body("<script>alert(1)</script>");
            }
            "/untyped" => {
                ctx.res
                    .attachment(Some("report.pdf"), &Options::default())?;
                ctx.res.set_body(vec![1u8, 2, 3]);
            }
            _ => {
                ctx.res.attachment(None, &Options::default())?;
                ctx.res.set_body("x");
            }
        }
        Ok::<_, rejoinder::Error>(())
    }));
    let res = client.get("/typed").send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("content-type"), Some(TEXT_UTF8));
    assert_eq!(
        res.header("content-disposition"),
        Some("attachment; filename=\"evil.html\"")
    );
    assert_eq!(res.text(), "<script>alert(1)</script>");

    let res = client.get("/untyped").send().await;
    assert_eq!(res.header("content-type"), Some("application/pdf"));
    assert_eq!(
        res.header("content-disposition"),
        Some("attachment; filename=\"report.pdf\"")
    );

    let res = client.get("/bare").send().await;
    assert_eq!(res.header("content-disposition"), Some("attachment"));
    assert_eq!(res.header("content-type"), Some(TEXT_UTF8));
}

// ---------------------------------------------------------------------------
// ServeDir
// ---------------------------------------------------------------------------

/// `<scratch>/secret.txt` (outside the root) and `<scratch>/public/` (the
/// root) with a file, a directory with an index, and a directory without.
fn serve_dir_fixture(test: &str) -> (Scratch, PathBuf) {
    let dir = Scratch::new(test);
    dir.write("secret.txt", SECRET);
    dir.write("public/hello.txt", HELLO);
    dir.write("public/docs/index.html", b"<h1>docs</h1>");
    dir.write("public/a/b/deep.txt", b"deep");
    dir.write("public/space name.txt", b"spaced");
    std::fs::create_dir_all(dir.path().join("public/empty")).unwrap();
    let root = dir.path().join("public");
    (dir, root)
}

#[tokio::test]
async fn serve_dir_serves_files_and_directory_indexes() {
    let (_dir, root) = serve_dir_fixture("servedir");
    let srv = TestServer::start(App::new().handler(ServeDir::new(&root))).await;

    let wire = raw::send(srv.addr(), "GET", "/hello.txt", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.body, HELLO);
    assert_eq!(wire.header("content-type"), Some(TEXT_UTF8));
    assert_eq!(wire.header("accept-ranges"), Some("bytes"));
    assert_eq!(
        wire.header("last-modified"),
        Some(http_date(&root.join("hello.txt")).as_str())
    );
    assert_eq!(
        wire.header("content-length"),
        Some(HELLO.len().to_string().as_str())
    );

    for path in ["/docs/", "/docs/index.html", "/./docs//"] {
        let wire = raw::send(srv.addr(), "GET", path, &[]).await;
        assert_eq!(wire.status, 200, "{path}");
        assert_eq!(wire.body, b"<h1>docs</h1>", "{path}");
        assert_eq!(
            wire.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
    }
    // Without its slash, the directory is redirected to it.
    let wire = raw::send(srv.addr(), "GET", "/docs", &[]).await;
    assert_eq!(wire.status, 301);
    assert_eq!(wire.header("location"), Some("/docs/"));
    for (path, body) in [
        ("/a/b/deep.txt", &b"deep"[..]),
        ("/space%20name.txt", b"spaced"),
        ("/a/./b/deep.txt", b"deep"),
    ] {
        let wire = raw::send(srv.addr(), "GET", path, &[]).await;
        assert_eq!((wire.status, &wire.body[..]), (200, body), "{path}");
    }
    // Missing files and directories without an index.
    for path in ["/nope.txt", "/empty/", "/a/", "/", "/a/b/nope"] {
        let wire = raw::send(srv.addr(), "GET", path, &[]).await;
        assert_eq!(wire.status, 404, "{path}");
    }
    // HEAD: headers without the body.
    let wire = raw::send(srv.addr(), "HEAD", "/hello.txt", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(
        wire.header("content-length"),
        Some(HELLO.len().to_string().as_str())
    );
    assert!(wire.body.is_empty());
}

#[tokio::test]
async fn serve_dir_without_an_index_answers_directories_with_404() {
    let (_dir, root) = serve_dir_fixture("servedir-noindex");
    let srv = TestServer::start(App::new().handler(ServeDir::new(&root).index(None))).await;
    let wire = raw::send(srv.addr(), "GET", "/docs/", &[]).await;
    assert_eq!(wire.status, 404);
    let wire = raw::send(srv.addr(), "GET", "/docs/index.html", &[]).await;
    assert_eq!(wire.status, 200);
}

#[tokio::test]
async fn serve_dir_refuses_every_way_out_of_the_root() {
    let (dir, root) = serve_dir_fixture("servedir-traversal");
    // Make sure each attack would reach the secret if the path were joined
    // naively: the secret is one level above the root.
    assert_eq!(
        std::fs::read(root.join("..").join("secret.txt")).unwrap(),
        SECRET
    );
    assert_eq!(
        std::fs::read(root.join("a/../../secret.txt")).unwrap(),
        SECRET
    );
    let srv = TestServer::start(App::new().handler(ServeDir::new(&root))).await;
    let abs = dir.path().join("secret.txt");
    let abs = abs.to_str().unwrap();
    let attacks = [
        "/../secret.txt".to_owned(),
        "/a/../../secret.txt".to_owned(),
        "/a/b/../../../secret.txt".to_owned(),
        "/%2e%2e/secret.txt".to_owned(),
        "/%2E%2E/secret.txt".to_owned(),
        "/.%2e/secret.txt".to_owned(),
        "/%2e./secret.txt".to_owned(),
        "/a/%2e%2e/%2e%2e/secret.txt".to_owned(),
        "/..%2fsecret.txt".to_owned(),
        "/..%2Fsecret.txt".to_owned(),
        "/a%2f..%2f..%2fsecret.txt".to_owned(),
        "/%2e%2e%2fsecret.txt".to_owned(),
        "/%252e%252e/secret.txt".to_owned(),
        "/..%5csecret.txt".to_owned(),
        "/..%5Csecret.txt".to_owned(),
        "/a%5c..%5c..%5csecret.txt".to_owned(),
        "/c:/secret.txt".to_owned(),
        "/c:%2f..%2fsecret.txt".to_owned(),
        "/C:%5c..%5csecret.txt".to_owned(),
        "/hello.txt%00.png".to_owned(),
        "/..%00/secret.txt".to_owned(),
        "/%00".to_owned(),
        format!("/{}", abs.trim_start_matches('/')),
        format!("/%2f{}", abs.trim_start_matches('/').replace('/', "%2f")),
        format!("//{}", abs.trim_start_matches('/')),
    ];
    for path in &attacks {
        let wire = raw::send(srv.addr(), "GET", path, &[]).await;
        assert_eq!(wire.status, 404, "{path}");
        assert!(!contains(&wire.raw, SECRET), "{path} leaked the secret");
        assert!(!contains(&wire.raw, HELLO), "{path}");
    }
    // Raw backslashes in the request line reach ServeDir, which refuses them.
    for path in [
        "/..\\secret.txt",
        "/a\\..\\..\\secret.txt",
        "/\\..\\secret.txt",
    ] {
        let wire = raw::send(srv.addr(), "GET", path, &[]).await;
        assert_eq!(wire.status, 404, "{path}");
        assert!(!contains(&wire.raw, SECRET), "{path} leaked the secret");
    }
    // A raw NUL byte in the request line: the server rejects the request
    // (400) before ServeDir sees it; either way nothing is served.
    let wire = raw::send_raw(
        srv.addr(),
        b"GET /hello.txt\0.png HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n",
        false,
    )
    .await;
    assert!(wire.status == 404 || wire.status == 400, "{}", wire.status);
    assert!(!contains(&wire.raw, HELLO));
    // Control: the same server still serves the root.
    let wire = raw::send(srv.addr(), "GET", "/hello.txt", &[]).await;
    assert_eq!(wire.status, 200);
}

#[tokio::test]
async fn serve_dir_refuses_traversal_in_process_too() {
    let (_dir, root) = serve_dir_fixture("servedir-traversal-inproc");
    let client = TestClient::new(App::new().handler(ServeDir::new(&root)));
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/a/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/c:/secret.txt",
        "/hello.txt%00",
    ] {
        let res = client.get(path).send().await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(!contains(res.bytes(), SECRET), "{path}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn serve_dir_does_not_follow_symlinks_out_of_the_root() {
    use std::os::unix::fs::symlink;

    let (dir, root) = serve_dir_fixture("servedir-symlink");
    symlink(dir.path().join("secret.txt"), root.join("leak.txt")).unwrap();
    symlink(dir.path(), root.join("up")).unwrap();
    symlink(root.join("hello.txt"), root.join("alias.txt")).unwrap();
    symlink(dir.path().join("secret.txt"), root.join("docs2")).unwrap();
    std::fs::create_dir_all(root.join("evil-index")).unwrap();
    symlink(
        dir.path().join("secret.txt"),
        root.join("evil-index/index.html"),
    )
    .unwrap();

    let srv = TestServer::start(App::new().handler(ServeDir::new(&root))).await;
    for path in [
        "/leak.txt",
        "/up/secret.txt",
        "/evil-index/",
        "/evil-index/index.html",
    ] {
        let wire = raw::send(srv.addr(), "GET", path, &[]).await;
        assert_eq!(wire.status, 404, "{path}");
        assert!(!contains(&wire.raw, SECRET), "{path} leaked the secret");
    }
    // A link that stays inside the root is followed.
    let wire = raw::send(srv.addr(), "GET", "/alias.txt", &[]).await;
    assert_eq!((wire.status, &wire.body[..]), (200, HELLO));

    // Opting in follows links out of the root.
    let open = TestServer::start(
        App::new().handler(ServeDir::new(&root).follow_symlinks_out_of_root(true)),
    )
    .await;
    for path in ["/leak.txt", "/up/secret.txt", "/evil-index/"] {
        let wire = raw::send(open.addr(), "GET", path, &[]).await;
        assert_eq!((wire.status, &wire.body[..]), (200, SECRET), "{path}");
    }
    // Opting in does not open `..`.
    let wire = raw::send(open.addr(), "GET", "/../secret.txt", &[]).await;
    assert_eq!(wire.status, 404);
    assert!(!contains(&wire.raw, SECRET));
}

#[tokio::test]
async fn serve_dir_answers_other_methods_with_405() {
    let (_dir, root) = serve_dir_fixture("servedir-405");
    let srv = TestServer::start(App::new().handler(ServeDir::new(&root))).await;
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let wire = raw::send(srv.addr(), method, "/hello.txt", &[("Content-Length", "0")]).await;
        assert_eq!(wire.status, 405, "{method}");
        assert_eq!(wire.header("allow"), Some("GET, HEAD"), "{method}");
        assert!(!contains(&wire.raw, HELLO));
    }
    // Even for paths that do not exist or that are refused.
    let wire = raw::send(
        srv.addr(),
        "POST",
        "/../secret.txt",
        &[("Content-Length", "0")],
    )
    .await;
    assert_eq!(wire.status, 405);
    assert!(!contains(&wire.raw, SECRET));
}

#[tokio::test]
async fn serve_dir_ranges_and_conditional_get() {
    let (_dir, root) = serve_dir_fixture("servedir-range");
    let size = HELLO.len();
    let srv = TestServer::start(App::new().handler(ServeDir::new(&root))).await;
    let wire = raw::send(srv.addr(), "GET", "/hello.txt", &[("Range", "bytes=0-9")]).await;
    assert_eq!(wire.status, 206);
    assert_eq!(
        wire.header("content-range"),
        Some(format!("bytes 0-9/{size}").as_str())
    );
    assert_eq!(wire.body, &HELLO[..10]);
    let wire = raw::send(srv.addr(), "GET", "/hello.txt", &[("Range", "bytes=-5")]).await;
    assert_eq!(wire.status, 206);
    assert_eq!(wire.body, &HELLO[size - 5..]);
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/hello.txt",
        &[("Range", &format!("bytes={size}-"))],
    )
    .await;
    assert_eq!(wire.status, 416);
    assert_eq!(
        wire.header("content-range"),
        Some(format!("bytes */{size}").as_str())
    );
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/hello.txt",
        &[("Range", "bytes=0-1,4-5")],
    )
    .await;
    assert_eq!((wire.status, &wire.body[..]), (200, HELLO));
    // If-Modified-Since with the file's date: 304.
    let lm = http_date(&root.join("hello.txt"));
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/hello.txt",
        &[("If-Modified-Since", &lm)],
    )
    .await;
    assert_eq!(wire.status, 304);
    assert!(wire.body.is_empty());
    // If-Range with the date: 206; with an old one: 200.
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/hello.txt",
        &[("Range", "bytes=0-9"), ("If-Range", &lm)],
    )
    .await;
    assert_eq!(wire.status, 206);
    let wire = raw::send(
        srv.addr(),
        "GET",
        "/hello.txt",
        &[
            ("Range", "bytes=0-9"),
            ("If-Range", "Thu, 01 Jan 1970 00:00:01 GMT"),
        ],
    )
    .await;
    assert_eq!((wire.status, &wire.body[..]), (200, HELLO));
}

#[tokio::test]
async fn serve_dir_paths_that_name_no_file_are_404_not_500() {
    let (_dir, root) = serve_dir_fixture("servedir-enotdir");
    let srv = TestServer::start(App::new().handler(ServeDir::new(&root))).await;
    let long = format!("/{}", "x".repeat(300));
    let mut wrong = Vec::new();
    for path in ["/hello.txt/x", "/hello.txt/index.html", long.as_str()] {
        let wire = raw::send(srv.addr(), "GET", path, &[]).await;
        if wire.status != 404 {
            wrong.push(format!("{path}: {} {:?}", wire.status, wire.text()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// ---------------------------------------------------------------------------
// JSONP
// ---------------------------------------------------------------------------

fn jsonp_app() -> App {
    App::new().handler(async |ctx: &mut Context| {
        let value = json!({"user": "virk", "line": "a\u{2028}b\u{2029}c", "html": "</script>"});
        ctx.jsonp(&value);
    })
}

const JSONP_JSON: &str = r#"{"user":"virk","line":"a\u2028b\u2029c","html":"</script>"}"#;

#[tokio::test]
async fn jsonp_wraps_the_json_in_the_callback() {
    let srv = TestServer::start(jsonp_app()).await;
    let wire = raw::send(srv.addr(), "GET", "/?callback=myFn", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(
        wire.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(wire.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        wire.text(),
        format!("/**/ typeof myFn === 'function' && myFn({JSONP_JSON});")
    );
    // U+2028 and U+2029 never appear raw (they end a JavaScript line).
    assert!(!wire.text().contains('\u{2028}') && !wire.text().contains('\u{2029}'));
}

#[tokio::test]
async fn jsonp_cleans_hostile_callbacks() {
    let client = TestClient::new(jsonp_app());
    for (query, callback) in [
        ("callback=alert(1)%2F%2F%3Cscript%3E", "alert1script"),
        ("callback=alert(1)//", "alert1"),
        ("callback=jQuery.cb_1%5B0%5D%24", "jQuery.cb_1[0]$"),
        ("callback=a%0D%0Ab%3Bc%22d'e", "abcde"),
        ("other=1&callback=fn&callback=ignored", "fn"),
    ] {
        let res = client.get(&format!("/?{query}")).send().await;
        assert_eq!(res.status(), 200, "{query}");
        assert_eq!(
            res.header("content-type"),
            Some("text/javascript; charset=utf-8"),
            "{query}"
        );
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(
            res.text(),
            format!("/**/ typeof {callback} === 'function' && {callback}({JSONP_JSON});"),
            "{query}"
        );
    }
}

#[tokio::test]
async fn jsonp_falls_back_to_json_when_the_callback_cleans_to_nothing() {
    let srv = TestServer::start(jsonp_app()).await;
    for query in ["callback=%28%29%3B", "callback=", "callback=%3C%2F%3E"] {
        let wire = raw::send(srv.addr(), "GET", &format!("/?{query}"), &[]).await;
        assert_eq!(wire.status, 200, "{query}");
        assert_eq!(
            wire.header("content-type"),
            Some("application/json; charset=utf-8"),
            "{query}"
        );
        let body: Value = serde_json::from_slice(&wire.body).unwrap();
        assert_eq!(body["user"], "virk", "{query}");
    }
}

#[tokio::test]
async fn jsonp_without_the_parameter_uses_its_name_and_the_name_is_configurable() {
    let client = TestClient::new(jsonp_app());
    let res = client.get("/").send().await;
    assert_eq!(
        res.text(),
        format!("/**/ typeof callback === 'function' && callback({JSONP_JSON});")
    );
    let client = TestClient::new(jsonp_app().jsonp_callback("cb"));
    let res = client.get("/?callback=no&cb=yes").send().await;
    assert_eq!(
        res.text(),
        format!("/**/ typeof yes === 'function' && yes({JSONP_JSON});")
    );
    // jsonp_with_param names the parameter per call.
    let client = TestClient::new(App::new().handler(async |ctx: &mut Context| {
        ctx.jsonp_with_param(&json!([1, 2]), "fn");
    }));
    let res = client.get("/?fn=handle").send().await;
    assert_eq!(
        res.text(),
        "/**/ typeof handle === 'function' && handle([1,2]);"
    );
}
