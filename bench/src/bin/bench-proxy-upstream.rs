//! proxy.sh's upstream: `GET /plaintext` gives `Hello, World!`, `GET /1m`
//! one MiB of bytes; every proxy under test forwards to it.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use tokio::net::TcpListener;

use rejoinder_bench::MIB;

async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (body, ct) = match req.uri().path() {
        "/plaintext" => (Bytes::from_static(b"Hello, World!"), "text/plain"),
        "/1m" => (Bytes::from_static(&MIB), "application/octet-stream"),
        _ => {
            let mut res = Response::new(Full::new(Bytes::new()));
            *res.status_mut() = StatusCode::NOT_FOUND;
            return Ok(res);
        }
    };
    let mut res = Response::new(Full::new(body));
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(res)
}

fn main() -> std::io::Result<()> {
    let port = rejoinder_bench::port();
    rejoinder_bench::runtime()?.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        eprintln!("bench-proxy-upstream listening on 127.0.0.1:{port}");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service_fn(handle))
                    .await;
            });
        }
    })
}
