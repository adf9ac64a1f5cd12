//! The server's limits over loopback: connections that never speak, idle
//! keep-alive connections, slow heads, the connection cap, head size and
//! header count (431), URI length (414), the request timeout, and accept
//! errors when the process runs out of file descriptors.
//!
//! Timeouts are configured short; every wait is bounded by a generous
//! outer timeout that only turns a hang into a failure (nothing is timed).

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rejoinder::testing::{raw, TestClient, TestServer};
use rejoinder::{App, Context, Router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A bound on any single wait; hitting it means the server hung.
const HANG: Duration = Duration::from_secs(10);

fn hello() -> Router {
    Router::new()
        .get("/", async |_: &mut Context| "hello")
        .get("/{*rest}", async |_: &mut Context| "deep")
}

/// Reads until the peer closes; panics if that takes longer than [`HANG`].
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    tokio::time::timeout(HANG, stream.read_to_end(&mut buf))
        .await
        .expect("the server closed the connection")
        .map(|_| buf)
        .unwrap_or_default()
}

/// Reads one response with a Content-Length from a keep-alive connection.
async fn read_response(stream: &mut TcpStream) -> raw::Wire {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if buf.len() >= end + 4 + length {
                return raw::parse(&buf[..end + 4 + length], false);
            }
        }
        let n = tokio::time::timeout(HANG, stream.read(&mut chunk))
            .await
            .expect("a response in time")
            .expect("read");
        assert!(n > 0, "connection closed before a full response: {buf:?}");
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn get(stream: &mut TcpStream, path: &str) -> raw::Wire {
    let req = format!("GET {path} HTTP/1.1\r\nHost: app.test\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    read_response(stream).await
}

#[tokio::test]
async fn a_connection_that_never_speaks_is_closed_at_the_header_read_timeout() {
    let app = App::new()
        .router(hello())
        .header_read_timeout(Duration::from_millis(150));
    let srv = TestServer::start(app).await;
    let mut silent: Vec<TcpStream> = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(srv.addr()).await.unwrap());
    }
    for stream in &mut silent {
        assert!(
            read_until_closed(stream).await.is_empty(),
            "closed without an answer"
        );
    }
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 200);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_at_the_keep_alive_timeout() {
    let app = App::new()
        .router(hello())
        .keep_alive_timeout(Duration::from_millis(150));
    let srv = TestServer::start(app).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    for _ in 0..3 {
        assert_eq!(get(&mut stream, "/").await.status, 200);
    }
    assert!(read_until_closed(&mut stream).await.is_empty());
}

