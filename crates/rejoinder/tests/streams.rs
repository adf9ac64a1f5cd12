//! Stream bodies: an early failure becomes an error response, a late one
//! truncates the transfer.
#![cfg(feature = "adonis")]

mod common;

use std::sync::Arc;

use rejoinder::prelude::*;
use rejoinder::testing::raw;

fn failing_at(n: usize) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> {
    futures_util::stream::iter((0..3).map(move |i| {
        if i == n {
            Err(std::io::Error::other("disk on fire"))
        } else {
            Ok(format!("chunk{i};"))
        }
    }))
}

#[tokio::test]
async fn an_early_stream_failure_uses_the_error_callback() {
    let srv = common::server(|ctx| {
        let on_error: rejoinder::response::StreamErrorHandler =
            Arc::new(|e: &rejoinder::BoxError| (format!("cannot stream: {e}"), 503));
        match ctx.req.path() {
            "/early" => ctx.res.stream(failing_at(0), Some(on_error)),
            "/early-default" => ctx.res.stream(failing_at(0), None),
            "/fine" => ctx.res.stream(failing_at(99), Some(on_error)),
            _ => &mut ctx.res,
        };
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "GET", "/early", &[]).await;
    assert_eq!(wire.status, 503);
    assert_eq!(wire.text(), "cannot stream: disk on fire");
    let wire = raw::send(srv.addr(), "GET", "/early-default", &[]).await;
    assert_eq!(
        (wire.status, wire.text().as_str()),
        (500, "Internal Server Error")
    );
    let wire = raw::send(srv.addr(), "GET", "/fine", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.header("transfer-encoding"), Some("chunked"));
    assert_eq!(wire.text(), "chunk0;chunk1;chunk2;");
}

/// Chunks spaced out in time, failing at the third, so the first ones are
/// on the wire before the failure.
fn slow_failing() -> impl futures_util::Stream<Item = Result<String, std::io::Error>> {
    futures_util::stream::unfold(0, |i| async move {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        match i {
            0 | 1 => Some((Ok(format!("chunk{i};")), i + 1)),
            2 => Some((Err(std::io::Error::other("disk on fire")), i + 1)),
            _ => None,
        }
    })
}

#[tokio::test]
async fn a_late_stream_failure_truncates_the_transfer() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let srv = common::server(|ctx| {
        ctx.res.stream(slow_failing(), None);
        Ok(())
    })
    .await;
    let mut stream = tokio::net::TcpStream::connect(srv.addr()).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes).await;
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw}");
    assert!(raw.contains("chunk0;") && raw.contains("chunk1;"), "{raw}");
    // No terminating zero-length chunk: the client can tell the body is cut.
    assert!(!raw.ends_with("0\r\n\r\n"), "{raw:?}");
}
