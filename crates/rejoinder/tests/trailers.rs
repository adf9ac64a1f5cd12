//! Trailers over HTTP/1.1 (chunked, with `TE: trailers`) and HTTP/2, with a
//! value produced by a future after the body.

mod common;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rejoinder::http::Request;
use rejoinder::testing::raw;

async fn server() -> rejoinder::testing::TestServer {
    common::server(|ctx| {
        ctx.res.set_body("payload");
        let trailers = ctx.res.trailers_mut();
        trailers.insert("x-checksum", "abc123")?;
        trailers.insert_future("x-elapsed", async {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            Ok::<_, std::io::Error>("20ms".to_string())
        })?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn trailers_over_http1_when_asked_for() {
    let srv = server().await;
    let wire = raw::send(srv.addr(), "GET", "/", &[("TE", "trailers")]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.header("trailer"), Some("x-checksum, x-elapsed"));
    assert_eq!(wire.header("transfer-encoding"), Some("chunked"));
    assert!(wire.header("content-length").is_none());
    assert_eq!(wire.text(), "payload");
    assert_eq!(
        wire.trailers,
        [
            ("x-checksum".to_string(), "abc123".to_string()),
            ("x-elapsed".to_string(), "20ms".to_string())
        ]
    );
    // Without TE: trailers the body still arrives, without the trailer fields.
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.text(), "payload");
    assert!(wire.trailers.is_empty());
}

#[tokio::test]
async fn trailers_over_http2() {
    let srv = server().await;
    let stream = tokio::net::TcpStream::connect(srv.addr()).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = Request::get(srv.url("/"))
        .body(Empty::<Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.headers()["trailer"], "x-checksum, x-elapsed");
    let collected = res.into_body().collect().await.unwrap();
    let trailers = collected.trailers().cloned().unwrap();
    assert_eq!(trailers["x-checksum"], "abc123");
    assert_eq!(trailers["x-elapsed"], "20ms");
    assert_eq!(collected.to_bytes(), "payload");
}

#[test]
fn forbidden_and_invalid_trailers_are_refused() {
    let mut res = rejoinder::Response::new();
    for name in [
        "Content-Length",
        "transfer-encoding",
        "host",
        "content-type",
        "set-cookie",
    ] {
        let err = res.trailers_mut().insert(name, "x").unwrap_err();
        assert!(
            err.to_string().starts_with("Forbidden trailer name"),
            "{err}"
        );
    }
    assert!(res.trailers_mut().insert("x-ok", "a\r\nb").is_err());
    assert!(res.trailers_mut().insert("bad name", "v").is_err());
    assert!(res.trailers().is_none());
}

#[tokio::test]
async fn trailers_survive_body_filters_and_the_log_phase() {
    let app = rejoinder::App::new()
        .handler(async |ctx: &mut rejoinder::Context| {
            ctx.res.set_body("abc");
            let _ = ctx.res.trailers_mut().insert("x-t", "1");
        })
        .body_filter(|chunk| {
            if let Some(b) = chunk.raw_body() {
                chunk.set_raw_body(b.to_ascii_uppercase());
            }
        })
        .log(|_| {});
    let srv = rejoinder::testing::TestServer::start(app).await;
    let wire = raw::send(srv.addr(), "GET", "/", &[("TE", "trailers")]).await;
    assert_eq!(wire.text(), "ABC");
    assert_eq!(wire.trailers, [("x-t".to_string(), "1".to_string())]);
}
