//! The client's `Host` through the gateway: a request without one, with
//! two, or with one that is not a host and port is a 400 from the server
//! (RFC 9112 §3.2) and reaches no upstream; a valid one arrives as
//! `X-Forwarded-Host` (and as Host with `preserve_host`).

mod common;

use common::*;
use rejoinder::testing::TestServer;
use rejoinder::{App, Router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn gateway(proxy: rejoinder_proxy::Proxy) -> TestServer {
    TestServer::start(App::new().router(Router::new().mount("/api", proxy))).await
}

/// Sends a GET of `/api/echo` with `host_lines` as its Host fields and
/// reads the whole answer.
async fn send(gw: &TestServer, host_lines: &str) -> String {
    let mut s = TcpStream::connect(gw.addr()).await.unwrap();
    let req = format!("GET /api/echo HTTP/1.1\r\n{host_lines}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn a_bad_host_never_reaches_the_upstream() {
    let up = Upstream::start("a").await;
    let gw = gateway(proxy_to(&[up.url()]).preserve_host(true)).await;
    for lines in [
        "",
        "Host: a b\r\n",
        "Host: x/y\r\n",
        "Host: a@evil.test\r\n",
        "Host: gw.test\r\nHost: evil.test\r\n",
        "Host: gw.test:80x\r\n",
        "Host: [::1\r\n",
    ] {
        let answer = send(&gw, lines).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{lines:?}: {answer}");
        assert!(
            answer.contains("Host"),
            "{lines:?}: the 400 says why: {answer}"
        );
    }
    assert_eq!(up.requests(), 0, "no refused request reached the upstream");

    let answer = send(&gw, "Host: gw.test:8443\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("x-forwarded-host: gw.test:8443\n"),
        "{answer}"
    );
    assert!(answer.contains("\nhost: gw.test:8443\n"), "{answer}");
    assert_eq!(up.requests(), 1);
}
