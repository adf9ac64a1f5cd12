//! Content-Length through body filters: a file keeps its length through
//! filters added with `body_filter_same_length`, goes chunked through a
//! `body_filter`, and a broken same-length promise cuts the connection off
//! instead of sending a wrong length.
#![cfg(feature = "fs")]

use std::path::PathBuf;

use rejoinder::fs::ServeDir;
use rejoinder::testing::{raw, TestServer};
use rejoinder::{App, Router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A directory with `a.txt`: 300 KiB of lower-case ASCII (several chunks).
fn site() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let body: Vec<u8> = (0..300 * 1024).map(|i| b"abcdefghij\n"[i % 11]).collect();
    let path = dir.path().join("a.txt");
    std::fs::write(&path, &body).unwrap();
    let root = dir.path().to_path_buf();
    (dir, root, body)
}

fn files(root: PathBuf) -> Router {
    Router::new().mount("/files", ServeDir::new(root))
}

#[tokio::test]
async fn a_file_keeps_its_content_length_through_same_length_filters() {
    let (_dir, root, body) = site();
    let app = App::new()
        .router(files(root))
        .body_filter_same_length(|chunk| {
            let upper = chunk.chunk().to_ascii_uppercase();
            chunk.set_chunk(upper);
        })
        // Buffering the whole body and handing it back keeps the length too.
        .body_filter_same_length(|chunk| {
            if let Some(whole) = chunk.raw_body() {
                chunk.set_raw_body(whole);
            }
        });
    let srv = TestServer::start(app).await;
    let wire = raw::send(srv.addr(), "GET", "/files/a.txt", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(
        wire.header("content-length"),
        Some(body.len().to_string().as_str())
    );
    assert_eq!(wire.header("transfer-encoding"), None);
    assert_eq!(wire.body, body.to_ascii_uppercase());
}

#[tokio::test]
async fn a_file_goes_chunked_through_a_filter_that_may_change_its_size() {
    let (_dir, root, body) = site();
    let app = App::new()
        .router(files(root))
        .body_filter_same_length(|_| {})
        .body_filter(|chunk| {
            if chunk.is_last() {
                chunk.set_chunk("(end)");
            }
        });
    let srv = TestServer::start(app).await;
    let wire = raw::send(srv.addr(), "GET", "/files/a.txt", &[]).await;
    assert_eq!(wire.header("content-length"), None);
    assert_eq!(wire.header("transfer-encoding"), Some("chunked"));
    let mut want = body.clone();
    want.extend_from_slice(b"(end)");
    assert_eq!(wire.body, want);
}

/// Reads a response until the server closes or resets the connection.
async fn read_until_closed(addr: std::net::SocketAddr, path: &str) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return raw,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn a_broken_same_length_promise_cuts_the_response_off() {
    let (_dir, root, body) = site();
    let app = App::new()
        .router(files(root.clone()))
        .body_filter_same_length(|chunk| {
            let mut more = chunk.chunk().to_vec();
            more.extend_from_slice(b"++");
            chunk.set_chunk(more);
        });
    let srv = TestServer::start(app).await;
    let raw = read_until_closed(srv.addr(), "/files/a.txt").await;
    let wire = raw::parse(&raw, true);
    assert_eq!(
        wire.header("content-length"),
        Some(body.len().to_string().as_str())
    );
    let sent = raw.len() - (raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4);
    assert!(
        sent <= body.len(),
        "never more than the announced length: {sent}"
    );

    // Shrinking: the body ends short, so the connection is cut off too.
    let app = App::new()
        .router(files(root))
        .body_filter_same_length(|chunk| {
            let half = chunk.chunk().slice(..chunk.chunk().len() / 2);
            chunk.set_chunk(half);
        });
    let srv = TestServer::start(app).await;
    let raw = read_until_closed(srv.addr(), "/files/a.txt").await;
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(
        raw.len() - head_end < body.len(),
        "the body stopped short of its length"
    );
    // The server is fine afterwards.
    let wire = raw::send(srv.addr(), "GET", "/nothing", &[]).await;
    assert_eq!(wire.status, 404);
}

#[tokio::test]
async fn a_body_held_whole_is_framed_with_its_filtered_length_either_way() {
    let app = App::new()
        .handler(async |ctx: &mut rejoinder::Context| {
            ctx.res.set_body("short");
        })
        .body_filter_same_length(|chunk| {
            if let Some(b) = chunk.raw_body() {
                let mut longer = b.to_vec();
                longer.extend_from_slice(b" and longer");
                chunk.set_raw_body(longer);
            }
        });
    let srv = TestServer::start(app).await;
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.header("content-length"), Some("16"));
    assert_eq!(wire.text(), "short and longer");
}

#[tokio::test]
async fn servedir_sends_max_age_zero_unless_told_otherwise() {
    let (_dir, root, _) = site();
    let app = App::new().router(
        Router::new()
            .mount("/default", ServeDir::new(root.clone()))
            .mount("/none", ServeDir::new(root.clone()).no_cache_control())
            .mount(
                "/year",
                ServeDir::new(root).max_age(std::time::Duration::from_secs(31_536_000), false),
            ),
    );
    let srv = TestServer::start(app).await;
    let header = |path: &'static str| {
        let addr = srv.addr();
        async move {
            raw::send(addr, "HEAD", path, &[])
                .await
                .header("cache-control")
                .map(str::to_owned)
        }
    };
    assert_eq!(header("/default/a.txt").await.as_deref(), Some("max-age=0"));
    assert_eq!(header("/none/a.txt").await, None);
    assert_eq!(
        header("/year/a.txt").await.as_deref(),
        Some("max-age=31536000")
    );
}
