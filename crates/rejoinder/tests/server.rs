//! The server over loopback: HEAD and empty-status wire rules, keep-alive,
//! HTTP/2 on the same port, panic isolation, graceful shutdown and the
//! header-read timeout.

mod common;

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rejoinder::http::{Method, Request, Version};
use rejoinder::testing::{raw, TestServer};
use rejoinder::{handler_fn, App, Context, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn head_keeps_headers_and_length_but_sends_no_body() {
    let srv = common::server(|ctx| {
        match ctx.req.path() {
            "/json" => {
                ctx.res.set_body(serde_json::json!({"a": 1, "b": "two"}));
            }
            "/declared" => {
                ctx.res.set_body("abc");
                ctx.res.set_length(1234);
            }
            "/status" => {
                ctx.res.set_status(200)?;
            }
            _ => {}
        }
        Ok(())
    })
    .await;
    let wire = raw::send(srv.addr(), "HEAD", "/json", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.header("content-length"), Some("17"));
    assert_eq!(
        wire.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert!(wire.body.is_empty(), "{:?}", wire.text());
    let wire = raw::send(srv.addr(), "HEAD", "/declared", &[]).await;
    assert_eq!(wire.header("content-length"), Some("1234"));
    assert!(wire.body.is_empty());
    // A GET sends the real length, whatever was declared.
    let wire = raw::send(srv.addr(), "GET", "/declared", &[]).await;
    assert_eq!(
        (wire.header("content-length"), wire.text().as_str()),
        (Some("3"), "abc")
    );
    let wire = raw::send(srv.addr(), "HEAD", "/status", &[]).await;
    assert_eq!(wire.status, 200);
    assert!(wire.header("content-type").is_none() && wire.body.is_empty());
}

#[tokio::test]
async fn not_modified_and_no_content_strip_body_and_content_headers() {
    let srv = common::server(|ctx| {
        let code: u16 = ctx.req.path()[1..].parse().unwrap();
        let res = &mut ctx.res;
        res.set_etag("v1")?.set("Cache-Control", "max-age=60")?;
        res.set_last_modified(std::time::UNIX_EPOCH + Duration::from_secs(1_577_934_245));
        res.set_body("a body that must not be sent");
        res.set_status(code)?;
        Ok(())
    })
    .await;
    for code in [204u16, 205, 304] {
        let wire = raw::send(srv.addr(), "GET", &format!("/{code}"), &[]).await;
        assert_eq!(wire.status, code);
        assert!(wire.body.is_empty(), "{code}");
        assert!(wire.header("content-type").is_none(), "{code}");
        assert_eq!(wire.header("etag"), Some("\"v1\""));
        assert_eq!(
            wire.header("last-modified"),
            Some("Thu, 02 Jan 2020 03:04:05 GMT")
        );
        assert_eq!(wire.header("cache-control"), Some("max-age=60"));
    }
}

#[test]
fn headers_sent_flips_at_finalize() {
    let mut res = Response::new();
    res.set_body("x");
    assert!(!res.headers_sent());
    let _ = res.finalize(&Method::GET, Version::HTTP_11);
    assert!(res.headers_sent());
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let srv = common::server(|ctx| {
        let path = ctx.req.path().to_owned();
        ctx.res.set_body(path);
        Ok(())
    })
    .await;
    let stream = TcpStream::connect(srv.addr()).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    for path in ["/one", "/two", "/three"] {
        let req = Request::get(path)
            .header("host", "app.test")
            .body(Empty::<Bytes>::new())
            .unwrap();
        let res = sender.send_request(req).await.unwrap();
        assert_eq!(res.status(), 200);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, path.as_bytes());
    }
}

#[tokio::test]
async fn http2_prior_knowledge_on_the_same_port() {
    let srv = common::server(|ctx| {
        assert_eq!(ctx.req.version(), Version::HTTP_2);
        if ctx.req.path() == "/json" {
            ctx.res.set_body(serde_json::json!({"h2": true}));
        } else {
            ctx.res.set_status(201)?;
        }
        Ok(())
    })
    .await;
    let stream = TcpStream::connect(srv.addr()).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = Request::get(srv.url("/json"))
        .body(Empty::<Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.version(), Version::HTTP_2);
    assert_eq!(
        res.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, r#"{"h2":true}"#);
    // Over HTTP/2 the default body is the code (there is no reason phrase).
    let req = Request::get(srv.url("/created"))
        .body(Empty::<Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "201");
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_and_the_server_keeps_serving() {
    let app = App::new().handler(async |ctx: &mut Context| {
        if ctx.req.path() == "/panic" {
            panic!("boom in the handler");
        }
        ctx.res.set_body("still here");
    });
    let srv = TestServer::start(app).await;
    for _ in 0..3 {
        let wire = raw::send(srv.addr(), "GET", "/panic", &[]).await;
        assert_eq!(
            (wire.status, wire.text().as_str()),
            (500, "Internal Server Error")
        );
        assert!(!wire.text().contains("boom"));
        let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
        assert_eq!((wire.status, wire.text().as_str()), (200, "still here"));
    }
}

#[tokio::test]
async fn graceful_shutdown_lets_in_flight_responses_finish() {
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let started_tx = std::sync::Mutex::new(Some(started_tx));
    let app = App::new().handler(handler_fn(move |ctx| {
        if let Some(tx) = started_tx.lock().unwrap().take() {
            let _ = tx.send(());
        }
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            ctx.res.set_body("finished");
        })
    }));
    let srv = TestServer::start(app).await;
    let addr = srv.addr();
    let in_flight = tokio::spawn(async move { raw::send(addr, "GET", "/slow", &[]).await });
    started_rx.await.unwrap();
    srv.shutdown().await.unwrap();
    let wire = in_flight.await.unwrap();
    assert_eq!((wire.status, wire.text().as_str()), (200, "finished"));
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn slow_request_heads_are_cut_off() {
    let app = App::new().header_read_timeout(Duration::from_millis(200));
    let srv = TestServer::start(app).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: app.test\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server closed the slow connection");
    // A prompt client on another connection is still served.
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 404);
}

#[tokio::test]
async fn app_is_a_tower_service() {
    use tower_service::Service;
    let mut app = common::app(|ctx| {
        ctx.res.set_body("via tower");
        Ok(())
    });
    let req = Request::get("/").body(Empty::<Bytes>::new()).unwrap();
    let res = app.call(req).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.into_body().collect().await.unwrap().to_bytes(),
        "via tower"
    );
}

#[tokio::test]
async fn a_slow_reader_gets_every_byte_of_a_large_body() {
    // The socket's buffer fills and drains many times over: every partial
    // write must be followed by the rest, in order.
    let body: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let expected = body.clone();
    let srv = common::server(move |ctx| {
        ctx.res.set_body(Bytes::from(body.clone()));
        Ok(())
    })
    .await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut wire = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        // Slowness is what is tested: the reader pauses between reads.
        tokio::time::sleep(Duration::from_millis(1)).await;
        let n = stream.read(&mut chunk).await.unwrap();
        if n == 0 {
            break;
        }
        wire.extend_from_slice(&chunk[..n]);
    }
    let start = wire
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head")
        + 4;
    let head = String::from_utf8_lossy(&wire[..start]).to_lowercase();
    assert!(head.contains("content-length: 4194304"), "{head}");
    assert!(wire[start..] == expected[..], "the body arrived altered");
}
