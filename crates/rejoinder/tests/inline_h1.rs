//! The inline HTTP/1.1 path against hyper's: the same app served by
//! `App::serve` (plain TCP: the inline path, which hands anything unusual
//! to hyper) and by `rejoinder::serve` (a tower service: hyper's
//! connection always) must put the same bytes on the wire for every
//! request of a corpus — plain and odd requests, pipelined ones, HTTP/1.0,
//! closes, HEAD, empty statuses, trailers, custom reasons, bodies that go
//! to hyper mid-connection, and malformed heads hyper refuses. Only the
//! `Date` value is masked.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use rejoinder::testing::TestServer;
use rejoinder::{App, Context, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Larger than loopback's socket buffers hold at once.
const HUGE: usize = 24 * 1024 * 1024;

fn respond(ctx: &mut Context) -> Result<(), Error> {
    match ctx.req.path() {
        "/text" => {
            ctx.res.set_body("hello");
        }
        "/json" => {
            ctx.res
                .set_body(serde_json::json!({"a": 1, "b": [true, null]}));
        }
        "/empty" => {
            ctx.res.set_body("");
        }
        "/none" => {}
        "/204" => {
            ctx.res.set_status(204)?;
        }
        "/304" => {
            ctx.res.set_status(304)?;
            ctx.res.set("ETag", "\"x\"")?;
        }
        "/reason" => {
            ctx.res.set_status(299)?;
            ctx.res.set_message("Fine Enough")?;
            ctx.res.set_body("r");
        }
        "/teapot" => {
            ctx.res.set_status(418)?;
        }
        "/close" => {
            ctx.res.set("Connection", "close")?;
            ctx.res.set_body("bye");
        }
        "/repeated" => {
            ctx.res.append("X-Many", "1")?;
            ctx.res.append("X-Many", "2")?;
            ctx.res.append("Set-Cookie", "a=1")?;
            ctx.res.append("Set-Cookie", "b=2")?;
            ctx.res.set_body("many");
        }
        "/big" => {
            ctx.res.set_body(vec![b'z'; 300 * 1024]);
        }
        "/huge" => {
            ctx.res.set_body(vec![b'h'; HUGE]);
        }
        "/trailers" => {
            ctx.res.set_body("payload");
            let trailers = ctx.res.trailers_mut();
            trailers.insert("x-checksum", "abc123")?;
            trailers.insert_future("x-late", async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Ok::<_, std::io::Error>("later".to_string())
            })?;
        }
        "/echo" => {
            let query = ctx.req.query_string().unwrap_or("").to_owned();
            let host = ctx.req.header("host").unwrap_or("").to_owned();
            let method = ctx.req.method().to_string();
            ctx.res.set_body(format!("{method} {query} {host}"));
        }
        _ => {
            ctx.res.set_status(404)?;
        }
    }
    Ok(())
}

/// The app on both paths: (inline, hyper).
async fn servers() -> (TestServer, SocketAddr) {
    let inline = TestServer::start(common::app(respond)).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app: App = common::app(respond);
    tokio::spawn(std::future::IntoFuture::into_future(rejoinder::serve(
        listener, app,
    )));
    (inline, addr)
}

/// Sends `bytes`, then a last request that closes, and reads to the end;
/// whether the read ended with a reset.
async fn exchange(addr: SocketAddr, bytes: &[u8]) -> (Vec<u8>, bool) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let _ = stream
        .write_all(b"GET /text HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await;
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await;
    let reset = match read {
        Ok(Ok(_)) => false,
        // A reset after the answer (a server that closed with bytes of
        // the client unread): what was read is the answer.
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => true,
        other => panic!("no end of the exchange: {other:?}"),
    };
    (mask_dates(&out), reset)
}

fn mask_dates(raw: &[u8]) -> Vec<u8> {
    let mut out = raw.to_vec();
    let mut at = 0;
    while let Some(pos) = out[at..]
        .windows(6)
        .position(|w| w.eq_ignore_ascii_case(b"date: "))
    {
        let start = at + pos + 6;
        let end = (start + 29).min(out.len());
        for b in &mut out[start..end] {
            *b = b'*';
        }
        at = end;
    }
    out
}

