//! Large bodies moved socket to socket by the kernel (`splice(2)`): the
//! same bytes as the streaming path, the connection pooled after them,
//! failures and timeouts mid-body cutting the client's connection, a slow
//! client never taken for an idle upstream, and the stream kept wherever a
//! filter or HTTP/2 needs the bytes.
//!
//! The upstream here is raw TCP: bodies of any length in a pattern that
//! tells every byte's position, written in odd-sized pieces, and bodies
//! that stop short or stall on request.
#![cfg(target_os = "linux")]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http_body_util::BodyExt;
use rejoinder::testing::TestServer;
use rejoinder::{App, Router};
use rejoinder_proxy::{Proxy, Timeouts, Upstreams};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The byte at `i` of every body (no period a shifted copy would hide in).
fn pattern(i: u64) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 9) ^ (i >> 17)) as u8
}

fn expected(n: u64) -> Vec<u8> {
    (0..n).map(pattern).collect()
}

/// Tests that count pipes run one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The pipes this process holds open (`pipe:[inode]`; the inodes of new
/// pipes are new, whatever closed meanwhile).
fn pipes() -> std::collections::HashSet<String> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .map(|l| l.to_string_lossy().into_owned())
        .filter(|l| l.starts_with("pipe:"))
        .collect()
}

/// Pipes open now that were not in `before`.
fn new_pipes(before: &std::collections::HashSet<String>) -> usize {
    pipes().difference(before).count()
}

/// A raw HTTP/1.1 upstream, keep-alive. `/n/N`: N pattern bytes.
/// `/extra/N`: N pattern bytes, then a whole unasked-for response.
/// `/tiny/N/N`: N pattern bytes in 97-byte segments, then the connection
/// held open (nothing more will come to wake a reader).
/// `/cut/N/M`: promises N, sends M, closes. `/stall/N/M`: promises N,
/// sends M, then sends nothing more (the connection stays open).
async fn raw_upstream() -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve_raw(s));
        }
    });
    (url, accepted)
}

async fn serve_raw(mut s: TcpStream) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let mut chunk = [0u8; 4096];
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        buf.drain(..head_end);
        // A request body (Content-Length framed) is read and dropped.
        let body_len: usize = head
            .to_ascii_lowercase()
            .lines()
            .find_map(|l| {
                l.strip_prefix("content-length:")
                    .map(|v| v.trim().to_owned())
            })
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < body_len {
            let mut chunk = [0u8; 4096];
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..body_len);
        let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
        let parts: Vec<&str> = path.split('/').collect();
        let num = |i: usize| {
            parts
                .get(i)
                .and_then(|p| p.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let (kind, promised) = (parts.get(1).copied().unwrap_or(""), num(2));
        let sent = match kind {
            "cut" | "stall" => num(3),
            _ => promised,
        };
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {promised}\r\n\r\n");
        if s.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        // Odd-sized pieces, so reads and splices end anywhere; tiny ones
        // (one segment each) for `/tiny`.
        let piece_len = if kind == "tiny" { 97 } else { 70_001 };
        if kind == "tiny" {
            let _ = s.set_nodelay(true);
        }
        let mut at = 0;
        while at < sent {
            let len = (sent - at).min(piece_len);
            let piece: Vec<u8> = (at..at + len).map(pattern).collect();
            if s.write_all(&piece).await.is_err() {
                return;
            }
            at += len;
        }
        match kind {
            "extra" => {
                // Bytes past the body nobody asked for: the connection
                // must not carry another exchange.
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                    .await;
            }
            "cut" => return,
            "stall" | "tiny" => {
                // Hold the connection until the proxy closes it.
                let mut sink = [0u8; 64];
                while matches!(s.read(&mut sink).await, Ok(n) if n > 0) {}
                return;
            }
            _ => {}
        }
    }
}

async fn gateway_to(url: &str, proxy: impl FnOnce(Proxy) -> Proxy) -> TestServer {
    let p = proxy(Proxy::new(Upstreams::parse(url).unwrap()));
    TestServer::start(App::new().router(Router::new().mount("/", p))).await
}

