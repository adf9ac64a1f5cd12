//! Reading request bodies: each helper's answer to good and bad input, the
//! body limit (declared, chunked, per app, per route), the lingering drain
//! that lets a client still sending see the 413, and `Expect: 100-continue`.

use std::time::Duration;

use rejoinder::http::StatusCode;
use rejoinder::testing::{raw, TestClient, TestServer};
use rejoinder::{App, Bytes, Context, HttpError, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Deserialize)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Deserialize)]
struct Login {
    user: String,
    remember: Option<bool>,
}

fn app() -> App {
    let router = Router::new()
        .post("/json", async |ctx: &mut Context| {
            ctx.req.json::<Value>().await.map(Json)
        })
        .post("/point", async |ctx: &mut Context| {
            let p: Point = ctx.req.json().await?;
            Ok::<_, HttpError>(format!("{} {}", p.x, p.y))
        })
        .post("/text", async |ctx: &mut Context| ctx.req.text().await)
        .post("/bytes", async |ctx: &mut Context| {
            let b = ctx.req.bytes().await?;
            Ok::<_, HttpError>(format!("{} bytes", b.len()))
        })
        .post("/form", async |ctx: &mut Context| {
            let f: Login = ctx.req.form().await?;
            Ok::<_, HttpError>(format!("{} {:?}", f.user, f.remember))
        })
        .post("/count", async |ctx: &mut Context| {
            let mut body = ctx.req.body_stream()?;
            let mut chunks = 0;
            while let Some(chunk) = body.chunk().await? {
                chunks += usize::from(!chunk.is_empty());
            }
            Ok::<_, HttpError>(format!("{} bytes in {chunks} chunks", body.bytes_read()))
        })
        .post("/twice", async |ctx: &mut Context| {
            let _ = ctx.req.bytes().await?;
            ctx.req.bytes().await
        })
        .post("/small", async |ctx: &mut Context| ctx.req.bytes().await)
        .body_limit(10)
        .post("/ignore", async |_: &mut Context| {
            (StatusCode::UNAUTHORIZED, "log in first")
        });
    App::new().router(router)
}

fn client() -> TestClient {
    TestClient::new(app())
}

