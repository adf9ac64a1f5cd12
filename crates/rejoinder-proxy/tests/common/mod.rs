//! Real upstream servers (hyper, HTTP/1.1 and h2c) and a client, over
//! loopback, for the proxy's tests.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};

use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rejoinder::testing::TestServer;
use rejoinder::{App, BoxError, Router};
use rejoinder_proxy::{Proxy, Upstreams};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub type TestBody = BoxBody<Bytes, BoxError>;

/// One upstream server: its address, its name (sent as `X-Upstream`) and
/// how many connections it accepted.
pub struct Upstream {
    pub addr: SocketAddr,
    pub accepted: Arc<AtomicUsize>,
    pub requests: Arc<AtomicUsize>,
}

impl Upstream {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn h2c_url(&self) -> String {
        format!("h2c://{}", self.addr)
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// An HTTP/1.1 upstream named `name`.
    pub async fn start(name: &'static str) -> Upstream {
        Upstream::serve(name, false).await
    }

    /// An h2c (HTTP/2 prior knowledge) upstream named `name`.
    pub async fn start_h2c(name: &'static str) -> Upstream {
        Upstream::serve(name, true).await
    }

    async fn serve(name: &'static str, h2: bool) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (acc, reqs) = (accepted.clone(), requests.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                acc.fetch_add(1, Ordering::SeqCst);
                let reqs = reqs.clone();
                tokio::spawn(async move {
                    let io = TokioIo::new(stream);
                    let svc = hyper::service::service_fn(move |req| {
                        reqs.fetch_add(1, Ordering::SeqCst);
                        upstream_service(name, req)
                    });
                    if h2 {
                        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                            .serve_connection(io, svc)
                            .await;
                    } else {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, svc)
                            .with_upgrades()
                            .await;
                    }
                });
            }
        });
        Upstream {
            addr,
            accepted,
            requests,
        }
    }
}

fn full(b: impl Into<Bytes>) -> TestBody {
    Full::new(b.into()).map_err(|e| match e {}).boxed()
}

/// What the upstream answers, by path.
async fn upstream_service(
    name: &'static str,
    mut req: Request<Incoming>,
) -> Result<Response<TestBody>, Infallible> {
    let path = req.uri().path().to_owned();
    let mut res = match path.as_str() {
        p if p.ends_with("/reason") => {
            let mut res = Response::new(full("made"));
            *res.status_mut() = StatusCode::CREATED;
            res.extensions_mut()
                .insert(hyper::ext::ReasonPhrase::try_from(&b"Made It Myself"[..]).unwrap());
            res.headers_mut()
                .append("x-multi", HeaderValue::from_static("one"));
            res.headers_mut()
                .append("x-multi", HeaderValue::from_static("two"));
            res.headers_mut()
                .append("set-cookie", HeaderValue::from_static("a=1"));
            res.headers_mut()
                .append("set-cookie", HeaderValue::from_static("b=2"));
            res.headers_mut()
                .insert("content-type", HeaderValue::from_static("text/x-made"));
            res
        }
        p if p.ends_with("/echo") => {
            // The request as the upstream saw it: method, URI, headers.
            let mut lines = format!("{} {}\n", req.method(), req.uri());
            let mut names: Vec<_> = req
                .headers()
                .keys()
                .map(|k| k.as_str().to_owned())
                .collect();
            names.sort();
            names.dedup();
            for n in names {
                for v in req.headers().get_all(&n) {
                    lines.push_str(&format!("{n}: {}\n", v.to_str().unwrap_or("?")));
                }
            }
            let body = req
                .into_body()
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            lines.push_str(&format!("body: {}\n", String::from_utf8_lossy(&body)));
            Response::new(full(lines))
        }
        p if p.ends_with("/hop") => {
            let mut res = Response::new(full("hop"));
            let h = res.headers_mut();
            h.insert("connection", HeaderValue::from_static("x-private"));
            h.insert("x-private", HeaderValue::from_static("secret"));
            h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
            h.insert("proxy-authenticate", HeaderValue::from_static("Basic"));
            h.insert("x-public", HeaderValue::from_static("yes"));
            res
        }
        p if p.ends_with("/grpc-ish") => {
            // Trailers without a Trailer header, as gRPC servers send them.
            let frames: Vec<Result<Frame<Bytes>, BoxError>> = vec![
                Ok(Frame::data(Bytes::from_static(b"message"))),
                Ok(Frame::trailers({
                    let mut t = HeaderMap::new();
                    t.insert("grpc-status", HeaderValue::from_static("0"));
                    t.insert("grpc-message", HeaderValue::from_static("fine"));
                    t
                })),
            ];
            Response::new(StreamBody::new(futures_util::stream::iter(frames)).boxed())
        }
        p if p.ends_with("/trailers") => {
            let frames: Vec<Result<Frame<Bytes>, BoxError>> = vec![
                Ok(Frame::data(Bytes::from_static(b"part one, "))),
                Ok(Frame::data(Bytes::from_static(b"part two"))),
                Ok(Frame::trailers({
                    let mut t = HeaderMap::new();
                    t.insert("x-checksum", HeaderValue::from_static("c0ffee"));
                    t
                })),
            ];
            let body = StreamBody::new(futures_util::stream::iter(frames)).boxed();
            let mut res = Response::new(body);
            res.headers_mut()
                .insert("trailer", HeaderValue::from_static("x-checksum"));
            res
        }
        p if p.ends_with("/big") => {
            let n: u64 = req
                .uri()
                .query()
                .and_then(|q| q.parse().ok())
                .unwrap_or(1 << 20);
            static CHUNK: [u8; 64 * 1024] = [b'x'; 64 * 1024];
            let chunks = n.div_ceil(CHUNK.len() as u64);
            let stream = futures_util::stream::iter((0..chunks).map(move |i| {
                let left = n - i * CHUNK.len() as u64;
                let len = left.min(CHUNK.len() as u64) as usize;
                Ok::<_, BoxError>(Frame::data(Bytes::from_static(&CHUNK[..len])))
            }));
            let mut res = Response::new(StreamBody::new(stream).boxed());
            res.headers_mut()
                .insert("content-length", HeaderValue::from(n));
            res
        }
        p if p.ends_with("/upload") => {
            let mut n = 0u64;
            let mut body = req.into_body();
            while let Some(frame) = body.frame().await {
                match frame {
                    Ok(f) => n += f.data_ref().map_or(0, |d| d.len() as u64),
                    Err(_) => break,
                }
            }
            Response::new(full(n.to_string()))
        }
        p if p.ends_with("/slow") => {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            Response::new(full("late"))
        }
        p if p.ends_with("/stall") => {
            // Sends a head and a first chunk, then nothing.
            let first = futures_util::stream::iter([Ok::<_, BoxError>(Frame::data(
                Bytes::from_static(b"first"),
            ))]);
            let stream = futures_util::StreamExt::chain(first, futures_util::stream::pending());
            Response::new(StreamBody::new(stream).boxed())
        }
        p if p.ends_with("/trickle") => {
            // Six chunks 50 ms apart: never idle for long, slow in total.
            let stream = futures_util::stream::unfold(0u8, |i| async move {
                if i == 6 {
                    return None;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                Some((
                    Ok::<_, BoxError>(Frame::data(Bytes::from_static(b"drop "))),
                    i + 1,
                ))
            });
            Response::new(StreamBody::new(stream).boxed())
        }
        p if p.ends_with("/midbody") => {
            // Promises 100 bytes, sends 10, then fails: the connection drops.
            let stream = futures_util::stream::iter([
                Ok::<_, BoxError>(Frame::data(Bytes::from_static(b"0123456789"))),
                Err("upstream broke".into()),
            ]);
            let mut res = Response::new(StreamBody::new(stream).boxed());
            res.headers_mut()
                .insert("content-length", HeaderValue::from(100));
            res
        }
        p if p.ends_with("/ws") => {
            let upgrade = hyper::upgrade::on(&mut req);
            tokio::spawn(async move {
                if let Ok(up) = upgrade.await {
                    let mut io = TokioIo::new(up);
                    let mut buf = [0u8; 1024];
                    loop {
                        match io.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => {
                                let mut reply = b"echo:".to_vec();
                                reply.extend_from_slice(&buf[..n]);
                                if io.write_all(&reply).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                }
            });
            let mut res = Response::new(Empty::new().map_err(|e| match e {}).boxed());
            *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
            res.headers_mut()
                .insert("connection", HeaderValue::from_static("upgrade"));
            res.headers_mut()
                .insert("upgrade", HeaderValue::from_static("echo"));
            res
        }
        _ => Response::new(full(format!("hello from {name}"))),
    };
    res.headers_mut()
        .insert("x-upstream", HeaderValue::from_static(name));
    Ok(res)
}

/// An address where nothing listens (bound, then closed).
pub async fn closed_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

/// An upstream that accepts and closes each connection at once (a reset
/// before the response head). Counts what it accepted.
pub async fn slamming_upstream() -> (SocketAddr, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            drop(s);
        }
    });
    (addr, count)
}

