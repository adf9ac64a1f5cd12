//! Memory stays bounded under big uploads: a 1 GiB upload to a handler
//! that collects its body is cut at the limit, and a 1 GiB upload read as
//! a stream passes through with flat memory. RSS is read from /proc in
//! this process (the server runs in it); nothing is timed.
//!
//! One test in its own binary, so no other test's allocations move the
//! figure.

use rejoinder::testing::TestServer;
use rejoinder::{App, Context, HttpError, Router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const GIB: u64 = 1024 * 1024 * 1024;
const MIB: u64 = 1024 * 1024;

/// Resident memory of this process, in bytes (Linux; `None` elsewhere).
fn rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn app() -> App {
    let router = Router::new()
        .post("/collect", async |ctx: &mut Context| {
            let body = ctx.req.bytes().await?;
            Ok::<_, HttpError>(format!("{} bytes", body.len()))
        })
        .post("/stream", async |ctx: &mut Context| {
            let mut body = ctx.req.body_stream()?;
            while body.chunk().await?.is_some() {}
            Ok::<_, HttpError>(format!("{} bytes", body.bytes_read()))
        })
        .body_limit(2 * GIB as usize);
    App::new().router(router)
}

/// Uploads up to `total` bytes chunked to `path`, reading the response
/// alongside; gives back the response text and how much was written before
/// the server stopped taking more.
async fn upload(addr: std::net::SocketAddr, path: &str, total: u64) -> (String, u64) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        let _ = rd.read_to_end(&mut got).await;
        String::from_utf8_lossy(&got).into_owned()
    });
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    wr.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b'u'; 256 * 1024];
    let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
    framed.extend_from_slice(&chunk);
    framed.extend_from_slice(b"\r\n");
    let mut sent = 0u64;
    while sent < total {
        if wr.write_all(&framed).await.is_err() {
            break;
        }
        sent += chunk.len() as u64;
    }
    let _ = wr.write_all(b"0\r\n\r\n").await;
    let answer = reader.await.unwrap();
    drop(wr);
    (answer, sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gigabyte_upload_keeps_memory_flat() {
    let Some(_) = rss() else {
        eprintln!("no /proc/self/status here: RSS cannot be measured, test skipped");
        return;
    };
    let srv = TestServer::start(app()).await;
    // Warm up: runtime, connection and parser buffers exist before the
    // baseline is read.
    let (warm, _) = upload(srv.addr(), "/stream", 8 * MIB).await;
    assert!(warm.ends_with("8388608 bytes"), "{warm}");
    let before = rss().unwrap();

    // Collecting: refused at the 2 MiB limit; what the client sends after
    // that is drained and dropped, never stored.
    let (answer, sent) = upload(srv.addr(), "/collect", GIB).await;
    assert!(
        answer.starts_with("HTTP/1.1 413 "),
        "{answer:?} after {sent} bytes"
    );
    let after_collect = rss().unwrap();
    assert!(
        after_collect < before + 2 * MIB + 8 * MIB,
        "collecting grew RSS from {} to {} MiB (client sent {} MiB)",
        before / MIB,
        after_collect / MIB,
        sent / MIB
    );

    // Streaming: the whole gigabyte passes, chunk by chunk.
    let (answer, sent) = upload(srv.addr(), "/stream", GIB).await;
    assert_eq!(sent, GIB);
    assert!(answer.ends_with(&format!("{GIB} bytes")), "{answer}");
    let after_stream = rss().unwrap();
    assert!(
        after_stream < before + 16 * MIB,
        "streaming 1 GiB grew RSS from {} to {} MiB",
        before / MIB,
        after_stream / MIB
    );
    eprintln!(
        "RSS: {} MiB before, {} MiB after a refused 1 GiB upload, {} MiB after a streamed one",
        before / MIB,
        after_collect / MIB,
        after_stream / MIB
    );
}
