//! A client that leaves: the handler still working on its request is
//! cancelled (its future dropped) when the client closes the connection,
//! while a client that only sends more (a pipelined request, the rest of a
//! body) is served as usual.

use std::time::Duration;

use rejoinder::{handler_fn, App};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// Sends on its channel when dropped: the handler's future went away.
struct Dropped(mpsc::UnboundedSender<&'static str>, &'static str);

impl Drop for Dropped {
    fn drop(&mut self) {
        let _ = self.0.send(self.1);
    }
}

/// An app whose `/hang` never answers and whose `/slow` answers after
/// 50 ms; each handler says when its future is dropped, and `/hang` says
/// `"started"` when it runs.
async fn server() -> (
    rejoinder::testing::TestServer,
    mpsc::UnboundedReceiver<&'static str>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = App::new().handler(handler_fn(move |ctx| {
        let path: &'static str = match ctx.req.path() {
            "/hang" => "/hang",
            "/slow" => "/slow",
            _ => "/other",
        };
        let guard = Dropped(tx.clone(), path);
        if path == "/hang" {
            let _ = tx.send("started");
        }
        Box::pin(async move {
            let _guard = guard;
            match path {
                "/hang" => std::future::pending::<()>().await,
                "/slow" => tokio::time::sleep(Duration::from_millis(50)).await,
                _ => {}
            }
            ctx.res.set_body(path);
        })
    }));
    (rejoinder::testing::TestServer::start(app).await, rx)
}

/// The next event (a dropped handler, `/hang` started), within a bound (a hang is a failure, not a
/// timing): `None` when none was dropped in time.
async fn next_drop(rx: &mut mpsc::UnboundedReceiver<&'static str>) -> Option<&'static str> {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .ok()
        .flatten()
}

async fn read_to_end(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// A connection whose `/hang` handler is running.
async fn hanging(
    srv: &rejoinder::testing::TestServer,
    events: &mut mpsc::UnboundedReceiver<&'static str>,
) -> TcpStream {
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    stream
        .write_all(b"GET /hang HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(next_drop(events).await, Some("started"));
    stream
}

#[tokio::test]
async fn a_handler_is_cancelled_when_its_client_closes_the_connection() {
    let (srv, mut dropped) = server().await;
    let stream = hanging(&srv, &mut dropped).await;
    drop(stream);
    assert_eq!(
        next_drop(&mut dropped).await,
        Some("/hang"),
        "the handler outlived its client"
    );
}

#[tokio::test]
async fn a_handler_is_cancelled_when_its_client_stops_sending() {
    // A client that shuts its side down after the request is treated as
    // gone, as hyper treats an end of input in the middle of a request.
    let (srv, mut dropped) = server().await;
    let mut stream = hanging(&srv, &mut dropped).await;
    stream.shutdown().await.unwrap();
    assert_eq!(next_drop(&mut dropped).await, Some("/hang"));
    // The server closed the connection: the client reads its end.
    assert_eq!(read_to_end(&mut stream).await, "");
}

#[tokio::test]
async fn pipelined_requests_behind_a_slow_one_are_all_answered() {
    let (srv, mut dropped) = server().await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    stream
        .write_all(
            b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n\
              GET /slow HTTP/1.1\r\nHost: t\r\n\r\n\
              GET /other HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let wire = read_to_end(&mut stream).await;
    assert_eq!(wire.matches("HTTP/1.1 200 OK").count(), 3, "{wire}");
    assert!(wire.ends_with("/other"), "{wire}");
    for _ in 0..3 {
        assert!(next_drop(&mut dropped).await.is_some());
    }
}

#[tokio::test]
async fn a_slow_upload_is_not_taken_for_a_client_that_left() {
    // The handler reads the whole body, which comes in pieces: bytes
    // arriving while the request is in flight are no reason to cancel.
    let app = App::new().handler(handler_fn(|ctx| {
        Box::pin(async move {
            let got = ctx.req.bytes().await.map(|b| b.len()).unwrap_or(0);
            ctx.res.set_body(format!("got {got}"));
        })
    }));
    let srv = rejoinder::testing::TestServer::start(app).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 30\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    for _ in 0..3 {
        stream.write_all(b"0123456789").await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let wire = read_to_end(&mut stream).await;
    assert!(wire.starts_with("HTTP/1.1 200 OK"), "{wire}");
    assert!(wire.ends_with("got 30"), "{wire}");
}