/// The Boom payload of an error answer.
fn boom(res: &rejoinder::testing::TestResponse) -> (u64, String) {
    let v: Value = res.json();
    (
        v["statusCode"].as_u64().unwrap(),
        v["message"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn json_is_read_and_answered() {
    let res = client()
        .post("/json")
        .header("content-type", "application/json")
        .body(r#"{"hello":"world","n":[1,2]}"#)
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(res.json::<Value>(), json!({"hello": "world", "n": [1, 2]}));

    for ct in [
        "application/vnd.api+json",
        "Application/JSON; charset=utf-8",
    ] {
        let res = client()
            .post("/point")
            .header("content-type", ct)
            .body(r#"{"x":1,"y":-2}"#)
            .send()
            .await;
        assert_eq!(
            (res.status().as_u16(), res.text().as_str()),
            (200, "1 -2"),
            "{ct}"
        );
    }
}

#[tokio::test]
async fn malformed_json_is_a_400_with_line_and_column() {
    let res = client()
        .post("/json")
        .header("content-type", "application/json")
        .body("{\n  \"a\": 1,\n  \"b\": }")
        .send()
        .await;
    assert_eq!(res.status(), 400);
    let (code, message) = boom(&res);
    assert_eq!(code, 400);
    assert!(
        message.starts_with("Failed to parse the request body as JSON: ")
            && message.contains("expected value at line 3 column 8"),
        "{message}"
    );
}

#[tokio::test]
async fn mistyped_json_is_a_400_naming_the_mismatch() {
    let res = client()
        .post("/point")
        .header("content-type", "application/json")
        .body(r#"{"x":"one","y":2}"#)
        .send()
        .await;
    let (code, message) = boom(&res);
    assert_eq!(code, 400);
    assert!(
        message.contains("invalid type: string \"one\", expected i32 at line 1 column"),
        "{message}"
    );
    let res = client()
        .post("/point")
        .header("content-type", "application/json")
        .body(r#"{"x":1}"#)
        .send()
        .await;
    assert!(
        boom(&res).1.contains("missing field `y`"),
        "{}",
        boom(&res).1
    );
}

#[tokio::test]
async fn json_with_another_type_is_a_415() {
    let client = client();
    for ct in [
        Some("text/plain"),
        Some("application/jsonx"),
        Some("json"),
        None,
    ] {
        let mut req = client.post("/json").body("{}");
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let res = req.send().await;
        assert_eq!(res.status(), 415, "{ct:?}");
        let (_, message) = boom(&res);
        assert!(message.contains("application/json"), "{message}");
    }
}

#[tokio::test]
async fn text_must_be_utf8() {
    let res = client().post("/text").body("héllo").send().await;
    assert_eq!((res.status().as_u16(), res.text().as_str()), (200, "héllo"));
    let res = client()
        .post("/text")
        .body(Bytes::from_static(b"caf\xe9"))
        .send()
        .await;
    assert_eq!(res.status(), 400);
    assert!(boom(&res).1.contains("not valid UTF-8"));
}

#[tokio::test]
async fn forms_are_decoded_by_the_crate() {
    let res = client()
        .post("/form")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("user=ada+lovelace%21&remember=true")
        .send()
        .await;
    assert_eq!(res.text(), "ada lovelace! Some(true)");
    let res = client()
        .post("/form")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await;
    assert_eq!(res.status(), 415);
    let res = client()
        .post("/form")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("remember=maybe")
        .send()
        .await;
    assert_eq!(res.status(), 400);
    assert!(boom(&res)
        .1
        .starts_with("Failed to parse the request body as a form"));
}

#[tokio::test]
async fn a_body_is_read_once() {
    let res = client().post("/twice").body("x").send().await;
    assert_eq!(res.status(), 500);
    assert_eq!(boom(&res).1, "An internal server error occurred");
}

#[tokio::test]
async fn limits_apply_per_app_and_per_route() {
    let res = client().post("/small").body("0123456789").send().await;
    assert_eq!(
        (res.status().as_u16(), res.text().as_str()),
        (200, "0123456789")
    );
    let res = client().post("/small").body("0123456789!").send().await;
    assert_eq!(res.status(), 413);
    assert_eq!(
        boom(&res).1,
        "The request body is larger than the limit of 10 bytes"
    );

    let app = app().body_limit(4);
    let res = TestClient::new(app.clone())
        .post("/bytes")
        .body("12345")
        .send()
        .await;
    assert_eq!(res.status(), 413);
    let res = TestClient::new(app)
        .post("/bytes")
        .body("1234")
        .send()
        .await;
    assert_eq!(res.text(), "4 bytes");

    // The default is 2 MiB.
    let at = vec![b'a'; 2 * 1024 * 1024];
    let res = client().post("/bytes").body(at.clone()).send().await;
    assert_eq!(res.text(), "2097152 bytes");
    let mut over = at;
    over.push(b'a');
    let res = client().post("/count").body(over).send().await;
    assert_eq!(res.status(), 413);
}

/// Reads a response head (and whatever body came with it) from `stream`.
async fn read_head(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 4096];
    let read = async {
        loop {
            let n = stream.read(&mut byte).await.expect("read");
            assert!(n > 0, "closed before a response head: {buf:?}");
            buf.extend_from_slice(&byte[..n]);
            if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                return String::from_utf8_lossy(&buf).into_owned();
            }
        }
    };
    // A guard against hanging forever, not a measure of speed.
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("a response head")
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_the_body_is_sent() {
    let srv = TestServer::start(app()).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    // The head only: the 413 must come without a byte of the body.
    stream
        .write_all(b"POST /bytes HTTP/1.1\r\nHost: t\r\nContent-Length: 50000000\r\n\r\n")
        .await
        .unwrap();
    let head = read_head(&mut stream).await;
    assert!(
        head.starts_with("HTTP/1.1 413 Payload Too Large\r\n"),
        "{head}"
    );
}

#[tokio::test]
async fn a_chunked_body_is_cut_at_the_limit() {
    let srv = TestServer::start(app()).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    stream
        .write_all(b"POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        .await
        .unwrap();
    stream.write_all(b"6\r\nabcdef\r\n").await.unwrap();
    stream.write_all(b"6\r\nghijkl\r\n").await.unwrap();
    let head = read_head(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 413 "), "{head}");
}

#[tokio::test]
async fn a_client_still_sending_sees_the_413_and_keeps_its_connection() {
    let srv = TestServer::start(app()).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    let body = vec![b'x'; 6 * 1024 * 1024];
    // A naive client: it writes the whole request before reading anything.
    stream
        .write_all(
            format!(
                "POST /bytes HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    stream.write_all(&body).await.unwrap();
    let head = read_head(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 413 "), "{head}");
    // The server read the rest away instead of resetting: the same
    // connection serves the next request.
    stream
        .write_all(
            b"POST /text HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        )
        .await
        .unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    let rest = String::from_utf8_lossy(&rest);
    assert!(
        rest.contains("HTTP/1.1 200 OK\r\n") && rest.ends_with("ok"),
        "{rest}"
    );
}

#[tokio::test]
async fn a_streamed_body_is_counted_chunk_by_chunk() {
    let srv = TestServer::start(app()).await;
    let mut req =
        b"POST /count HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            .to_vec();
    for _ in 0..3 {
        req.extend_from_slice(b"5\r\nhello\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let wire = raw::send_raw(srv.addr(), &req, false).await;
    assert_eq!(wire.status, 200);
    assert!(wire.text().starts_with("15 bytes in "), "{}", wire.text());
}

async fn expect_continue(path: &str, length: usize) -> (TcpStream, String) {
    let srv = TestServer::start(app()).await;
    let mut stream = TcpStream::connect(srv.addr()).await.unwrap();
    stream
        .write_all(
            format!(
                "POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
                 Expect: 100-continue\r\nContent-Length: {length}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let head = read_head(&mut stream).await;
    std::mem::forget(srv); // keep serving while the test goes on
    (stream, head)
}

#[tokio::test]
async fn continue_is_sent_when_the_handler_reads_the_body() {
    let (mut stream, head) = expect_continue("/json", 7).await;
    assert_eq!(head, "HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(b"[1,2,3]").await.unwrap();
    let head = read_head(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
}

#[tokio::test]
async fn no_continue_when_the_handler_does_not_read() {
    let (_, head) = expect_continue("/ignore", 7).await;
    assert!(head.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{head}");
    assert!(!head.contains("100 Continue"), "{head}");
}

#[tokio::test]
async fn no_continue_for_a_body_declared_over_the_limit() {
    let (_, head) = expect_continue("/bytes", 3 * 1024 * 1024).await;
    assert!(head.starts_with("HTTP/1.1 413 "), "{head}");
}