/// The corpus: each entry one connection's bytes.
fn corpus() -> Vec<Vec<u8>> {
    let mut c: Vec<Vec<u8>> = Vec::new();
    for path in [
        "/text",
        "/json",
        "/empty",
        "/none",
        "/204",
        "/304",
        "/reason",
        "/teapot",
        "/close",
        "/repeated",
        "/big",
        "/trailers",
        "/missing",
        "/echo?a=1&b=%20x",
    ] {
        c.push(format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").into_bytes());
        c.push(format!("HEAD {path} HTTP/1.1\r\nHost: t\r\n\r\n").into_bytes());
        c.push(format!("GET {path} HTTP/1.0\r\n\r\n").into_bytes());
        c.push(format!("GET {path} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").into_bytes());
        c.push(format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").into_bytes());
        c.push(format!("GET {path} HTTP/1.1\r\nHost: t\r\nTE: trailers\r\n\r\n").into_bytes());
    }
    let more: &[&[u8]] = &[
        // Pipelined, in one write.
        b"GET /text HTTP/1.1\r\nHost: t\r\n\r\nGET /json HTTP/1.1\r\nHost: t\r\n\r\nHEAD /big HTTP/1.1\r\nHost: t\r\n\r\n",
        // Odd spellings hyper accepts.
        b"GET /echo HTTP/1.1\r\nhOsT: odd\r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n",
        b"GET /echo HTTP/1.1\nHost: lf-only\n\n",
        b"OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n",
        b"DELETE /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
        b"GET http://example.com/echo?q HTTP/1.1\r\nHost: example.com\r\n\r\n",
        b"GET /echo HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, close\r\n\r\n",
        b"GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n",
        b"GET /echo HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET /json HTTP/1.0\r\n\r\n",
        // Bodies: hyper's, mid-connection, and the inline path does not
        // come back.
        b"GET /text HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhelloGET /json HTTP/1.1\r\nHost: t\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        b"PUT /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
        b"GET /echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
        // What hyper refuses.
        b"GET /text HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n",
        b"GET /text HTTP/2.0\r\n\r\n",
        b"GET  /text HTTP/1.1\r\n\r\n",
        b"G@T /text HTTP/1.1\r\n\r\n",
        b"GET /te\x01xt HTTP/1.1\r\n\r\n",
        b"GET /text HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
        b"GET /text HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"GET /text HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"\r\n\r\nGET /text HTTP/1.1\r\nHost: t\r\n\r\n",
    ];
    c.extend(more.iter().map(|m| m.to_vec()));
    // A head over the size limit, and one with too many fields.
    let mut big = b"GET /text HTTP/1.1\r\nHost: t\r\nX-Big: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', 20 * 1024));
    big.extend_from_slice(b"\r\n\r\n");
    c.push(big);
    let mut many = b"GET /text HTTP/1.1\r\nHost: t\r\n".to_vec();
    for i in 0..120 {
        many.extend_from_slice(format!("X-F{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    c.push(many);
    c
}

#[tokio::test]
async fn the_inline_path_writes_what_hyper_writes() {
    let (inline, hyper_addr) = servers().await;
    let mut differ = Vec::new();
    let corpus = corpus();
    for bytes in &corpus {
        let (ours, _) = exchange(inline.addr(), bytes).await;
        let (theirs, reset) = exchange(hyper_addr, bytes).await;
        // hyper, answering an HTTP/1.0 request with a request pipelined
        // behind it, resets the connection inside its body (seen with
        // `/big`); the inline path sends it whole (see
        // `a_request_behind_a_closing_response_does_not_cut_it`).
        let cut_by_reset = reset && ours.starts_with(&theirs);
        if ours != theirs && !cut_by_reset {
            differ.push(format!(
                "for {:?}\n  inline ({} bytes): {:?} .. {:?}\n  hyper  ({} bytes): {:?} .. {:?}",
                String::from_utf8_lossy(bytes),
                ours.len(),
                String::from_utf8_lossy(&ours[..ours.len().min(400)]),
                String::from_utf8_lossy(&ours[ours.len().saturating_sub(200)..]),
                theirs.len(),
                String::from_utf8_lossy(&theirs[..theirs.len().min(400)]),
                String::from_utf8_lossy(&theirs[theirs.len().saturating_sub(200)..]),
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} exchanges differ:\n{}",
        differ.len(),
        corpus.len(),
        differ.join("\n")
    );
}

#[tokio::test]
async fn a_request_behind_a_closing_response_does_not_cut_it() {
    // A body larger than the sockets hold: the server is still writing
    // when the client's next request arrives, and must still end the body
    // whole and close cleanly (no reset).
    let (inline, _) = servers().await;
    for _ in 0..3 {
        let mut stream = TcpStream::connect(inline.addr()).await.unwrap();
        stream
            .write_all(b"GET /huge HTTP/1.0\r\n\r\n")
            .await
            .unwrap();
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        while !out.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0);
            out.extend_from_slice(&buf[..n]);
        }
        stream
            .write_all(b"GET /text HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .unwrap();
        let read = stream.read_to_end(&mut out).await;
        assert!(read.is_ok(), "the connection was reset: {read:?}");
        let head_end = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        assert_eq!(out.len() - head_end, HUGE, "the whole body, then the close");
    }
}

#[tokio::test]
async fn a_head_in_single_bytes_is_served() {
    let (inline, hyper_addr) = servers().await;
    let request = b"GET /echo?slow HTTP/1.1\r\nHost: bytewise\r\n\r\n";
    let mut answers = Vec::new();
    for addr in [inline.addr(), hyper_addr] {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        for b in request {
            stream.write_all(&[*b]).await.unwrap();
            stream.flush().await.unwrap();
            tokio::task::yield_now().await;
        }
        stream
            .write_all(b"GET /text HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = Vec::new();
        stream.read_to_end(&mut out).await.unwrap();
        answers.push(mask_dates(&out));
    }
    let text = String::from_utf8_lossy(&answers[0]).into_owned();
    assert!(text.contains("GET slow bytewise"), "{text}");
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test]
async fn many_keep_alive_requests_on_one_connection() {
    let (inline, _) = servers().await;
    let mut stream = TcpStream::connect(inline.addr()).await.unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..200 {
        let req = format!("GET /echo?n={i} HTTP/1.1\r\nHost: t\r\n\r\n");
        stream.write_all(req.as_bytes()).await.unwrap();
        let want = format!("GET n={i} t");
        let mut got = Vec::new();
        while !got.ends_with(want.as_bytes()) {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed at request {i}");
            got.extend_from_slice(&buf[..n]);
        }
    }
}

#[tokio::test]
async fn a_slow_reader_gets_every_byte_of_a_big_body() {
    let (inline, _) = servers().await;
    let mut stream = TcpStream::connect(inline.addr()).await.unwrap();
    stream
        .write_all(b"GET /big HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        if out.len() % (64 * 1024) < 4096 {
            tokio::task::yield_now().await;
        }
    }
    let head_end = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(out.len() - head_end, 300 * 1024);
    assert!(out[head_end..].iter().all(|b| *b == b'z'));
}

/// A small deterministic generator (xorshift64*): the mutation corpus is
/// the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Bytes that matter to a head's grammar, for the mutations.
const SPICE: &[u8] = b" \t\r\n:;,/?#%\"\\\x00\x01\x7f\xffaZ0-=";

#[tokio::test]
async fn mutated_heads_get_the_same_answer_on_both_paths() {
    let (inline, hyper_addr) = servers().await;
    let seeds: &[&[u8]] = &[
        b"GET /echo?x=1 HTTP/1.1\r\nHost: t\r\nAccept: */*\r\nTE: trailers\r\n\r\n",
        b"HEAD /text HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        b"GET /trailers HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        // Pipelined: a mutation in the second goes to hyper after the
        // first was served inline.
        b"GET /json HTTP/1.1\r\nHost: t\r\n\r\nGET /echo?p HTTP/1.1\r\nHost: u\r\nContent-Length: 0\r\n\r\n",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut differ = Vec::new();
    let cases = 1000;
    for _ in 0..cases {
        let mut bytes = seeds[rng.below(seeds.len())].to_vec();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(bytes.len());
            match rng.below(3) {
                0 => bytes[at] = SPICE[rng.below(SPICE.len())],
                1 => bytes.insert(at, SPICE[rng.below(SPICE.len())]),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        let (ours, _) = exchange(inline.addr(), &bytes).await;
        let (theirs, reset) = exchange(hyper_addr, &bytes).await;
        if ours != theirs && !(reset && ours.starts_with(&theirs)) {
            differ.push(format!(
                "for {:?}\n  inline: {:?}\n  hyper:  {:?}",
                String::from_utf8_lossy(&bytes),
                String::from_utf8_lossy(&ours[..ours.len().min(300)]),
                String::from_utf8_lossy(&theirs[..theirs.len().min(300)]),
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {cases} mutated exchanges differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}
