//! proxy.sh's baseline: a bare reverse proxy on hyper-util alone — the
//! server's `auto::Builder` in front, the legacy pooled `Client` behind,
//! the request and the response passed through as they are (no header
//! rewriting, no phases).
//!
//! Usage: bench-hyper-proxy PORT http://UPSTREAM_HOST:PORT

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::TcpListener;

type Body = BoxBody<Bytes, hyper::Error>;

fn main() -> std::io::Result<()> {
    let port = rejoinder_bench::port();
    let upstream = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "http://127.0.0.1:8081".into());
    let authority = upstream.trim_start_matches("http://").to_owned();
    rejoinder_bench::runtime()?.block_on(async move {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client: Client<HttpConnector, Incoming> = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_max_idle_per_host(64)
            .build(connector);
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        eprintln!("bench-hyper-proxy listening on 127.0.0.1:{port} -> {upstream}");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (client, authority) = (client.clone(), authority.clone());
            tokio::spawn(async move {
                let svc = service_fn(move |mut req: Request<Incoming>| {
                    let client = client.clone();
                    let pq = req.uri().path_and_query().map_or("/", |p| p.as_str());
                    let uri = Uri::builder()
                        .scheme("http")
                        .authority(authority.as_str())
                        .path_and_query(pq)
                        .build();
                    async move {
                        let Ok(uri) = uri else {
                            return Ok::<_, hyper::Error>(status(StatusCode::BAD_REQUEST));
                        };
                        *req.uri_mut() = uri;
                        req.headers_mut().remove(hyper::header::HOST);
                        Ok(match client.request(req).await {
                            Ok(res) => res.map(BodyExt::boxed),
                            Err(_) => status(StatusCode::BAD_GATEWAY),
                        })
                    }
                });
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    })
}

fn status(code: StatusCode) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::new()).map_err(|e| match e {}).boxed());
    *res.status_mut() = code;
    res
}
