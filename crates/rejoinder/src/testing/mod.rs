//! Driving an [`App`] in tests: in process, or over a loopback socket.
//!
//! [`TestClient`] runs requests through the full pipeline (handler, finalize,
//! reason phrase) without a socket and gives back status, reason, headers
//! and body. [`TestServer`] serves the app on an ephemeral `127.0.0.1` port
//! for tests about the wire.
//!
//! # Examples
//!
//! ```
//! use rejoinder::testing::TestClient;
//! use rejoinder::{App, Context};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let app = App::new().handler(async |ctx: &mut Context| {
//!     ctx.res.set_body("hi");
//! });
//! let res = TestClient::new(app).get("/").send().await;
//! assert_eq!(res.status(), 200);
//! assert_eq!(res.header("content-type"), Some("text/plain; charset=utf-8"));
//! assert_eq!(res.text(), "hi");
//! # }
//! ```

use std::future::IntoFuture;
use std::net::SocketAddr;

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use tokio::sync::oneshot;

use crate::{App, RequestBody};

pub mod raw;

/// Sends requests to an [`App`] in process.
#[derive(Debug, Clone)]
pub struct TestClient {
    app: App,
}

impl TestClient {
    /// A client for `app`.
    pub fn new(app: App) -> Self {
        TestClient { app }
    }

    /// A request with any method.
    pub fn request(&self, method: Method, path: &str) -> TestRequest<'_> {
        TestRequest {
            client: self,
            method,
            path: path.to_owned(),
            version: Version::HTTP_11,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// A GET request.
    pub fn get(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::GET, path)
    }

    /// A HEAD request.
    pub fn head(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::HEAD, path)
    }

    /// A POST request.
    pub fn post(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::POST, path)
    }
}

/// A request being built by a [`TestClient`].
#[derive(Debug)]
#[must_use = "a test request does nothing until sent"]
pub struct TestRequest<'a> {
    client: &'a TestClient,
    method: Method,
    path: String,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
}

impl TestRequest<'_> {
    /// Adds a request header.
    ///
    /// # Panics
    ///
    /// On an invalid name or value (a bug in the test).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("valid header name"),
            HeaderValue::from_str(value).expect("valid header value"),
        );
        self
    }

    /// Sets the HTTP version the request claims.
    pub fn version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// Sets the request body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends the request through the app and reads the whole response.
    ///
    /// # Panics
    ///
    /// When the path is not a valid URI or the response body fails.
    pub async fn send(self) -> TestResponse {
        let mut req = http::Request::builder()
            .method(self.method)
            .uri(self.path)
            .version(self.version)
            .body(RequestBody::new(Full::new(self.body)))
            .expect("valid test request");
        if !self.headers.contains_key(http::header::HOST) {
            req.headers_mut()
                .insert(http::header::HOST, HeaderValue::from_static("app.test"));
        }
        req.headers_mut().extend(self.headers);
        let res = self.client.app.handle(req).await;
        let (parts, body) = res.into_parts();
        let reason = parts
            .extensions
            .get::<hyper::ext::ReasonPhrase>()
            .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
            .or_else(|| parts.status.canonical_reason().map(str::to_owned))
            .unwrap_or_default();
        let body = body.collect().await.expect("response body").to_bytes();
        TestResponse {
            status: parts.status,
            reason,
            headers: parts.headers,
            body,
        }
    }
}

/// A response read by a [`TestClient`].
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    reason: String,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The reason phrase as it would be sent on HTTP/1.1.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The headers the app produced (the connection adds Date and, for full
    /// bodies, Content-Length).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of a header, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as UTF-8 text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    ///
    /// # Panics
    ///
    /// When the body is not valid JSON for `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).expect("response body is JSON")
    }
}

/// An app served on an ephemeral loopback port; shut down on drop.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Serves `app` on `127.0.0.1:0`.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound.
    pub async fn start(app: App) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(
            app.serve(listener)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .into_future(),
        );
        TestServer {
            addr,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Signals shutdown and waits for the server to finish in-flight work.
    ///
    /// # Errors
    ///
    /// The server task failed.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
