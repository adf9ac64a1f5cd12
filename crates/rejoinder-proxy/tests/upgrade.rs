//! `Upgrade` passthrough: the upstream's 101 reaches the client, then bytes
//! flow both ways over the joined connections.

mod common;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn read_head(stream: &mut tokio::net::TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).await.unwrap();
        assert_eq!(n, 1, "connection closed inside the head: {head:?}");
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

#[tokio::test]
async fn an_upgrade_is_passed_through_and_bytes_flow_both_ways() {
    let up = Upstream::start("a").await;
    let gw = gateway(proxy_to(&[up.url()])).await;
    let mut s = tokio::net::TcpStream::connect(gw.addr()).await.unwrap();
    s.write_all(b"GET /ws HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
        .await
        .unwrap();
    let head = read_head(&mut s).await.to_ascii_lowercase();
    assert!(
        head.starts_with("http/1.1 101 switching protocols\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nupgrade: echo\r\n"), "{head}");
    assert!(head.contains("\r\nconnection: upgrade\r\n"), "{head}");
    assert!(head.contains("\r\nx-upstream: a\r\n"), "{head}");
    for word in ["ping", "pong"] {
        s.write_all(word.as_bytes()).await.unwrap();
        let mut buf = vec![0u8; 5 + word.len()];
        s.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf, format!("echo:{word}").as_bytes());
    }
}

#[tokio::test]
async fn a_request_without_connection_upgrade_is_not_upgraded() {
    let up = Upstream::start("a").await;
    let gw = gateway(proxy_to(&[up.url()])).await;
    let mut req = get(&gw.url("/echo"));
    req.headers_mut().insert("upgrade", "echo".parse().unwrap());
    let (parts, body) = send(req).await;
    assert_eq!(parts.status, 200);
    assert!(!text(&body).contains("upgrade:"), "{}", text(&body));
}
