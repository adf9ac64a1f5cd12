//! tower and tower-http layers with rejoinder, over loopback: inside an app
//! (`App::layer`) and around one (`rejoinder::serve` of a `ServiceBuilder`
//! stack), with the server's limits and shutdown kept.

use std::convert::Infallible;
use std::future::IntoFuture;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rejoinder::testing::{raw, TestServer};
use rejoinder::{App, Body, Bytes, Context, HttpError, Router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// A bound on any single wait; hitting it means something hung.
const HANG: Duration = Duration::from_secs(10);

/// 256 KiB that gzip cannot shrink much (so the encoder must emit output
/// before the stream ends).
fn noise(seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..256 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// A stream (made with `unfold`, which panics if polled after its end)
/// that sends one chunk, waits for `go`, then sends a second and ends.
fn gated_stream(go: Arc<Notify>) -> Body {
    let stream = futures_util::stream::unfold(0u8, move |step| {
        let go = go.clone();
        async move {
            match step {
                0 => Some((Ok::<_, Infallible>(Bytes::from(noise(1))), 1)),
                1 => {
                    go.notified().await;
                    Some((Ok(Bytes::from(noise(2))), 2))
                }
                _ => None,
            }
        }
    });
    Body::stream(stream)
}

fn streaming_router(go: Arc<Notify>) -> Router {
    Router::new().get(
        "/stream",
        rejoinder::handler_fn(move |ctx: &mut Context| {
            ctx.res.set_type("application/octet-stream").ok();
            ctx.res.set_body(gated_stream(go.clone()));
            Box::pin(async {})
        }),
    )
}

/// Reads the response head and the first body bytes, tells the stream to
/// go on, reads to the end; returns the head and the de-chunked body.
async fn read_gated(addr: std::net::SocketAddr, go: &Notify) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        b"GET /stream HTTP/1.1\r\nHost: app.test\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    let mut raw_bytes = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    // The first compressed bytes arrive while the stream is still waiting.
    loop {
        let n = tokio::time::timeout(HANG, s.read(&mut buf))
            .await
            .expect("compressed bytes before the stream ended")
            .unwrap();
        assert!(n > 0, "closed early");
        raw_bytes.extend_from_slice(&buf[..n]);
        if let Some(end) = raw_bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            if raw_bytes.len() > end + 4 + 1024 {
                break;
            }
        }
    }
    go.notify_one();
    tokio::time::timeout(HANG, s.read_to_end(&mut raw_bytes))
        .await
        .unwrap()
        .unwrap();
    let end = raw_bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw_bytes[..end]).to_ascii_lowercase();
    let (body, _) = raw::dechunk(&raw_bytes[end + 4..]);
    (head, body)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a complete gzip stream");
    out
}

#[tokio::test]
async fn compression_keeps_a_stream_streaming_and_complete() {
    let go = Arc::new(Notify::new());
    let app = App::new()
        .router(streaming_router(go.clone()))
        .layer(CompressionLayer::new());
    let srv = TestServer::start(app).await;
    let (head, body) = read_gated(srv.addr(), &go).await;
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    let mut expected = noise(1);
    expected.extend(noise(2));
    assert_eq!(gunzip(&body), expected);
}

#[tokio::test]
async fn compression_around_an_app_through_rejoinder_serve() {
    let go = Arc::new(Notify::new());
    let app = App::new().router(streaming_router(go.clone()));
    let service = ServiceBuilder::new()
        .layer(CompressionLayer::new())
        .service(app);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(rejoinder::serve(listener, service).into_future());
    let (head, body) = read_gated(addr, &go).await;
    assert!(head.contains("content-encoding: gzip"), "{head}");
    let mut expected = noise(1);
    expected.extend(noise(2));
    assert_eq!(gunzip(&body), expected);
    server.abort();
}

#[tokio::test]
async fn a_served_service_keeps_the_connection_limits_and_shutdown() {
    let app = App::new().router(Router::new().get("/", async |_: &mut Context| "hi"));
    let service = ServiceBuilder::new()
        .layer(CompressionLayer::new())
        .service(app);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        rejoinder::serve(listener, service)
            .header_read_timeout(Duration::from_millis(150))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .into_future(),
    );
    // A silent connection is closed at the head timeout.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut sink = Vec::new();
    let read = tokio::time::timeout(HANG, silent.read_to_end(&mut sink)).await;
    assert!(matches!(read, Ok(Ok(0))), "closed without a word");
    // The URI limit applies around any service.
    let long = format!("/{}", "a".repeat(9 * 1024));
    assert_eq!(raw::send(addr, "GET", &long, &[]).await.status, 414);
    assert_eq!(raw::send(addr, "GET", "/", &[]).await.text(), "hi");
    stop.send(()).unwrap();
    tokio::time::timeout(HANG, server)
        .await
        .expect("graceful shutdown")
        .unwrap()
        .unwrap();
}

fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([http::Method::GET, http::Method::POST])
        .allow_headers([http::header::CONTENT_TYPE])
}

#[tokio::test]
async fn cors_answers_preflights_inside_and_around_an_app() {
    let router = || Router::new().post("/items", async |_: &mut Context| "made");
    let inside = TestServer::start(App::new().router(router()).layer(cors())).await;
    // Around it: the E0277 of the report (`ResBody: Default`) is gone.
    let around = ServiceBuilder::new()
        .layer(cors())
        .service(App::new().router(router()));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let around_addr = listener.local_addr().unwrap();
    let around_task = tokio::spawn(rejoinder::serve(listener, around).into_future());
    for addr in [inside.addr(), around_addr] {
        let wire = raw::send(
            addr,
            "OPTIONS",
            "/items",
            &[
                ("Origin", "https://site.test"),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type"),
            ],
        )
        .await;
        assert_eq!(wire.status, 200);
        assert_eq!(wire.header("access-control-allow-origin"), Some("*"));
        let methods = wire.header("access-control-allow-methods").unwrap();
        assert!(methods.contains("POST"), "{methods}");
        // The actual request gets the header too.
        let wire = raw::send(addr, "POST", "/items", &[("Origin", "https://site.test")]).await;
        assert_eq!((wire.status, wire.text().as_str()), (200, "made"));
        assert_eq!(wire.header("access-control-allow-origin"), Some("*"));
    }
    around_task.abort();
}

#[tokio::test]
async fn tower_http_timeout_answers_for_a_slow_handler() {
    let router = Router::new()
        .get("/slow", async |_: &mut Context| {
            tokio::time::sleep(HANG).await;
            "late"
        })
        .get("/quick", async |_: &mut Context| "quick");
    let app = App::new()
        .router(router)
        .layer(TimeoutLayer::with_status_code(
            http::StatusCode::GATEWAY_TIMEOUT,
            Duration::from_millis(100),
        ));
    let srv = TestServer::start(app).await;
    assert_eq!(raw::send(srv.addr(), "GET", "/slow", &[]).await.status, 504);
    assert_eq!(
        raw::send(srv.addr(), "GET", "/quick", &[]).await.status,
        200
    );
}

#[tokio::test]
async fn trace_layer_sees_every_request_and_its_status() {
    let seen: Arc<Mutex<Vec<(String, u16)>>> = Arc::default();
    let record = seen.clone();
    let trace = TraceLayer::new_for_http().on_response(
        move |res: &http::Response<_>, _latency: Duration, span: &tracing::Span| {
            let _ = span;
            record
                .lock()
                .unwrap()
                .push(("response".into(), res.status().as_u16()));
        },
    );
    let app = App::new()
        .router(Router::new().get("/", async |_: &mut Context| "ok"))
        .layer(trace);
    let srv = TestServer::start(app).await;
    assert_eq!(raw::send(srv.addr(), "GET", "/", &[]).await.status, 200);
    assert_eq!(
        raw::send(srv.addr(), "GET", "/missing", &[]).await.status,
        404
    );
    assert_eq!(
        *seen.lock().unwrap(),
        vec![("response".to_owned(), 200), ("response".to_owned(), 404)]
    );
}

#[tokio::test]
async fn request_body_limit_layer_refuses_large_bodies() {
    let router = Router::new().post("/upload", async |ctx: &mut Context| {
        let body = ctx.req.bytes().await?;
        Ok::<_, HttpError>(format!("{} bytes", body.len()))
    });
    let app = App::new()
        .router(router)
        .layer(RequestBodyLimitLayer::new(1024));
    let srv = TestServer::start(app).await;
    let post = |body: Vec<u8>, chunked: bool| {
        let mut req = b"POST /upload HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n".to_vec();
        if chunked {
            req.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            req.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
            req.extend_from_slice(&body);
            req.extend_from_slice(b"\r\n0\r\n\r\n");
        } else {
            req.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            req.extend_from_slice(&body);
        }
        req
    };
    let small = raw::send_raw(srv.addr(), &post(vec![b'a'; 1000], false), false).await;
    assert_eq!((small.status, small.text().as_str()), (200, "1000 bytes"));
    // Declared too large: the layer answers without calling the app.
    let large = raw::send_raw(srv.addr(), &post(vec![b'a'; 4096], false), false).await;
    assert_eq!(large.status, 413);
    // Chunked, found too large while reading: the app's reader says 413.
    let large = raw::send_raw(srv.addr(), &post(vec![b'a'; 4096], true), false).await;
    assert_eq!(large.status, 413);
}