#[tokio::test]
async fn a_keep_alive_connection_in_use_stays_open() {
    // Requests keep coming faster than the idle timeout: the connection is
    // never closed between them, however long the sequence lasts.
    let app = App::new()
        .router(hello())
        .keep_alive_timeout(Duration::from_millis(500))
        .header_read_timeout(Duration::from_millis(500));
    let srv = TestServer::start(app).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    // Eight gaps of a fifth of the timeout: longer than it in all.
    for _ in 0..8 {
        assert_eq!(get(&mut stream, "/").await.status, 200);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_slow_head_after_a_keep_alive_request_is_cut_off() {
    let app = App::new()
        .router(hello())
        .header_read_timeout(Duration::from_millis(150))
        .keep_alive_timeout(Duration::from_secs(60));
    let srv = TestServer::start(app).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    assert_eq!(get(&mut stream, "/").await.status, 200);
    // The next head starts but never ends: the header timeout applies from
    // its first byte, not the minute-long idle timeout.
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: a")
        .await
        .unwrap();
    assert!(read_until_closed(&mut stream).await.is_empty());
}

#[tokio::test]
async fn a_long_response_is_not_cut_off_by_the_idle_timeout() {
    // A handler slower than both timeouts: the connection is busy, not idle.
    let router = Router::new().get("/slow", async |_: &mut Context| {
        tokio::time::sleep(Duration::from_millis(400)).await;
        "done"
    });
    let app = App::new()
        .router(router)
        .header_read_timeout(Duration::from_millis(100))
        .keep_alive_timeout(Duration::from_millis(100));
    let srv = TestServer::start(app).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    let wire = get(&mut stream, "/slow").await;
    assert_eq!((wire.status, wire.text().as_str()), (200, "done"));
}

#[tokio::test]
async fn connections_over_the_cap_are_refused_while_open_ones_are_served() {
    let app = App::new().router(hello()).max_connections(2);
    let srv = TestServer::start(app).await;
    let mut first = TcpStream::connect(srv.addr()).await.unwrap();
    let mut second = TcpStream::connect(srv.addr()).await.unwrap();
    // A served request proves each connection was accepted under the cap.
    assert_eq!(get(&mut first, "/").await.status, 200);
    assert_eq!(get(&mut second, "/").await.status, 200);

    for _ in 0..5 {
        let mut over = TcpStream::connect(srv.addr()).await.unwrap();
        let answer = read_until_closed(&mut over).await;
        let wire = raw::parse(&answer, false);
        assert_eq!(wire.status, 503);
        assert_eq!(wire.header("connection"), Some("close"));
        assert!(wire.text().contains("limit of open connections"));
    }
    // The open connections are still served.
    assert_eq!(get(&mut first, "/").await.status, 200);
    assert_eq!(get(&mut second, "/").await.status, 200);

    // Closing one frees its place: the server releases it before the
    // socket closes, so the next client is served at once.
    first
        .write_all(b"GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let last = read_until_closed(&mut first).await;
    assert_eq!(raw::parse(&last, false).status, 200);
    let wire = raw::send(srv.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 200);
}

fn head_with(extra: usize) -> Vec<u8> {
    let mut req = b"GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n".to_vec();
    req.extend_from_slice(b"X-Filler: ");
    req.extend(std::iter::repeat_n(b'a', extra));
    req.extend_from_slice(b"\r\n\r\n");
    req
}

#[tokio::test]
async fn heads_over_the_size_limit_are_431() {
    let app = App::new().router(hello()).max_head_size(16 * 1024);
    let srv = TestServer::start(app).await;
    assert_eq!(
        raw::send_raw(srv.addr(), &head_with(12 * 1024), false)
            .await
            .status,
        200
    );
    assert_eq!(
        raw::send_raw(srv.addr(), &head_with(17 * 1024), false)
            .await
            .status,
        431
    );
    // The default is 64 KiB: the 100 KB head of the report is refused.
    let srv = TestServer::start(App::new().router(hello())).await;
    assert_eq!(
        raw::send_raw(srv.addr(), &head_with(60 * 1024), false)
            .await
            .status,
        200
    );
    assert_eq!(
        raw::send_raw(srv.addr(), &head_with(100 * 1024), false)
            .await
            .status,
        431
    );
}

fn with_headers(count: usize) -> Vec<u8> {
    let mut req = String::from("GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n");
    for i in 0..count.saturating_sub(2) {
        req.push_str(&format!("X-H{i}: {i}\r\n"));
    }
    req.push_str("\r\n");
    req.into_bytes()
}

#[tokio::test]
async fn requests_over_the_header_count_are_431() {
    let app = || App::new().router(hello()).max_headers(10);
    let srv = TestServer::start(app()).await;
    assert_eq!(
        raw::send_raw(srv.addr(), &with_headers(10), false)
            .await
            .status,
        200
    );
    assert_eq!(
        raw::send_raw(srv.addr(), &with_headers(11), false)
            .await
            .status,
        431
    );
    // The same limit without hyper's parser in the way (in process).
    let client = TestClient::new(app());
    let mut req = client.get("/");
    for i in 0..10 {
        req = req.header(&format!("x-h{i}"), "v");
    }
    let res = req.send().await;
    assert_eq!(res.status(), 431);
    assert!(res.text().contains("11 header fields"), "{}", res.text());
    // The default, 100, as hyper's.
    let srv = TestServer::start(App::new().router(hello())).await;
    assert_eq!(
        raw::send_raw(srv.addr(), &with_headers(100), false)
            .await
            .status,
        200
    );
    assert_eq!(
        raw::send_raw(srv.addr(), &with_headers(101), false)
            .await
            .status,
        431
    );
}

#[tokio::test]
async fn targets_over_the_uri_limit_are_414() {
    let app = || App::new().router(hello()).max_uri_len(100);
    let srv = TestServer::start(app()).await;
    let at_limit = format!("/{}", "a".repeat(99));
    let over = format!("/{}?q=1", "a".repeat(99));
    assert_eq!(
        raw::send(srv.addr(), "GET", &at_limit, &[]).await.status,
        200
    );
    let wire = raw::send(srv.addr(), "GET", &over, &[]).await;
    assert_eq!(wire.status, 414);
    assert!(wire.text().contains("104 bytes"), "{}", wire.text());
    let res = TestClient::new(app()).get(&over).send().await;
    assert_eq!(res.status(), 414);
    // The default is 8 KiB.
    let srv = TestServer::start(App::new().router(hello())).await;
    let long = format!("/{}", "a".repeat(8 * 1024));
    assert_eq!(raw::send(srv.addr(), "GET", &long, &[]).await.status, 414);
    let fits = format!("/{}", "a".repeat(8 * 1024 - 1));
    assert_eq!(raw::send(srv.addr(), "GET", &fits, &[]).await.status, 200);
}

/// Sets its flag when dropped: shows the handler's future went away.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_handler_past_the_request_timeout_is_dropped_and_answered_503() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = dropped.clone();
    let router = Router::new()
        .get(
            "/forever",
            rejoinder::handler_fn(move |_: &mut Context| {
                let guard = DropFlag(flag.clone());
                Box::pin(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                })
            }),
        )
        .get("/quick", async |_: &mut Context| "quick");
    let app = App::new()
        .router(router)
        .request_timeout(Duration::from_millis(100))
        .header_filter(|res| {
            res.set("x-filtered", "yes")?;
            Ok(())
        });
    let srv = TestServer::start(app).await;
    let wire = raw::send(srv.addr(), "GET", "/forever", &[]).await;
    assert_eq!(wire.status, 503);
    assert!(
        wire.text().contains("not answered within 100ms"),
        "{}",
        wire.text()
    );
    assert_eq!(
        wire.header("x-filtered"),
        Some("yes"),
        "later phases still run"
    );
    assert!(
        dropped.load(Ordering::SeqCst),
        "the handler's future was dropped"
    );
    assert_eq!(
        raw::send(srv.addr(), "GET", "/quick", &[]).await.status,
        200
    );
}

/// The child half of [`accept_errors_do_not_stop_the_server`]: serves with
/// few file descriptors and prints its address. Runs only when that test
/// starts it.
#[tokio::test]
#[ignore = "started by accept_errors_do_not_stop_the_server in a child process"]
async fn emfile_child() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stdout)
        .with_ansi(false)
        .init();
    let app = App::new()
        .router(hello())
        // Above the descriptors the child has, so accept meets EMFILE.
        .max_connections(10_000)
        .header_read_timeout(Duration::from_secs(30));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("LISTENING {}", listener.local_addr().unwrap());
    let stdin_closed = async {
        let mut sink = Vec::new();
        let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    };
    app.serve(listener)
        .with_graceful_shutdown(stdin_closed)
        .await
        .unwrap();
}