/// An app whose router mounts `proxy` at `/`.
pub async fn gateway(proxy: Proxy) -> TestServer {
    TestServer::start(App::new().router(Router::new().mount("/", proxy))).await
}

/// A proxy to these upstream URLs.
pub fn proxy_to(urls: &[String]) -> Proxy {
    Proxy::new(Upstreams::parse(&urls.join(",")).unwrap())
}

pub fn client() -> Client<HttpConnector, TestBody> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// A client speaking HTTP/2 with prior knowledge.
pub fn h2_client() -> Client<HttpConnector, TestBody> {
    Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http()
}

pub fn get(url: &str) -> Request<TestBody> {
    Request::get(url).body(full(Bytes::new())).unwrap()
}

pub fn request(method: &str, url: &str, body: impl Into<Bytes>) -> Request<TestBody> {
    Request::builder()
        .method(method)
        .uri(url)
        .body(full(body.into()))
        .unwrap()
}

/// Sends and collects the whole body.
pub async fn send(req: Request<TestBody>) -> (http::response::Parts, Bytes) {
    let res = client().request(req).await.unwrap();
    let (parts, body) = res.into_parts();
    (parts, body.collect().await.unwrap().to_bytes())
}

pub fn text(b: &Bytes) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The VmRSS of this process in KiB.
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// An upstream that sends a head promising 100 bytes, sends 10 and closes
/// the connection (a failure mid-body).
pub async fn truncating_upstream() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789")
                    .await;
                let _ = s.flush().await;
                drop(s);
            });
        }
    });
    addr
}

/// An address whose listen queue is full, so a new connection's handshake
/// never completes (a connect timeout). Keep the guard alive.
pub async fn unanswering_upstream() -> (
    SocketAddr,
    Vec<tokio::net::TcpStream>,
    tokio::net::TcpListener,
) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    // Fill the queue: connections complete until it is full, then hang.
    for _ in 0..8 {
        match tokio::time::timeout(
            std::time::Duration::from_millis(100),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => fillers.push(s),
            _ => break,
        }
    }
    (addr, fillers, listener)
}