/// Lengths around the splice threshold (64 KiB) and the pipe's size, up
/// to several MiB.
const LENGTHS: [u64; 9] = [
    65_535, 65_536, 65_537, 100_000, 300_001, 524_288, 524_289, 1_048_583, 5_000_011,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spliced_bodies_are_the_upstreams_bytes_and_the_connection_is_reused() {
    let _serial = SERIAL.lock().await;
    let (url, accepted) = raw_upstream().await;
    let on = gateway_to(&url, |p| p).await;
    let off = gateway_to(&url, |p| p.splice(false)).await;
    // Streamed (splice off): no pipe is made.
    let before = pipes();
    for n in LENGTHS {
        let (parts, body) = send(get(&off.url(&format!("/n/{n}")))).await;
        assert_eq!(parts.status, 200);
        assert_eq!(parts.headers["content-length"], n.to_string().as_str());
        assert!(body == expected(n), "streamed body of {n} bytes differs");
    }
    assert_eq!(new_pipes(&before), 0, "a pipe was made with splice off");
    // Spliced: the same bytes, and a pipe kept for the next body.
    for n in LENGTHS {
        let (parts, body) = send(get(&on.url(&format!("/n/{n}")))).await;
        assert_eq!(parts.status, 200);
        assert_eq!(parts.headers["content-length"], n.to_string().as_str());
        assert!(body == expected(n), "spliced body of {n} bytes differs");
    }
    assert!(
        new_pipes(&before) > 0,
        "no pipe was made: nothing was spliced"
    );
    // One connection per gateway carried every sequential request.
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spliced_bodies_follow_each_other_on_one_client_connection() {
    let _serial = SERIAL.lock().await;
    let (url, _) = raw_upstream().await;
    let gw = gateway_to(&url, |p| p).await;
    // Pipelined: three requests written at once, three whole responses in
    // order on the same connection (a small one between two spliced ones).
    let mut s = TcpStream::connect(gw.addr()).await.unwrap();
    let req = |p: &str| format!("GET {p} HTTP/1.1\r\nHost: t\r\n\r\n");
    let all = [req("/n/300001"), req("/n/10"), req("/n/1048583")].concat();
    s.write_all(all.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let want = 300_001 + 10 + 1_048_583;
    let mut bodies = 0;
    let mut buf = vec![0u8; 1 << 16];
    while bodies < want {
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0, "the connection closed early");
        got.extend_from_slice(&buf[..n]);
        bodies = body_bytes(&got);
    }
    let mut rest = &got[..];
    for n in [300_001u64, 10, 1_048_583] {
        let head_end = rest.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let head = String::from_utf8_lossy(&rest[..head_end]).to_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(head.contains(&format!("content-length: {n}\r\n")), "{head}");
        let body = &rest[head_end..head_end + n as usize];
        assert!(body == expected(n), "body of {n} bytes differs");
        rest = &rest[head_end + n as usize..];
    }
    assert!(rest.is_empty());
}

/// The body bytes in `raw` (responses whose heads end in CRLF CRLF and
/// whose bodies are framed by Content-Length), counting partial ones.
fn body_bytes(raw: &[u8]) -> usize {
    let mut total = 0;
    let mut rest = raw;
    while let Some(at) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&rest[..at]).to_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let body = (rest.len() - at - 4).min(len);
        total += body;
        rest = &rest[at + 4 + body..];
        if body < len {
            break;
        }
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_closing_mid_body_cuts_the_client_connection() {
    let _serial = SERIAL.lock().await;
    let (url, _) = raw_upstream().await;
    let gw = gateway_to(&url, |p| p).await;
    let res = client()
        .request(get(&gw.url("/cut/1048576/200000")))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let outcome = res.into_body().collect().await;
    assert!(outcome.is_err(), "the body ended cleanly: {outcome:?}");
    // The gateway goes on serving.
    let (parts, body) = send(get(&gw.url("/n/100000"))).await;
    assert_eq!(parts.status, 200);
    assert!(body == expected(100_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_upstream_past_the_idle_timeout_cuts_the_client_connection() {
    let _serial = SERIAL.lock().await;
    let (url, _) = raw_upstream().await;
    let timeouts = Timeouts {
        idle_body: Some(Duration::from_millis(150)),
        ..Timeouts::default()
    };
    let gw = gateway_to(&url, |p| p.timeouts(timeouts)).await;
    let res = client()
        .request(get(&gw.url("/stall/1048576/200000")))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut body = res.into_body();
    let mut got = 0usize;
    // Bounded, so a timeout that never fires fails instead of hanging.
    let outcome = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match body.frame().await {
                Some(Ok(f)) => got += f.data_ref().map_or(0, |d| d.len()),
                Some(Err(e)) => break Err(e),
                None => break Ok(()),
            }
        }
    })
    .await
    .expect("the idle timeout never cut the connection");
    assert!(outcome.is_err(), "the stalled body ended cleanly");
    assert_eq!(got, 200_000, "every byte before the stall arrived");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_not_taken_for_an_idle_upstream() {
    let _serial = SERIAL.lock().await;
    let (url, _) = raw_upstream().await;
    let timeouts = Timeouts {
        idle_body: Some(Duration::from_millis(100)),
        ..Timeouts::default()
    };
    let gw = gateway_to(&url, |p| p.timeouts(timeouts)).await;
    // The upstream has sent everything at once; the client takes 64 KiB
    // at a time with pauses longer than the idle timeout (the pause is
    // the behaviour under test: a client slower than the timeout).
    let n = 2_000_003u64;
    let mut s = TcpStream::connect(gw.addr()).await.unwrap();
    s.write_all(format!("GET /n/{n} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut pauses = 0;
    while body_bytes(&got) < n as usize {
        let r = s.read(&mut buf).await.unwrap();
        assert!(r > 0, "cut after {} body bytes", body_bytes(&got));
        got.extend_from_slice(&buf[..r]);
        if pauses < 4 {
            pauses += 1;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    let head_end = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(got[head_end..] == expected(n));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_filter_or_an_http2_client_gets_the_stream() {
    let _serial = SERIAL.lock().await;
    let (url, _) = raw_upstream().await;
    let proxy = Proxy::new(Upstreams::parse(&url).unwrap());
    // A body filter needs the bytes: it sees (and rewrites) every one.
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    let app = App::new()
        .router(Router::new().mount("/", proxy.clone()))
        .body_filter(move |chunk| {
            if let Some(body) = chunk.raw_body() {
                s.fetch_add(body.len(), Ordering::SeqCst);
                let flipped: Vec<u8> = body.iter().map(|b| !b).collect();
                chunk.set_raw_body(flipped);
            }
        });
    let filtered = TestServer::start(app).await;
    let n = 1_048_583u64;
    let (parts, body) = send(get(&filtered.url(&format!("/n/{n}")))).await;
    assert_eq!(parts.status, 200);
    let flipped: Vec<u8> = expected(n).iter().map(|b| !b).collect();
    assert!(body == flipped, "the filtered body differs");
    assert_eq!(seen.load(Ordering::SeqCst), n as usize);
    // HTTP/2 to the client: frames, not a socket to splice into.
    let plain = TestServer::start(App::new().router(Router::new().mount("/", proxy))).await;
    let res = h2_client()
        .request(get(&plain.url(&format!("/n/{n}"))))
        .await
        .unwrap();
    assert_eq!(res.version(), http::Version::HTTP_2);
    let body: Bytes = res.into_body().collect().await.unwrap().to_bytes();
    assert!(body == expected(n), "the HTTP/2 body differs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_with_a_body_gets_its_spliced_answer_through_hyper() {
    let _serial = SERIAL.lock().await;
    let (url, accepted) = raw_upstream().await;
    let gw = gateway_to(&url, |p| p).await;
    // A request with a body is served by hyper's connection (the inline
    // path hands it over); its large answer goes through hyper's writer.
    let before = pipes();
    for n in [100_000u64, 1_048_583] {
        let (parts, body) = send(request("POST", &gw.url(&format!("/n/{n}")), "some body")).await;
        assert_eq!(parts.status, 200);
        assert!(body == expected(n), "body of {n} bytes differs");
    }
    let (parts, body) = send(get(&gw.url("/n/300001"))).await;
    assert_eq!(parts.status, 200);
    assert!(body == expected(300_001));
    assert!(new_pipes(&before) > 0, "nothing was spliced");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_that_sends_past_the_body_is_not_reused() {
    let _serial = SERIAL.lock().await;
    let (url, accepted) = raw_upstream().await;
    let gw = gateway_to(&url, |p| p).await;
    let n = 300_001u64;
    let (parts, body) = send(get(&gw.url(&format!("/extra/{n}")))).await;
    assert_eq!(parts.status, 200);
    assert!(body == expected(n));
    // The next request gets its own answer on a new connection, not the
    // bytes left on the old one.
    let (parts, body) = send(get(&gw.url(&format!("/n/{n}")))).await;
    assert_eq!(parts.status, 200);
    assert!(body == expected(n));
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_of_many_tiny_segments_arrives_whole() {
    let _serial = SERIAL.lock().await;
    let (url, _) = raw_upstream().await;
    let gw = gateway_to(&url, |p| p).await;
    // Thousands of small segments queue up on the proxy's socket, and
    // nothing comes after them: every byte must be taken without a later
    // wake-up (a short splice is never taken for a drained socket).
    let n = 400_009u64;
    let got = tokio::time::timeout(
        Duration::from_secs(20),
        send(get(&gw.url(&format!("/tiny/{n}/{n}")))),
    )
    .await
    .expect("the body stalled in the proxy");
    assert_eq!(got.0.status, 200);
    assert!(got.1 == expected(n), "the body differs");
}
