//! The client half of soak.sh: mixed hostile load on 127.0.0.1 for a fixed
//! time, printing the server's open file descriptors and memory every few
//! seconds. Stops by itself.
//!
//! Usage: soak PORT SERVER_PID SECONDS

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Counters per kind of client: answers as expected, and anything else.
#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    odd: AtomicU64,
}

const KINDS: &[&str] = &[
    "keep-alive",
    "abort",
    "slow-reader",
    "oversized",
    "panic",
    "timeout",
    "silent",
    "slow-head",
];

fn args() -> (u16, u32, u64) {
    let a: Vec<String> = std::env::args().collect();
    let get = |i: usize, what: &str| -> String {
        a.get(i).cloned().unwrap_or_else(|| panic!("usage: soak PORT SERVER_PID SECONDS ({what} missing)"))
    };
    (
        get(1, "PORT").parse().expect("port"),
        get(2, "SERVER_PID").parse().expect("pid"),
        get(3, "SECONDS").parse().expect("seconds"),
    )
}

fn server_figures(pid: u32) -> (usize, u64, u64) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |field: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (fds, kib("VmRSS:"), kib("VmHWM:"))
}

/// The status code of the response starting in `head`, if it has arrived.
fn status_of(head: &[u8]) -> Option<u16> {
    let line = head.split(|&b| b == b'\r').next()?;
    std::str::from_utf8(line.get(9..12)?).ok()?.parse().ok()
}

