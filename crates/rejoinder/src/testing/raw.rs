//! A raw HTTP/1.1 client for tests about the wire.
//!
//! It sends bytes over a loopback socket, reads until the server closes, and
//! parses the response without normalizing anything, so a test sees the
//! reason phrase, header order and framing exactly as sent.
//!
//! ```no_run
//! # async fn demo(addr: std::net::SocketAddr) {
//! let wire = rejoinder::testing::raw::send(addr, "HEAD", "/", &[]).await;
//! assert!(wire.body.is_empty());
//! # }
//! ```

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response as read off the wire.
#[derive(Debug, Clone)]
pub struct Wire {
    /// The status code.
    pub status: u16,
    /// The reason phrase, as sent.
    pub reason: String,
    /// Headers in wire order, names lower-cased, values read as ISO-8859-1.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
    /// Trailer fields of a chunked body.
    pub trailers: Vec<(String, String)>,
    /// Every byte received.
    pub raw: Vec<u8>,
}

impl Wire {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Every value of a header, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `method path` as HTTP/1.1 with `Host: app.test`, the given header
/// lines and `Connection: close`, and reads the response.
///
/// # Panics
///
/// When the connection fails or the response is malformed (a test bug or a
/// server bug, either way worth a loud failure).
pub async fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> Wire {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: app.test\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("Connection: close\r\n\r\n");
    send_raw(addr, req.as_bytes(), method == "HEAD").await
}

/// Writes `bytes` and reads until the server closes; `head` says the
/// response has no body (a HEAD request).
///
/// # Panics
///
/// As [`send`].
pub async fn send_raw(addr: SocketAddr, bytes: &[u8], head: bool) -> Wire {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(bytes).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    parse(&raw, head)
}

/// Parses a complete response.
///
/// # Panics
///
/// When the head is incomplete or malformed.
pub fn parse(raw: &[u8], head: bool) -> Wire {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("complete head")
        + 4;
    let head_text: String = raw[..end].iter().map(|&b| b as char).collect();
    let mut lines = head_text.split("\r\n");
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status: u16 = parts.next().unwrap().parse().unwrap();
    let reason = parts.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect();
    let rest = &raw[end..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let (body, trailers) = if head || !chunked {
        (rest.to_vec(), Vec::new())
    } else {
        dechunk(rest)
    };
    Wire {
        status,
        reason,
        headers,
        body,
        trailers,
        raw: raw.to_vec(),
    }
}

/// Decodes a chunked body into its data and trailer fields.
///
/// # Panics
///
/// On malformed chunk framing.
pub fn dechunk(mut data: &[u8]) -> (Vec<u8>, Vec<(String, String)>) {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") else {
            return (out, Vec::new());
        };
        let size_text = std::str::from_utf8(&data[..line_end]).expect("chunk size");
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("hex chunk size");
        data = &data[line_end + 2..];
        if size == 0 {
            let text: String = data.iter().map(|&b| b as char).collect();
            let trailers = text
                .split("\r\n")
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            return (out, trailers);
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}
