//! HTTPS over loopback with a certificate made in the test (rcgen):
//! HTTP/1.1 and HTTP/2 chosen by ALPN, PEM files, the handshake held to the
//! head timeout, a plain-text client on the TLS port, a tower service over
//! TLS, and what handlers see of the connection.
#![cfg(feature = "tls")]

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rejoinder::tls::rustls::{self, pki_types::ServerName};
use rejoinder::{App, ConnectionInfo, Context, Router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;

/// A bound on any single wait; hitting it means something hung.
const HANG: Duration = Duration::from_secs(10);

struct Cert {
    cert_pem: String,
    key_pem: String,
    der: rustls::pki_types::CertificateDer<'static>,
}

fn cert() -> Cert {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    Cert {
        cert_pem: made.cert.pem(),
        key_pem: made.key_pair.serialize_pem(),
        der: made.cert.der().clone(),
    }
}

fn app() -> App {
    App::new().router(
        Router::new()
            .get("/", async |ctx: &mut Context| {
                let conn = ctx.req.connection().expect("a server connection");
                format!(
                    "secure={} alpn={} sni={} href={}",
                    ctx.req.is_secure(),
                    String::from_utf8_lossy(conn.alpn_protocol().unwrap_or(b"-")),
                    conn.server_name().unwrap_or("-"),
                    ctx.href()
                )
            })
            .get("/back", async |ctx: &mut Context| {
                ctx.back(Some("/home"))?;
                Ok::<_, rejoinder::HttpError>(())
            }),
    )
}

/// Serves `app` over TLS; the address and a handle that stops it.
async fn start(app: App, cert: &Cert) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let config =
        rejoinder::tls::server_config_from_pem(cert.cert_pem.as_bytes(), cert.key_pem.as_bytes())
            .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = app
        .header_read_timeout(Duration::from_millis(300))
        .serve(listener)
        .tls(config);
    (
        addr,
        tokio::spawn(async move {
            serve.await.unwrap();
        }),
    )
}

fn connector(cert: &Cert, alpn: &[&[u8]]) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    TlsConnector::from(Arc::new(config))
}

