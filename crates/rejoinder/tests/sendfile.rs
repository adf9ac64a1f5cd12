//! Whole files on plain-TCP HTTP/1 connections go out by `sendfile`: every
//! byte must still be the file's, whatever the framing around it — ranges,
//! pipelined requests, HEAD, HTTP/1.0, slow readers, several connections at
//! once, HTTP/2 (not spliced) — and a file that shrinks while sent cuts the
//! connection instead of ending it cleanly.
#![cfg(all(feature = "fs", target_os = "linux"))]

use std::path::Path;

use rejoinder::fs::ServeDir;
use rejoinder::testing::{raw, TestServer};
use rejoinder::{App, Router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Bytes no run of zeros (or any repeated piece) could pass for.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

struct Site {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    big: Vec<u8>,
    other: Vec<u8>,
}

/// 3 MiB + 123 bytes (not a multiple of any buffer size) and 700 KiB + 1.
fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let big = pattern(3 * 1024 * 1024 + 123, 1);
    let other = pattern(700 * 1024 + 1, 2);
    std::fs::write(root.join("big.bin"), &big).unwrap();
    std::fs::write(root.join("other.bin"), &other).unwrap();
    Site {
        _dir: dir,
        root,
        big,
        other,
    }
}

async fn serve(root: &Path) -> TestServer {
    let app = App::new().router(
        Router::new()
            .get("/hello", async |_: &mut rejoinder::Context| "hello")
            .mount("/f", ServeDir::new(root)),
    );
    TestServer::start(app).await
}

/// Reads one response (Content-Length framed, or none for `head`) off a
/// keep-alive stream, `step` bytes at a time at most.
async fn read_response(
    stream: &mut TcpStream,
    pending: &mut Vec<u8>,
    head: bool,
    step: usize,
) -> raw::Wire {
    let mut buf = vec![0u8; step];
    let end = loop {
        if let Some(p) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "connection closed inside a head");
        pending.extend_from_slice(&buf[..n]);
    };
    let wire = raw::parse(&pending[..end], true);
    let len: usize = if head {
        0
    } else {
        wire.header("content-length")
            .expect("content-length")
            .parse()
            .unwrap()
    };
    while pending.len() < end + len {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "connection closed inside a body");
        pending.extend_from_slice(&buf[..n]);
    }
    let mut wire = raw::parse(&pending[..end + len], true);
    wire.body = pending[end..end + len].to_vec();
    pending.drain(..end + len);
    wire
}

fn assert_same(got: &[u8], want: &[u8]) {
    assert_eq!(got.len(), want.len(), "length");
    if let Some(at) = got.iter().zip(want).position(|(a, b)| a != b) {
        panic!("first differing byte at {at} of {}", want.len());
    }
}

#[tokio::test]
async fn a_whole_file_arrives_byte_for_byte() {
    let site = site();
    let srv = serve(&site.root).await;
    let wire = raw::send(srv.addr(), "GET", "/f/big.bin", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(
        wire.header("content-length"),
        Some(site.big.len().to_string().as_str())
    );
    assert_same(&wire.body, &site.big);
}

#[tokio::test]
async fn ranges_send_exactly_their_bytes() {
    let site = site();
    let srv = serve(&site.root).await;
    for (spec, from, to) in [
        ("bytes=0-0", 0, 1),
        ("bytes=1000-2000999", 1000, 2_001_000),
        ("bytes=300000-", 300_000, site.big.len()),
        ("bytes=-262145", site.big.len() - 262_145, site.big.len()),
    ] {
        let wire = raw::send(srv.addr(), "GET", "/f/big.bin", &[("Range", spec)]).await;
        assert_eq!(wire.status, 206, "{spec}");
        assert_same(&wire.body, &site.big[from..to]);
    }
}

#[tokio::test]
async fn pipelined_requests_keep_their_order_and_bytes() {
    let site = site();
    let srv = serve(&site.root).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    let requests = "GET /f/big.bin HTTP/1.1\r\nHost: t\r\n\r\n\
                    HEAD /f/other.bin HTTP/1.1\r\nHost: t\r\n\r\n\
                    GET /f/other.bin HTTP/1.1\r\nHost: t\r\n\r\n\
                    GET /hello HTTP/1.1\r\nHost: t\r\n\r\n\
                    GET /f/big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=5-9\r\n\r\n";
    stream.write_all(requests.as_bytes()).await.unwrap();
    let mut pending = Vec::new();
    let first = read_response(&mut stream, &mut pending, false, 64 * 1024).await;
    assert_same(&first.body, &site.big);
    let head = read_response(&mut stream, &mut pending, true, 64 * 1024).await;
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(site.other.len().to_string().as_str())
    );
    let second = read_response(&mut stream, &mut pending, false, 64 * 1024).await;
    assert_same(&second.body, &site.other);
    let hello = read_response(&mut stream, &mut pending, false, 64 * 1024).await;
    assert_eq!(hello.body, b"hello");
    let range = read_response(&mut stream, &mut pending, false, 64 * 1024).await;
    assert_eq!(range.status, 206);
    assert_same(&range.body, &site.big[5..10]);
}

#[tokio::test]
async fn a_slow_reader_gets_every_byte() {
    let site = site();
    let srv = serve(&site.root).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    let mut pending = Vec::new();
    for _ in 0..2 {
        stream
            .write_all(b"GET /f/big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .unwrap();
        // Small reads, each yielding to the server in between: the socket
        // fills, sendfile stops short, and resumes where it stopped.
        let wire = read_response(&mut stream, &mut pending, false, 997).await;
        assert_same(&wire.body, &site.big);
    }
}

#[tokio::test]
async fn http_1_0_and_several_connections_at_once() {
    let site = site();
    let srv = serve(&site.root).await;
    let wire = raw::send_raw(srv.addr(), b"GET /f/other.bin HTTP/1.0\r\n\r\n", false).await;
    assert_eq!(wire.status, 200);
    assert_same(&wire.body, &site.other);

    let addr = srv.addr();
    let downloads: Vec<_> = (0..6)
        .map(|i| {
            tokio::spawn(async move {
                let path = if i % 2 == 0 {
                    "/f/big.bin"
                } else {
                    "/f/other.bin"
                };
                (i, raw::send(addr, "GET", path, &[]).await)
            })
        })
        .collect();
    for download in downloads {
        let (i, wire) = download.await.unwrap();
        let want = if i % 2 == 0 { &site.big } else { &site.other };
        assert_same(&wire.body, want);
    }
}

#[tokio::test]
async fn http_2_sends_the_same_bytes() {
    use http_body_util::BodyExt;
    let site = site();
    let srv = serve(&site.root).await;
    let stream = TcpStream::connect(srv.addr()).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    let req = http::Request::get(format!("http://{}/f/big.bin", srv.addr()))
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_same(&body, &site.big);
}

#[tokio::test]
async fn a_file_that_shrinks_while_sent_cuts_the_connection() {
    let site = site();
    let path = site.root.join("shrinking.bin");
    let size = 24 * 1024 * 1024;
    std::fs::write(&path, pattern(size, 3)).unwrap();
    let srv = serve(&site.root).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    stream
        .write_all(b"GET /f/shrinking.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    // The head, then the file is cut to 1 MiB while the body is on its way.
    let mut buf = vec![0u8; 4096];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(1024 * 1024)
        .unwrap();
    let mut body = got.len();
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body += n,
        }
    }
    assert!(
        body < size,
        "the connection ended before the promised length"
    );
    // The server goes on serving.
    let wire = raw::send(srv.addr(), "GET", "/f/other.bin", &[]).await;
    assert_same(&wire.body, &site.other);
}