/// Reads one whole response with a Content-Length (or until close).
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<u16> {
    buf.clear();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            if let Some(len) = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
            {
                if buf.len() >= end + 4 + len {
                    return status_of(buf);
                }
            }
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return status_of(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn keep_alive(addr: &str, tally: &Tally) {
    let Ok(mut s) = TcpStream::connect(addr).await else {
        tally.odd.fetch_add(1, Relaxed);
        return;
    };
    let mut buf = Vec::new();
    for i in 0..50 {
        let path = if i % 2 == 0 { "/small" } else { "/json" };
        let req = format!("GET {path} HTTP/1.1\r\nHost: soak\r\n\r\n");
        if s.write_all(req.as_bytes()).await.is_err() {
            tally.odd.fetch_add(1, Relaxed);
            return;
        }
        match read_response(&mut s, &mut buf).await {
            Some(200) => tally.ok.fetch_add(1, Relaxed),
            _ => tally.odd.fetch_add(1, Relaxed),
        };
    }
}

async fn get_then(addr: &str, path: &str) -> Option<TcpStream> {
    let mut s = TcpStream::connect(addr).await.ok()?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: soak\r\n\r\n");
    s.write_all(req.as_bytes()).await.ok()?;
    Some(s)
}

async fn abort(addr: &str, tally: &Tally) {
    let Some(mut s) = get_then(addr, "/stream").await else {
        tally.odd.fetch_add(1, Relaxed);
        return;
    };
    let mut buf = vec![0u8; 16 * 1024];
    let mut got = 0;
    while got < 100 * 1024 {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    let counter = if got >= 100 * 1024 { &tally.ok } else { &tally.odd };
    counter.fetch_add(1, Relaxed);
    // Dropped mid-body: the server must drop the stream.
}

async fn slow_reader(addr: &str, tally: &Tally) {
    let Some(mut s) = get_then(addr, "/stream").await else {
        tally.odd.fetch_add(1, Relaxed);
        return;
    };
    let mut buf = vec![0u8; 1024];
    for _ in 0..40 {
        if matches!(s.read(&mut buf).await, Ok(0) | Err(_)) {
            tally.odd.fetch_add(1, Relaxed);
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tally.ok.fetch_add(1, Relaxed);
}

async fn oversized(addr: &str, tally: &Tally, chunked: bool) {
    let Ok(mut s) = TcpStream::connect(addr).await else {
        tally.odd.fetch_add(1, Relaxed);
        return;
    };
    let head = if chunked {
        "POST /upload HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned()
    } else {
        "POST /upload HTTP/1.1\r\nHost: soak\r\nContent-Length: 8388608\r\n\r\n".to_owned()
    };
    let _ = s.write_all(head.as_bytes()).await;
    let block = vec![b'y'; 64 * 1024];
    let (mut rd, mut wr) = s.into_split();
    let writer = tokio::spawn(async move {
        for _ in 0..16 {
            let sent = if chunked {
                let mut framed = format!("{:x}\r\n", block.len()).into_bytes();
                framed.extend_from_slice(&block);
                framed.extend_from_slice(b"\r\n");
                wr.write_all(&framed).await
            } else {
                wr.write_all(&block).await
            };
            if sent.is_err() {
                break;
            }
        }
    });
    let mut buf = vec![0u8; 4096];
    let mut head = Vec::new();
    while head.len() < 12 {
        match rd.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    writer.abort();
    let counter = if status_of(&head) == Some(413) { &tally.ok } else { &tally.odd };
    counter.fetch_add(1, Relaxed);
}

async fn expect_status(addr: &str, path: &str, status: u16, tally: &Tally) {
    let Some(mut s) = get_then(addr, path).await else {
        tally.odd.fetch_add(1, Relaxed);
        return;
    };
    let mut buf = Vec::new();
    let counter = if read_response(&mut s, &mut buf).await == Some(status) {
        &tally.ok
    } else {
        &tally.odd
    };
    counter.fetch_add(1, Relaxed);
}

async fn silent(addr: &str, tally: &Tally, bytes: &[u8]) {
    let Ok(mut s) = TcpStream::connect(addr).await else {
        tally.odd.fetch_add(1, Relaxed);
        return;
    };
    // Nothing at all, or a head a byte at a time: either way the server
    // closes the connection at its header timeout (2 s); 10 s is a hang.
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 64];
        for b in bytes.iter().cycle() {
            if s.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::select! {
                read = s.read(&mut buf) => if matches!(read, Ok(0) | Err(_)) { return },
                () = tokio::time::sleep(Duration::from_millis(300)) => {}
            }
        }
        let _ = s.read(&mut buf).await;
    });
    let counter = if closed.await.is_ok() { &tally.ok } else { &tally.odd };
    counter.fetch_add(1, Relaxed);
}

async fn silent_only(addr: &str, tally: &Tally) {
    let Ok(mut s) = TcpStream::connect(addr).await else {
        tally.odd.fetch_add(1, Relaxed);
        return;
    };
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await;
    let counter = if matches!(closed, Ok(Ok(0) | Err(_))) { &tally.ok } else { &tally.odd };
    counter.fetch_add(1, Relaxed);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let (port, pid, seconds) = args();
    let addr: Arc<str> = format!("127.0.0.1:{port}").into();
    let tallies: Arc<Vec<Tally>> = Arc::new(KINDS.iter().map(|_| Tally::default()).collect());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    // (kind, concurrent workers)
    let plan = [(0, 8), (1, 4), (2, 2), (3, 2), (4, 1), (5, 1), (6, 4), (7, 2)];
    let mut workers = Vec::new();
    for (kind, count) in plan {
        for w in 0..count {
            let addr = addr.clone();
            let tallies = tallies.clone();
            workers.push(tokio::spawn(async move {
                let tally = &tallies[kind];
                let mut round = 0u64;
                while Instant::now() < deadline {
                    round += 1;
                    match kind {
                        0 => keep_alive(&addr, tally).await,
                        1 => abort(&addr, tally).await,
                        2 => slow_reader(&addr, tally).await,
                        3 => oversized(&addr, tally, (round + w) % 2 == 0).await,
                        4 => expect_status(&addr, "/panic", 500, tally).await,
                        5 => expect_status(&addr, "/slow", 503, tally).await,
                        6 => silent_only(&addr, tally).await,
                        _ => silent(&addr, tally, b"GET /small HTTP/1.1\r\nHost: soak\r\n").await,
                    }
                }
            }));
        }
    }
    let started = Instant::now();
    let first = server_figures(pid);
    println!("{:>6}  {:>5}  {:>9}  {:>9}  answers (ok/odd) per kind", "t(s)", "fds", "rss(kB)", "hwm(kB)");
    let mut last = first;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(5).min(deadline - Instant::now())).await;
        last = server_figures(pid);
        let counts: Vec<String> = KINDS
            .iter()
            .zip(tallies.iter())
            .map(|(k, t)| format!("{k} {}/{}", t.ok.load(Relaxed), t.odd.load(Relaxed)))
            .collect();
        println!(
            "{:>6}  {:>5}  {:>9}  {:>9}  {}",
            started.elapsed().as_secs(),
            last.0,
            last.1,
            last.2,
            counts.join(", ")
        );
    }
    for w in workers {
        let _ = tokio::time::timeout(Duration::from_secs(15), w).await;
    }
    // Give the server its header timeout to close what the last workers left.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let settled = server_figures(pid);
    println!(
        "start: {} fds, {} kB RSS; under load at the end: {} fds, {} kB RSS (peak {} kB); settled: {} fds, {} kB RSS",
        first.0, first.1, last.0, last.1, last.2, settled.0, settled.1
    );
}
