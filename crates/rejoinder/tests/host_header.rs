//! The `Host` header over loopback (RFC 9112 §3.2): an HTTP/1.1 request
//! without one, with two, or with a value that is not a host and port is
//! answered 400 before the app runs, by an app's server (the inline
//! HTTP/1.1 path and hyper's, plain requests and requests with bodies) and
//! by `rejoinder::serve` around any tower service; HTTP/1.0 may omit it,
//! HTTP/2 carries `:authority`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rejoinder::testing::{raw, TestServer};
use rejoinder::{App, Context};

mod common;
use tokio::net::{TcpListener, TcpStream};

/// Values that are `uri-host [":" port]` (or empty): served.
const VALID: &[&str] = &[
    "example.com",
    "example.com:8080",
    "EXAMPLE.COM.",
    "127.0.0.1",
    "127.0.0.1:1",
    "[::1]",
    "[::1]:80",
    "[fe80::1%25eth0]:8443",
    "xn--nxasmq6b.test",
    "a_b-c~d.test",
    "sub.delims!$&'()*+,;=",
    "pct%41encoded",
    "host:",
    "",
];

/// Values that are not: refused.
const INVALID: &[&str] = &[
    "a b",
    "x/y",
    "a@b",
    "a?b",
    "a#b",
    "a\\b",
    "\"quoted\"",
    "<h>",
    "h:port",
    "h:80:80",
    "[::1",
    "[]",
    "[::1]x",
    "[::1]:8x",
    "::1",
    "bad%zzhost",
    "bad%4",
    "a{b}",
    "a|b",
    "a^b",
    "a`b",
];

/// An app that counts the requests it sees and echoes their host.
fn counting() -> (App, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let app = common::app(move |ctx: &mut Context| {
        counter.fetch_add(1, Ordering::SeqCst);
        let host = ctx.req.host().unwrap_or("(none)").to_owned();
        ctx.res.set_body(format!("host={host}"));
        Ok(())
    });
    (app, seen)
}

fn get(host_lines: &str) -> Vec<u8> {
    format!("GET /x HTTP/1.1\r\n{host_lines}Connection: close\r\n\r\n").into_bytes()
}

#[tokio::test]
async fn valid_hosts_are_served_and_reach_the_app_as_sent() {
    let (app, seen) = counting();
    let srv = TestServer::start(app).await;
    for host in VALID {
        let wire = raw::send_raw(srv.addr(), &get(&format!("Host: {host}\r\n")), false).await;
        assert_eq!(wire.status, 200, "Host: {host:?}");
        assert_eq!(wire.text(), format!("host={host}"), "Host: {host:?}");
    }
    assert_eq!(seen.load(Ordering::SeqCst), VALID.len());
}

#[tokio::test]
async fn an_invalid_host_is_a_400_that_names_it_and_the_app_never_runs() {
    let (app, seen) = counting();
    let srv = TestServer::start(app).await;
    for host in INVALID {
        let wire = raw::send_raw(srv.addr(), &get(&format!("Host: {host}\r\n")), false).await;
        assert_eq!(wire.status, 400, "Host: {host:?}");
        let text = wire.text();
        assert!(
            text.contains("is not a host with an optional port"),
            "Host: {host:?}: {text}"
        );
    }
    assert_eq!(seen.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_missing_host_on_http_1_1_is_a_400_and_http_1_0_may_omit_it() {
    let (app, seen) = counting();
    let srv = TestServer::start(app).await;
    let wire = raw::send_raw(srv.addr(), &get(""), false).await;
    assert_eq!(wire.status, 400);
    assert!(
        wire.text().contains("needs a Host header"),
        "{}",
        wire.text()
    );
    assert_eq!(seen.load(Ordering::SeqCst), 0);

    let wire = raw::send_raw(srv.addr(), b"GET /x HTTP/1.0\r\n\r\n", false).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.text(), "host=(none)");
    // An HTTP/1.0 Host, when sent, is checked all the same.
    let wire = raw::send_raw(srv.addr(), b"GET /x HTTP/1.0\r\nHost: a b\r\n\r\n", false).await;
    assert_eq!(wire.status, 400);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn two_host_fields_are_a_400_even_when_they_agree() {
    let (app, seen) = counting();
    let srv = TestServer::start(app).await;
    for lines in [
        "Host: a.test\r\nHost: b.test\r\n",
        "Host: a.test\r\nHost: a.test\r\n",
        "Host: a.test\r\nAccept: */*\r\nhost: a.test\r\n",
    ] {
        let wire = raw::send_raw(srv.addr(), &get(lines), false).await;
        assert_eq!(wire.status, 400, "{lines:?}");
        assert!(
            wire.text().contains("has 2 Host header fields"),
            "{}",
            wire.text()
        );
    }
    assert_eq!(seen.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_request_with_a_body_is_checked_on_hyper_s_path_too() {
    // A body hands the connection from the inline path to hyper.
    let (app, seen) = counting();
    let srv = TestServer::start(app).await;
    let post = |host: &str| {
        format!("POST /x HTTP/1.1\r\n{host}Content-Length: 5\r\nConnection: close\r\n\r\nhello")
            .into_bytes()
    };
    let wire = raw::send_raw(srv.addr(), &post(""), false).await;
    assert_eq!(wire.status, 400);
    let wire = raw::send_raw(srv.addr(), &post("Host: x/y\r\n"), false).await;
    assert_eq!(wire.status, 400);
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    let wire = raw::send_raw(srv.addr(), &post("Host: ok.test\r\n"), false).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.text(), "host=ok.test");
}

#[tokio::test]
async fn a_keep_alive_connection_goes_on_after_a_refusal() {
    let (app, _) = counting();
    let srv = TestServer::start(app).await;
    let pipelined = b"GET /x HTTP/1.1\r\nHost: a b\r\n\r\nGET /x HTTP/1.1\r\nHost: ok.test\r\nConnection: close\r\n\r\n";
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stream, pipelined)
        .await
        .unwrap();
    let mut wire = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut wire)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&wire);
    let first = text.find("HTTP/1.1 400").expect("a 400 first");
    let second = text.find("HTTP/1.1 200").expect("then a 200");
    assert!(first < second, "{text}");
    assert!(text.ends_with("host=ok.test"), "{text}");
}

#[tokio::test]
async fn http_2_takes_the_authority_and_checks_a_host_it_also_sends() {
    let (app, _) = counting();
    let srv = TestServer::start(app).await;
    let stream = TcpStream::connect(srv.addr()).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = http::Request::get(srv.url("/x"))
        .body(Empty::<Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, format!("host={}", srv.addr()));

    let req = http::Request::get(srv.url("/x"))
        .header("host", "a b")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn rejoinder_serve_checks_the_host_for_any_tower_service() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let service = tower::service_fn(move |_: http::Request<hyper::body::Incoming>| {
        counter.fetch_add(1, Ordering::SeqCst);
        async { Ok::<_, std::convert::Infallible>(http::Response::new(String::from("served"))) }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(std::future::IntoFuture::into_future(rejoinder::serve(
        listener, service,
    )));
    for lines in ["", "Host: a b\r\n", "Host: a\r\nHost: b\r\n"] {
        let wire = raw::send_raw(addr, &get(lines), false).await;
        assert_eq!(wire.status, 400, "{lines:?}");
        assert!(wire.text().contains("Host"), "{}", wire.text());
    }
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    let wire = raw::send_raw(addr, &get("Host: ok.test\r\n"), false).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.text(), "served");
}
