//! Lifecycle: flush_headers streams server-sent events before the handler
//! finishes, changes after that are refused, and a stream is dropped
//! promptly when the client goes away.
#![cfg(feature = "adonis")]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rejoinder::prelude::*;
use rejoinder::testing::TestServer;
use rejoinder::{handler_fn, App, Body};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

async fn read_until(stream: &mut TcpStream, needle: &str) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains(needle) {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("data within 5 s")
            .unwrap();
        assert!(
            n > 0,
            "closed before {needle:?}: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test]
async fn flush_headers_streams_events_before_the_handler_finishes() {
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let release = Arc::new(std::sync::Mutex::new(Some(release_rx)));
    let (refused_tx, mut refused_rx) = mpsc::unbounded_channel::<String>();
    let app = App::new().handler(rejoinder::flushable(handler_fn(move |ctx| {
        let release = release.lock().unwrap().take();
        let refused_tx = refused_tx.clone();
        Box::pin(async move {
            let (tx, rx) = mpsc::channel::<Result<String, std::io::Error>>(4);
            ctx.res.set_type("text/event-stream").unwrap();
            ctx.res.set_body(Body::stream(tokio_stream_from(rx)));
            assert!(ctx.res.is_pending());
            ctx.flush_headers().await.unwrap();
            assert!(ctx.res.headers_sent() && ctx.res.finished());
            let err = ctx.res.set("X-Late", "1").unwrap_err();
            refused_tx.send(err.to_string()).unwrap();
            assert!(ctx.flush_headers().await.is_err());
            tx.send(Ok("data: first\n\n".into())).await.unwrap();
            if let Some(release) = release {
                let _ = release.await;
            }
            tx.send(Ok("data: second\n\n".into())).await.unwrap();
        })
    })));
    let srv = TestServer::start(app).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    stream
        .write_all(b"GET /events HTTP/1.1\r\nHost: app.test\r\n\r\n")
        .await
        .unwrap();
    let head = read_until(&mut stream, "data: first").await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    // The handler is still waiting for the release: it has not finished.
    let refusal = refused_rx.recv().await.unwrap();
    assert!(
        refusal.contains("headers have already been sent"),
        "{refusal}"
    );
    release_tx.send(()).unwrap();
    let rest = read_until(&mut stream, "data: second").await;
    assert!(rest.contains("data: second"));
}

fn tokio_stream_from(
    mut rx: mpsc::Receiver<Result<String, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_stream_is_dropped_when_the_client_goes_away() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = dropped.clone();
    let app = App::new().handler(handler_fn(move |ctx| {
        let guard = DropFlag(flag.clone());
        Box::pin(async move {
            let endless = futures_util::stream::unfold(guard, |guard| async move {
                tokio::time::sleep(Duration::from_millis(10)).await;
                Some((Ok::<_, std::io::Error>("tick\n".to_string()), guard))
            });
            ctx.res.set_body(Body::stream(endless));
        })
    }));
    let srv = TestServer::start(app).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: app.test\r\n\r\n")
        .await
        .unwrap();
    read_until(&mut stream, "tick").await;
    assert!(!dropped.load(Ordering::SeqCst));
    drop(stream);
    let mut waited = Duration::ZERO;
    while !dropped.load(Ordering::SeqCst) && waited < Duration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    assert!(
        dropped.load(Ordering::SeqCst),
        "the stream outlived its client"
    );
}
