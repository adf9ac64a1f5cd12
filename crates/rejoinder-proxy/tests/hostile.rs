//! Hostile upstreams: a raw TCP server answering with malformed heads,
//! huge headers, bad chunk sizes, truncated bodies, extra bytes after the
//! body and floods of interim responses. Each must end as a clean 502 or
//! an aborted downstream connection (never a panic, never a hang), the
//! well-formed ones must pass, and the proxy must keep serving.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How one exchange through the proxy ended.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// A whole response: the status and the body.
    Whole(u16, String),
    /// A head, then the connection was aborted mid-body (or no head).
    Aborted,
}

/// An upstream that answers `GET /N` with `answers(N)`: the bytes, and
/// whether to close the connection after them. Counts connections.
async fn raw_upstream(
    answers: impl Fn(usize) -> (Vec<u8>, bool) + Send + Sync + 'static,
) -> (SocketAddr, Arc<AtomicUsize>) {
    raw_upstream_per_connection(move |n, _| answers(n)).await
}

/// [`raw_upstream`] whose answers also know how many requests came on
/// the connection before.
async fn raw_upstream_per_connection(
    answers: impl Fn(usize, usize) -> (Vec<u8>, bool) + Send + Sync + 'static,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let answers = Arc::new(answers);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let answers = answers.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                for before in 0.. {
                    let mut chunk = [0u8; 4096];
                    let end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        match s.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    buf.drain(..end);
                    let n = head
                        .split(' ')
                        .nth(1)
                        .and_then(|p| p.trim_start_matches('/').parse().ok())
                        .unwrap_or(0);
                    let (bytes, close) = answers(n, before);
                    if s.write_all(&bytes).await.is_err() || close {
                        let _ = s.shutdown().await;
                        return;
                    }
                }
            });
        }
    });
    (addr, accepted)
}

async fn exchange(url: &str) -> Outcome {
    let go = async {
        let Ok(res) = client().request(get(url)).await else {
            return Outcome::Aborted;
        };
        let status = res.status().as_u16();
        match res.into_body().collect().await {
            Ok(body) => Outcome::Whole(status, text(&body.to_bytes())),
            Err(_) => Outcome::Aborted,
        }
    };
    tokio::time::timeout(Duration::from_secs(10), go)
        .await
        .expect("the proxy hung on a hostile upstream")
}

fn bad_gateway(o: &Outcome) -> bool {
    matches!(o, Outcome::Whole(502, body) if body.contains("An invalid response"))
}