/// The child's address; the rest of its output is drained on a task (a
/// closed pipe would fail the child's last lines).
async fn child_addr(
    stdout: tokio::process::ChildStdout,
) -> (SocketAddr, tokio::task::JoinHandle<Vec<String>>) {
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        // The harness prints the test's name on the same line.
        if let Some((_, addr)) = line.split_once("LISTENING ") {
            let rest = tokio::spawn(async move {
                let mut rest = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    rest.push(line);
                }
                rest
            });
            return (addr.trim().parse().unwrap(), rest);
        }
    }
    panic!("the child never listened");
}

#[tokio::test]
async fn accept_errors_do_not_stop_the_server() {
    let exe = std::env::current_exe().unwrap();
    let command = format!(
        "ulimit -n 48 && exec '{}' --exact emfile_child --ignored --nocapture --test-threads=1",
        exe.display()
    );
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let (addr, output) = tokio::time::timeout(HANG, child_addr(child.stdout.take().unwrap()))
        .await
        .unwrap();

    let mut kept = TcpStream::connect(addr).await.unwrap();
    assert_eq!(get(&mut kept, "/").await.status, 200);
    // More connections than the child has descriptors: the kernel completes
    // them, the child's accept fails with EMFILE once it is out.
    let mut hogs = Vec::new();
    for _ in 0..80 {
        hogs.push(TcpStream::connect(addr).await.unwrap());
    }
    // The connection already open is served all along.
    for _ in 0..3 {
        assert_eq!(get(&mut kept, "/").await.status, 200);
    }
    // A new client waits in the backlog ...
    let mut late = TcpStream::connect(addr).await.unwrap();
    late.write_all(b"GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    // ... and is served once descriptors free up.
    drop(hogs);
    let answer = read_until_closed(&mut late).await;
    assert_eq!(raw::parse(&answer, false).status, 200);
    assert_eq!(get(&mut kept, "/").await.status, 200);

    drop(child.stdin.take());
    let status = tokio::time::timeout(HANG, child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "the child ended cleanly: {status}");
    let output = output.await.unwrap();
    assert!(
        output.iter().any(|l| l.contains("accept failed")),
        "the child ran out of descriptors: {output:?}"
    );
}

/// An HTTP/2 prior-knowledge connection; the task driving it ends when
/// the server closes the connection.
async fn h2(
    addr: SocketAddr,
) -> (
    hyper::client::conn::http2::SendRequest<http_body_util::Empty<rejoinder::Bytes>>,
    tokio::task::JoinHandle<Result<(), hyper::Error>>,
) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    (sender, tokio::spawn(conn))
}