async fn tls_stream(
    addr: std::net::SocketAddr,
    cert: &Cert,
    alpn: &[&[u8]],
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    connector(cert, alpn)
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

/// One GET over TLS with hyper's client; status, version, headers, body.
async fn get(
    addr: std::net::SocketAddr,
    cert: &Cert,
    alpn: &[u8],
    path: &str,
    referer: Option<&str>,
) -> (http::StatusCode, http::Version, http::HeaderMap, String) {
    let stream = TokioIo::new(tls_stream(addr, cert, &[alpn]).await);
    let mut req = http::Request::get(format!("https://localhost{path}"));
    if let Some(r) = referer {
        req = req.header("referer", r);
    }
    let req = req.body(Empty::<Bytes>::new()).unwrap();
    let res = if alpn == b"h2" {
        let (mut send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), stream)
            .await
            .unwrap();
        tokio::spawn(conn);
        send.send_request(req).await.unwrap()
    } else {
        let (mut send, conn) = hyper::client::conn::http1::handshake(stream).await.unwrap();
        tokio::spawn(conn);
        let req = {
            let (mut parts, body) = req.into_parts();
            parts.uri = path.parse().unwrap();
            parts
                .headers
                .insert("host", http::HeaderValue::from_static("localhost"));
            http::Request::from_parts(parts, body)
        };
        send.send_request(req).await.unwrap()
    };
    let (parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.version,
        parts.headers,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn http1_over_tls_by_alpn() {
    let cert = cert();
    let (addr, _server) = start(app(), &cert).await;
    let (status, version, _, body) = get(addr, &cert, b"http/1.1", "/", None).await;
    assert_eq!(status, 200);
    assert_eq!(version, http::Version::HTTP_11);
    assert_eq!(
        body,
        "secure=true alpn=http/1.1 sni=localhost href=https://localhost/"
    );
}

#[tokio::test]
async fn http2_over_tls_by_alpn() {
    let cert = cert();
    let (addr, _server) = start(app(), &cert).await;
    let (status, version, _, body) = get(addr, &cert, b"h2", "/", None).await;
    assert_eq!(status, 200);
    assert_eq!(version, http::Version::HTTP_2);
    assert!(
        body.starts_with("secure=true alpn=h2 sni=localhost"),
        "{body}"
    );
}

#[tokio::test]
async fn back_resolves_against_the_https_origin() {
    let cert = cert();
    let (addr, _server) = start(app(), &cert).await;
    let (status, _, headers, _) = get(
        addr,
        &cert,
        b"http/1.1",
        "/back",
        Some("https://localhost/from"),
    )
    .await;
    assert_eq!(status, 302);
    assert_eq!(headers["location"], "https://localhost/from");
    // `http:evil.test` is another host from an https: page.
    let (_, _, headers, _) = get(addr, &cert, b"h2", "/back", Some("http:evil.test")).await;
    assert_eq!(headers["location"], "/home");
}

#[tokio::test]
async fn certificate_and_key_from_pem_files() {
    let cert = cert();
    let dir = tempfile::tempdir().unwrap();
    let (c, k) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&c, &cert.cert_pem).unwrap();
    std::fs::write(&k, &cert.key_pem).unwrap();
    let config = rejoinder::tls::server_config(&c, &k).unwrap();
    assert_eq!(
        config.alpn_protocols,
        [b"h2".to_vec(), b"http/1.1".to_vec()]
    );

    // Each way of getting it wrong says what and where.
    let missing = rejoinder::tls::server_config(dir.path().join("none.pem"), &k).unwrap_err();
    assert!(missing.to_string().contains("none.pem"), "{missing}");
    let swapped = rejoinder::tls::server_config(&k, &c).unwrap_err();
    assert!(swapped.to_string().contains("no certificate"), "{swapped}");
    let other = self::cert();
    std::fs::write(&k, &other.key_pem).unwrap();
    let mismatched = rejoinder::tls::server_config(&c, &k).unwrap_err();
    assert!(
        mismatched.to_string().contains("cannot be used")
            && mismatched.to_string().contains("key.pem"),
        "{mismatched}"
    );
}

#[tokio::test]
async fn a_client_that_never_says_hello_is_closed_at_the_head_timeout() {
    let cert = cert();
    let (addr, _server) = start(app(), &cert).await;
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(HANG, silent.read(&mut buf))
        .await
        .expect("the silent connection was not closed")
        .unwrap_or(0);
    assert_eq!(n, 0);
    // The server still serves.
    let (status, ..) = get(addr, &cert, b"http/1.1", "/", None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn plain_http_on_the_tls_port_is_closed_and_serving_goes_on() {
    let cert = cert();
    let (addr, _server) = start(app(), &cert).await;
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let _ = tokio::time::timeout(HANG, plain.read_to_end(&mut got))
        .await
        .expect("the plain connection was not closed");
    assert!(!got.starts_with(b"HTTP/"), "answered in plain text");
    let (status, ..) = get(addr, &cert, b"h2", "/", None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_tower_service_over_tls_sees_the_connection() {
    let cert = cert();
    let config =
        rejoinder::tls::server_config_from_pem(cert.cert_pem.as_bytes(), cert.key_pem.as_bytes())
            .unwrap();
    let service = tower::service_fn(|req: http::Request<hyper::body::Incoming>| async move {
        let info = req.extensions().get::<ConnectionInfo>().cloned();
        let text = match info {
            Some(i) => format!(
                "secure={} peer={}",
                i.is_secure(),
                i.remote_addr().is_some()
            ),
            None => "none".to_owned(),
        };
        Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::new(
            Bytes::from(text),
        )))
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        rejoinder::serve(listener, service)
            .tls(config)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .into_future(),
    );
    let (status, _, _, body) = get(addr, &cert, b"http/1.1", "/", None).await;
    assert_eq!(
        (status.as_u16(), body.as_str()),
        (200, "secure=true peer=true")
    );
    let _ = stop.send(());
    tokio::time::timeout(HANG, server)
        .await
        .expect("shutdown hung")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn plain_connections_know_they_are_not_secure() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = App::new().router(Router::new().get("/", async |ctx: &mut Context| {
        format!("secure={} href={}", ctx.req.is_secure(), ctx.href())
    }));
    tokio::spawn(app.serve(listener).into_future());
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nhost: a.test\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut got = String::new();
    s.read_to_string(&mut got).await.unwrap();
    assert!(got.ends_with("secure=false href=http://a.test/"), "{got}");
}

#[cfg(feature = "cookies")]
#[tokio::test]
async fn cookies_set_over_tls_are_secure() {
    let cert = cert();
    let app = App::new().router(Router::new().get("/", async |ctx: &mut Context| {
        ctx.set_cookie(("theme", "dark"))?;
        Ok::<_, rejoinder::Abort>("set")
    }));
    let (addr, _server) = start(app, &cert).await;
    for alpn in [&b"http/1.1"[..], b"h2"] {
        let (status, _, headers, _) = get(addr, &cert, alpn, "/", None).await;
        assert_eq!(status, 200);
        let cookie = headers["set-cookie"].to_str().unwrap();
        assert!(cookie.contains("; Secure"), "{cookie}");
        assert!(cookie.starts_with("theme=dark"), "{cookie}");
    }
}

/// Over TLS a file's bytes go through rustls (never `sendfile`, which
/// would bypass the encryption): a file past the preload size arrives
/// whole and unaltered on HTTP/1.1 and HTTP/2.
#[cfg(feature = "fs")]
#[tokio::test]
async fn a_large_file_over_tls_arrives_unaltered() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..700_001u32)
        .map(|i| char::from(b'a' + ((i * 7 + i / 26) % 26) as u8))
        .collect();
    std::fs::write(dir.path().join("big.txt"), &text).unwrap();
    let cert = cert();
    let app =
        App::new().router(Router::new().mount("/f", rejoinder::fs::ServeDir::new(dir.path())));
    let (addr, _server) = start(app, &cert).await;
    for alpn in [&b"http/1.1"[..], b"h2"] {
        let (status, _, headers, body) = get(addr, &cert, alpn, "/f/big.txt", None).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-length"], "700001");
        assert!(
            body == text,
            "the body differs over {}",
            String::from_utf8_lossy(alpn)
        );
    }
}

#[tokio::test]
async fn a_handler_is_cancelled_when_its_tls_client_leaves() {
    // A client that closes its connection while its handler runs: the
    // handler's future is dropped, under TLS as on plain TCP.
    let cert = cert();
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel::<&'static str>();
    struct Dropped(tokio::sync::mpsc::UnboundedSender<&'static str>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            let _ = self.0.send("dropped");
        }
    }
    let app = App::new().handler(rejoinder::handler_fn(move |_ctx| {
        let guard = Dropped(tx.clone());
        let _ = tx.send("started");
        Box::pin(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        })
    }));
    let (addr, _server) = start(app, &cert).await;
    let mut tls = tls_stream(addr, &cert, &[b"http/1.1"]).await;
    tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    tls.flush().await.unwrap();
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .ok()
            .flatten(),
        Some("started")
    );
    drop(tls);
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .ok()
            .flatten(),
        Some("dropped"),
        "the handler outlived its client"
    );
}