/// The corpus: each answer, and what must come of it.
fn corpus() -> Vec<(Vec<u8>, Expect)> {
    let mut huge = b"HTTP/1.1 200 OK\r\nx-huge: ".to_vec();
    huge.resize(70 * 1024, b'a');
    huge.extend_from_slice(b"\r\ncontent-length: 2\r\n\r\nok");
    let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..300 {
        many.extend_from_slice(format!("x-{i}: {i}\r\n").as_bytes());
    }
    many.extend_from_slice(b"content-length: 2\r\n\r\nok");
    let flood = b"HTTP/1.1 100 Continue\r\n\r\n"
        .repeat(100)
        .into_iter()
        .chain(
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
                .iter()
                .copied(),
        )
        .collect();
    let mut big_trailers = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-t\r\n\r\n2\r\nok\r\n0\r\nx-t: ".to_vec();
    big_trailers.resize(big_trailers.len() + 70 * 1024, b't');
    let mut long_ext = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2;".to_vec();
    long_ext.resize(long_ext.len() + 8 * 1024, b'e');
    let s = |b: &[u8]| b.to_vec();
    vec![
        (s(b""), Expect::BadGateway),
        (s(b"hello world\r\n\r\n"), Expect::BadGateway),
        (s(b"HTTP/1.1 abc OK\r\n\r\n"), Expect::BadGateway),
        (s(b"HTTP/1.1 999999 OK\r\n\r\n"), Expect::BadGateway),
        (s(b"HTTP/3.0 200 OK\r\ncontent-length: 0\r\n\r\n"), Expect::BadGateway),
        (s(b"HTTP/1.1 200 OK\r\nx: \x00\x01\r\n\r\n"), Expect::BadGateway),
        (s(b"HTTP/1.1 200 OK\r\nbad header\r\n\r\n"), Expect::BadGateway),
        (s(b"HTTP/1.1 200 OK\r\nx-partial: "), Expect::BadGateway),
        (huge, Expect::BadGateway),
        (many, Expect::BadGateway),
        (s(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello"), Expect::BadGateway),
        (s(b"HTTP/1.1 200 OK\r\ncontent-length: 2, 3\r\n\r\nok"), Expect::BadGateway),
        (s(b"HTTP/1.1 200 OK\r\ncontent-length: -2\r\n\r\nok"), Expect::BadGateway),
        (s(b"HTTP/1.1 200 OK\r\ncontent-length: 0x10\r\n\r\nok"), Expect::BadGateway),
        (s(b"HTTP/1.1 200 OK\r\ncontent-length: 184467440737095516160\r\n\r\nok"), Expect::BadGateway),
        (flood, Expect::BadGateway),
        (s(b"HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\n\r\n"), Expect::BadGateway),
        (s(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789"), Expect::Aborted),
        (s(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"), Expect::Aborted),
        (s(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n"), Expect::Aborted),
        (s(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"), Expect::Aborted),
        (s(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n"), Expect::Aborted),
        (big_trailers, Expect::Aborted),
        (long_ext, Expect::Aborted),
        // Well formed, if unusual: these pass.
        (s(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"), Expect::Ok("ok")),
        (s(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA BYTES"), Expect::Ok("ok")),
        (s(b"HTTP/1.0 200 OK\r\n\r\nto the close"), Expect::Ok("to the close")),
        (s(b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\nraw to the close"), Expect::Ok("raw to the close")),
        (s(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 99\r\n\r\n2;x=y\r\nok\r\n0\r\nx-t: 1\r\n\r\n"), Expect::Ok("ok")),
    ]
}

#[derive(Debug, Clone, Copy)]
enum Expect {
    BadGateway,
    Aborted,
    Ok(&'static str),
}

#[tokio::test]
async fn hostile_answers_end_in_a_502_or_an_abort_and_the_proxy_keeps_serving() {
    let cases = Arc::new(corpus());
    let answers = cases.clone();
    let (addr, _) = raw_upstream(move |n| match answers.get(n) {
        Some((bytes, _)) => (bytes.clone(), true),
        None => (
            b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nfine".to_vec(),
            true,
        ),
    })
    .await;
    let gw = gateway(proxy_to(&[format!("http://{addr}")])).await;
    for (i, (_, expect)) in cases.iter().enumerate() {
        let outcome = exchange(&gw.url(&format!("/{i}"))).await;
        match expect {
            Expect::BadGateway => assert!(bad_gateway(&outcome), "case {i}: {outcome:?}"),
            Expect::Aborted => assert!(
                outcome == Outcome::Aborted || bad_gateway(&outcome),
                "case {i}: {outcome:?}"
            ),
            Expect::Ok(body) => {
                assert_eq!(outcome, Outcome::Whole(200, (*body).into()), "case {i}")
            }
        }
        // The next request still gets through.
        let fine = exchange(&gw.url("/9999")).await;
        assert_eq!(fine, Outcome::Whole(200, "fine".into()), "after case {i}");
    }
}

#[tokio::test]
async fn mangled_answers_never_panic_or_hang_the_proxy() {
    // A valid chunked answer with bytes flipped, dropped and repeated by
    // a fixed pseudo-random sequence.
    const VALID: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\ntrailer: x-t\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nx-t: 1\r\n\r\n";
    fn mangle(seed: usize) -> Vec<u8> {
        let mut x = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut bytes = VALID.to_vec();
        for _ in 0..(next() % 4 + 1) {
            let at = (next() % bytes.len() as u64) as usize;
            match next() % 4 {
                0 => bytes[at] = (next() & 0xff) as u8,
                1 => bytes.truncate(at),
                2 => {
                    let _ = bytes.remove(at);
                }
                _ => bytes.insert(at, b"\r\n:0;"[(next() % 5) as usize]),
            }
            if bytes.is_empty() {
                break;
            }
        }
        bytes
    }
    let (addr, _) = raw_upstream(|n| {
        if n == 0 {
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nfine".to_vec(),
                true,
            )
        } else {
            (mangle(n), true)
        }
    })
    .await;
    // Passive health off: the failures in a row must not take it out.
    let ups = rejoinder_proxy::Upstreams::parse(&format!("http://{addr}"))
        .unwrap()
        .health(rejoinder_proxy::Health {
            failures: 0,
            cooldown: Duration::ZERO,
        });
    let gw = gateway(rejoinder_proxy::Proxy::new(ups)).await;
    for seed in 1..300 {
        match exchange(&gw.url(&format!("/{seed}"))).await {
            Outcome::Aborted => {}
            Outcome::Whole(_, _) => {}
        }
    }
    assert_eq!(
        exchange(&gw.url("/0")).await,
        Outcome::Whole(200, "fine".into())
    );
}

#[tokio::test]
async fn connections_are_kept_only_when_nothing_is_left_on_them() {
    // Keep-alive answers on one connection, except the one with bytes
    // after its body and the one that asks to close.
    let (addr, accepted) = raw_upstream(|n| match n {
        1 => (
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokJUNK".to_vec(),
            false,
        ),
        2 => (
            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok".to_vec(),
            false,
        ),
        3 => (b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(), false),
        _ => (
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".to_vec(),
            false,
        ),
    })
    .await;
    let gw = gateway(proxy_to(&[format!("http://{addr}")])).await;
    for path in ["/0", "/0", "/3", "/0"] {
        exchange(&gw.url(path)).await;
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "one connection served all four"
    );
    assert_eq!(
        exchange(&gw.url("/1")).await,
        Outcome::Whole(200, "ok".into())
    );
    assert_eq!(
        exchange(&gw.url("/0")).await,
        Outcome::Whole(200, "ok".into())
    );
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        2,
        "the one with junk after its body was closed"
    );
    assert_eq!(
        exchange(&gw.url("/2")).await,
        Outcome::Whole(200, "ok".into())
    );
    assert_eq!(
        exchange(&gw.url("/0")).await,
        Outcome::Whole(200, "ok".into())
    );
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        3,
        "the one that asked to close was closed"
    );
}

#[tokio::test]
async fn a_pooled_connection_the_upstream_closed_is_replaced_transparently() {
    // Every answer is keep-alive, but the upstream closes the connection
    // right after it: each pooled connection is dead when it is next used.
    let (addr, accepted) = raw_upstream(|_| {
        (
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".to_vec(),
            true,
        )
    })
    .await;
    let gw = gateway(proxy_to(&[format!("http://{addr}")])).await;
    for i in 0..10 {
        assert_eq!(
            exchange(&gw.url("/0")).await,
            Outcome::Whole(200, "ok".into()),
            "request {i}"
        );
        if i % 2 == 0 {
            // Sometimes the close is seen before the reuse, sometimes not.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 10);
}

#[tokio::test]
async fn a_pooled_connection_seen_closed_is_not_used_for_a_body() {
    // The upstream answers keep-alive, then closes and says so. Once the
    // close has reached the proxy, a POST (whose body cannot be sent
    // twice) must go on a fresh connection, not on the closed one.
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let (closed_tx, mut closed) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let closed_tx = closed_tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    .await;
                drop(s);
                let _ = closed_tx.send(());
            });
        }
    });
    let gw = gateway(proxy_to(&[format!("http://{addr}")])).await;
    for i in 0..5 {
        let (parts, body) = send(request("POST", &gw.url("/0"), "payload")).await;
        assert_eq!(
            (parts.status.as_u16(), text(&body).as_str()),
            (200, "ok"),
            "request {i}"
        );
        // The close has happened; the next request's bytes reach the proxy
        // only after its reactor has turned, and with them the close.
        closed.recv().await.unwrap();
    }
}

#[tokio::test]
async fn a_bodiless_delete_on_a_closed_pooled_connection_is_sent_again() {
    let (addr, _) = raw_upstream(|_| {
        (
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".to_vec(),
            true,
        )
    })
    .await;
    let gw = gateway(proxy_to(&[format!("http://{addr}")])).await;
    let (parts, body) = send(get(&gw.url("/0"))).await;
    assert_eq!((parts.status.as_u16(), text(&body).as_str()), (200, "ok"));
    // Not seen closed yet, the body not read: sent again on a fresh one.
    let (parts, body) = send(request("DELETE", &gw.url("/0"), "")).await;
    assert_eq!((parts.status.as_u16(), text(&body).as_str()), (200, "ok"));
}

#[tokio::test]
async fn a_request_the_upstream_dropped_on_a_pooled_connection_goes_on_a_fresh_one() {
    // The second request on each connection finds it closed unanswered:
    // the race of an upstream closing an idle connection as it is reused.
    let (addr, accepted) = raw_upstream_per_connection(|_, before| {
        if before == 0 {
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".to_vec(),
                false,
            )
        } else {
            (Vec::new(), true)
        }
    })
    .await;
    let gw = gateway(proxy_to(&[format!("http://{addr}")])).await;
    for i in 0..5 {
        assert_eq!(
            exchange(&gw.url("/0")).await,
            Outcome::Whole(200, "ok".into()),
            "request {i}"
        );
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 5);
    // With a body already sent it cannot go again: a 502.
    let (parts, _) = send(request("POST", &gw.url("/0"), "payload")).await;
    assert_eq!(parts.status, 502);
}

#[tokio::test]
async fn an_answer_before_the_upload_is_done_reaches_the_client() {
    // The upstream answers 413 as soon as it has the head and closes,
    // while the client is still sending a body larger than the socket
    // buffers.
    let (addr, _) = raw_upstream(|_| {
        (
            b"HTTP/1.1 413 Payload Too Large\r\nconnection: close\r\ncontent-length: 3\r\n\r\nbig"
                .to_vec(),
            true,
        )
    })
    .await;
    let gw = gateway(proxy_to(&[format!("http://{addr}")])).await;
    let body = vec![b'u'; 4 << 20];
    let go = async {
        match client().request(request("POST", &gw.url("/0"), body)).await {
            Ok(res) => Some(res.status().as_u16()),
            // The server may close the client's connection mid-upload.
            Err(_) => None,
        }
    };
    let status = tokio::time::timeout(Duration::from_secs(10), go)
        .await
        .expect("the proxy hung on an early answer");
    println!("early answer: {status:?}");
    assert!(matches!(status, Some(413) | None), "{status:?}");
    // And it keeps serving.
    let fine = exchange(&gw.url("/0")).await;
    assert!(matches!(fine, Outcome::Whole(413, _)), "{fine:?}");
}