fn h2_get(addr: SocketAddr, path: &str) -> http::Request<http_body_util::Empty<rejoinder::Bytes>> {
    http::Request::get(format!("http://{addr}{path}"))
        .body(http_body_util::Empty::new())
        .unwrap()
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed_too() {
    let app = App::new()
        .router(hello())
        .keep_alive_timeout(Duration::from_millis(150));
    let srv = TestServer::start(app).await;
    let (mut sender, conn) = h2(srv.addr()).await;
    let res = sender.send_request(h2_get(srv.addr(), "/")).await.unwrap();
    assert_eq!(res.status(), 200);
    drop(res);
    let ended = tokio::time::timeout(HANG, conn).await;
    assert!(
        ended.is_ok(),
        "the server closed the idle HTTP/2 connection"
    );
}

#[tokio::test]
async fn http2_heads_over_the_limits_are_refused() {
    let app = App::new()
        .router(hello())
        .max_head_size(16 * 1024)
        .max_headers(10)
        .max_uri_len(100);
    let srv = TestServer::start(app).await;
    let (mut sender, _conn) = h2(srv.addr()).await;
    // Too many fields: 431 from the app's own check.
    let mut req = h2_get(srv.addr(), "/");
    for i in 0..12 {
        req.headers_mut().insert(
            format!("x-h{i}").parse::<http::HeaderName>().unwrap(),
            "v".parse().unwrap(),
        );
    }
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 431);
    // Too long a target: 414.
    let long = format!("/{}", "a".repeat(200));
    let res = sender
        .send_request(h2_get(srv.addr(), &long))
        .await
        .unwrap();
    assert_eq!(res.status(), 414);
    // Too large a header block: the h2 layer answers 431 before the app
    // sees it.
    let mut req = h2_get(srv.addr(), "/");
    req.headers_mut()
        .insert("x-big", "a".repeat(20 * 1024).parse().unwrap());
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 431);
}

#[tokio::test]
async fn a_dropped_server_closes_its_open_connections() {
    // The server's future is dropped (its task aborted) while a keep-alive
    // connection is open and idle: the connection is closed, it does not
    // linger until the idle timeout (an hour here).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = App::new()
        .router(hello())
        .keep_alive_timeout(Duration::from_secs(3600));
    let server = tokio::spawn(app.serve(listener).into_future());
    let mut stream = TcpStream::connect(addr).await.unwrap();
    assert_eq!(get(&mut stream, "/").await.status, 200);
    server.abort();
    let _ = server.await;
    assert!(read_until_closed(&mut stream).await.is_empty());
}

#[tokio::test]
async fn deadlines_hold_for_many_connections_at_once() {
    // Some connections keep making requests while others go quiet: every
    // quiet one is closed at the idle timeout, every busy one stays open.
    let app = App::new()
        .router(hello())
        .keep_alive_timeout(Duration::from_millis(300));
    let srv = TestServer::start(app).await;
    let mut quiet = Vec::new();
    let mut busy = Vec::new();
    for i in 0..16 {
        let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
        assert_eq!(get(&mut stream, "/").await.status, 200);
        if i % 2 == 0 {
            quiet.push(stream);
        } else {
            busy.push(stream);
        }
    }
    // The busy ones ask every 50 ms, for longer than the timeout in all.
    for _ in 0..10 {
        for stream in &mut busy {
            assert_eq!(get(stream, "/").await.status, 200);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for stream in &mut quiet {
        assert!(read_until_closed(stream).await.is_empty());
    }
    for stream in &mut busy {
        assert_eq!(get(stream, "/deep").await.status, 200);
    }
}
