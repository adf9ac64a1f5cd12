//! The response head as the inline path writes it, and how its body is
//! framed: hyper's rules for a server (`proto/h1/role.rs`'s
//! `Server::encode`, `conn.rs`'s `enforce_version`), kept the same so a
//! client cannot tell the paths apart — lower-case names, the fields in the
//! map's order, `Content-Length` from the body's exact size or
//! `Transfer-Encoding: chunked` when it has none (HTTP/1.0: the body runs
//! to the close), no length on 1xx/204/304, none written for HEAD but the
//! app's, `Date` when the app set none, `Connection: close` or
//! `keep-alive` as the connection goes on or not.

use http::header::{self, Entry, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode, Version};

use super::date;
use super::head::has_token;

/// What is known of a body's length before it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyLength {
    Known(u64),
    Unknown,
}

/// How the body is framed on the wire.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// `Content-Length`: this many bytes are still owed.
    Length(u64),
    /// Chunks; the trailer fields the head declared, if any.
    Chunked(Option<Vec<HeaderName>>),
    /// To the close (HTTP/1.0 without a length).
    Close,
}

/// The framing, and whether the connection ends after this response.
#[derive(Debug)]
pub(super) struct Encoder {
    pub(super) kind: Kind,
    pub(super) last: bool,
}

/// The head could not be written as the app set it (conflicting
/// `Content-Length`s, a length after a `Transfer-Encoding`): hyper refuses
/// such a head and closes the connection; so does the inline path.
#[derive(Debug)]
pub(super) struct BadHead;

/// What the request says about its response.
pub(super) struct Asked<'a> {
    pub(super) method: &'a Method,
    pub(super) version: Version,
}

fn can_chunk(method: &Method, status: StatusCode) -> bool {
    if *method == Method::HEAD || status.is_informational() {
        false
    } else {
        !matches!(status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)
    }
}

fn can_have_length(status: StatusCode) -> bool {
    !status.is_informational()
        && !matches!(status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)
}

/// The `Connection` field as the request's version needs it (hyper's
/// `enforce_version`); gives the version the status line says.
fn enforce_version(
    asked: Version,
    keep_alive: &mut bool,
    headers: &mut HeaderMap,
    version: Version,
) -> Version {
    match asked {
        Version::HTTP_10 => {
            let entry = headers.entry(header::CONNECTION);
            let says_keep_alive = match &entry {
                Entry::Occupied(e) => e.iter().any(|v| has_token(v.as_bytes(), "keep-alive")),
                Entry::Vacant(_) => false,
            };
            if !says_keep_alive {
                match version {
                    Version::HTTP_10 => *keep_alive = false,
                    Version::HTTP_11 if *keep_alive => match entry {
                        Entry::Occupied(mut e) => {
                            e.append(HeaderValue::from_static("keep-alive"));
                        }
                        Entry::Vacant(e) => {
                            e.insert(HeaderValue::from_static("keep-alive"));
                        }
                    },
                    _ => {}
                }
            }
            Version::HTTP_10
        }
        _ => {
            if !*keep_alive {
                match headers.entry(header::CONNECTION) {
                    Entry::Occupied(mut e) => {
                        if !e.iter().any(|v| has_token(v.as_bytes(), "close")) {
                            e.append(HeaderValue::from_static("close"));
                        }
                    }
                    Entry::Vacant(e) => {
                        e.insert(HeaderValue::from_static("close"));
                    }
                }
            }
            Version::HTTP_11
        }
    }
}

fn decimal(dst: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    dst.extend_from_slice(&digits[at..]);
}

/// A `Content-Length` value: one decimal number, or a list of the same one.
fn length_value(value: &HeaderValue) -> Option<u64> {
    let mut found = None;
    for part in value.as_bytes().split(|b| *b == b',') {
        let part = part.trim_ascii();
        if part.is_empty() || part.len() > 19 || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = part.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        if found.is_some_and(|f| f != n) {
            return None;
        }
        found = Some(n);
    }
    found
}

/// Writes the head of `res` to `dst` and says how its body is framed.
/// `keep_alive`: the connection may carry another request (turned off
/// here when the head says otherwise); `body`: `None` when the body is
/// known to be empty.
pub(super) fn encode(
    res: &mut http::response::Parts,
    custom_reason: Option<&[u8]>,
    asked: &Asked<'_>,
    keep_alive: &mut bool,
    body: Option<BodyLength>,
    dst: &mut Vec<u8>,
) -> Result<Encoder, BadHead> {
    let version = enforce_version(asked.version, keep_alive, &mut res.headers, res.version);
    let status = res.status;
    if status.is_informational() && status != StatusCode::SWITCHING_PROTOCOLS {
        // hyper cannot send an interim response from a service either: it
        // answers 500 and ends the connection.
        dst.extend_from_slice(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\ndate: ");
        date::extend(dst);
        dst.extend_from_slice(b"\r\n\r\n");
        return Ok(Encoder {
            kind: Kind::Length(0),
            last: true,
        });
    }
    let mut last = status == StatusCode::SWITCHING_PROTOCOLS || !*keep_alive;
    let orig_len = dst.len();
    dst.reserve(30 + res.headers.len() * 30);
    if version == Version::HTTP_11 && status == StatusCode::OK && custom_reason.is_none() {
        dst.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    } else {
        dst.extend_from_slice(if version == Version::HTTP_10 {
            b"HTTP/1.0 "
        } else {
            b"HTTP/1.1 "
        });
        dst.extend_from_slice(status.as_str().as_bytes());
        dst.push(b' ');
        match custom_reason {
            Some(reason) => dst.extend_from_slice(reason),
            None => dst.extend_from_slice(status.canonical_reason().unwrap_or("<none>").as_bytes()),
        }
        dst.extend_from_slice(b"\r\n");
    }
    let result = fields(res, asked, body, &mut last, dst);
    let Ok((mut kind, wrote_date)) = result else {
        dst.truncate(orig_len);
        return Err(BadHead);
    };
    if !can_chunk(asked.method, status) {
        kind = Kind::Length(0);
    }
    if wrote_date {
        dst.extend_from_slice(b"\r\n");
    } else {
        dst.extend_from_slice(b"date: ");
        date::extend(dst);
        dst.extend_from_slice(b"\r\n\r\n");
    }
    Ok(Encoder { kind, last })
}

/// The header fields, the framing ones as hyper writes them (repeated
/// values joined on one line); gives the framing and whether a `Date` was
/// among them.
fn fields(
    res: &mut http::response::Parts,
    asked: &Asked<'_>,
    body: Option<BodyLength>,
    last: &mut bool,
    dst: &mut Vec<u8>,
) -> Result<(Kind, bool), BadHead> {
    let status = res.status;
    let chunkable = asked.version != Version::HTTP_10 && can_chunk(asked.method, status);
    let mut kind = Kind::Length(0);
    let mut wrote_len = false;
    let mut wrote_date = false;
    let mut trailer_fields: Option<Vec<HeaderName>> = None;
    let mut cur: Option<HeaderName> = None;
    // The current name's line is open (values are joined onto it).
    let mut open = false;
    let mut must_chunk = false;
    let mut prev_len = None;
    let end_line = |dst: &mut Vec<u8>, open: bool, must_chunk: bool| {
        if open {
            dst.extend_from_slice(if must_chunk {
                b", chunked\r\n"
            } else {
                b"\r\n"
            });
        }
    };
    for (name, value) in res.headers.drain() {
        if let Some(n) = name {
            cur = Some(n);
            end_line(dst, open, must_chunk);
            open = false;
        }
        let Some(name) = cur.as_ref() else { continue };
        match *name {
            header::CONTENT_LENGTH => {
                if wrote_len && !open {
                    return Err(BadHead);
                }
                match body {
                    Some(BodyLength::Known(known)) => {
                        if !open {
                            kind = Kind::Length(known);
                            dst.extend_from_slice(b"content-length: ");
                            dst.extend_from_slice(value.as_bytes());
                            wrote_len = true;
                            open = true;
                        }
                        continue;
                    }
                    Some(BodyLength::Unknown) => {
                        let len = length_value(&value).ok_or(BadHead)?;
                        if let Some(prev) = prev_len {
                            if prev != len {
                                return Err(BadHead);
                            }
                            continue;
                        }
                        kind = Kind::Length(len);
                        dst.extend_from_slice(b"content-length: ");
                        dst.extend_from_slice(value.as_bytes());
                        wrote_len = true;
                        open = true;
                        prev_len = Some(len);
                        continue;
                    }
                    None => {
                        // No body: the field stays for a HEAD only.
                        if *asked.method != Method::HEAD {
                            continue;
                        }
                    }
                }
                wrote_len = true;
            }
            header::TRANSFER_ENCODING => {
                if wrote_len && !open {
                    return Err(BadHead);
                }
                if !chunkable {
                    continue;
                }
                wrote_len = true;
                must_chunk = !is_chunked_last(&value);
                if open {
                    dst.extend_from_slice(b", ");
                } else {
                    kind = Kind::Chunked(None);
                    open = true;
                    dst.extend_from_slice(b"transfer-encoding: ");
                }
                dst.extend_from_slice(value.as_bytes());
                continue;
            }
            header::CONNECTION => {
                if !*last && has_token(value.as_bytes(), "close") {
                    *last = true;
                }
                if open {
                    dst.extend_from_slice(b", ");
                } else {
                    open = true;
                    dst.extend_from_slice(b"connection: ");
                }
                dst.extend_from_slice(value.as_bytes());
                continue;
            }
            header::DATE => wrote_date = true,
            header::TRAILER => {
                if !chunkable {
                    continue;
                }
                if open {
                    dst.extend_from_slice(b", ");
                } else {
                    open = true;
                    dst.extend_from_slice(b"trailer: ");
                }
                dst.extend_from_slice(value.as_bytes());
                if let Ok(text) = value.to_str() {
                    let names = text
                        .split(',')
                        .filter_map(|s| HeaderName::from_bytes(s.trim().as_bytes()).ok());
                    trailer_fields.get_or_insert_with(Vec::new).extend(names);
                }
                continue;
            }
            _ => {}
        }
        dst.extend_from_slice(name.as_str().as_bytes());
        dst.extend_from_slice(b": ");
        dst.extend_from_slice(value.as_bytes());
        dst.extend_from_slice(b"\r\n");
    }
    end_line(dst, open, must_chunk);
    if !wrote_len {
        kind = match body {
            Some(BodyLength::Unknown) if chunkable => {
                dst.extend_from_slice(b"transfer-encoding: chunked\r\n");
                Kind::Chunked(None)
            }
            Some(BodyLength::Unknown) => Kind::Close,
            None | Some(BodyLength::Known(0)) => {
                if can_have_length(status) && *asked.method != Method::HEAD {
                    dst.extend_from_slice(b"content-length: 0\r\n");
                }
                Kind::Length(0)
            }
            Some(BodyLength::Known(len)) => {
                if can_have_length(status) {
                    dst.extend_from_slice(b"content-length: ");
                    decimal(dst, len);
                    dst.extend_from_slice(b"\r\n");
                    Kind::Length(len)
                } else {
                    Kind::Length(0)
                }
            }
        };
    }
    if let (Kind::Chunked(declared), Some(fields)) = (&mut kind, trailer_fields) {
        *declared = Some(fields);
    }
    Ok((kind, wrote_date))
}

/// Whether a `Transfer-Encoding` value ends with `chunked`.
fn is_chunked_last(value: &HeaderValue) -> bool {
    value
        .to_str()
        .ok()
        .and_then(|s| s.rsplit(',').next())
        .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
}

/// The trailer fields a chunked body may end with: those its head
/// declared, minus the ones that may not be trailers (hyper's list).
pub(super) fn trailers(declared: &[HeaderName], trailers: &HeaderMap, dst: &mut Vec<u8>) {
    for (name, value) in trailers {
        if declared.contains(name) && is_valid_trailer(name) {
            dst.extend_from_slice(name.as_str().as_bytes());
            dst.extend_from_slice(b": ");
            dst.extend_from_slice(value.as_bytes());
            dst.extend_from_slice(b"\r\n");
        }
    }
}

fn is_valid_trailer(name: &HeaderName) -> bool {
    !matches!(
        *name,
        header::AUTHORIZATION
            | header::CACHE_CONTROL
            | header::CONTENT_ENCODING
            | header::CONTENT_LENGTH
            | header::CONTENT_RANGE
            | header::CONTENT_TYPE
            | header::HOST
            | header::MAX_FORWARDS
            | header::SET_COOKIE
            | header::TRAILER
            | header::TRANSFER_ENCODING
            | header::TE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(
        res: http::Response<()>,
        method: Method,
        version: Version,
        body: Option<BodyLength>,
    ) -> (String, Result<Encoder, BadHead>, bool) {
        let keep_alive = version == Version::HTTP_11;
        head_with(res, method, version, body, keep_alive)
    }

    /// `head`, for a request that asked for keep-alive or not.
    fn head_with(
        res: http::Response<()>,
        method: Method,
        version: Version,
        body: Option<BodyLength>,
        keep_alive: bool,
    ) -> (String, Result<Encoder, BadHead>, bool) {
        let (mut parts, ()) = res.into_parts();
        let mut keep_alive = keep_alive;
        let mut dst = Vec::new();
        let asked = Asked {
            method: &method,
            version,
        };
        let enc = encode(&mut parts, None, &asked, &mut keep_alive, body, &mut dst);
        let text = String::from_utf8(dst).unwrap();
        // The date is now's: cut it for comparing.
        let text = match text.find("date: ") {
            Some(at) => format!("{}date: *{}", &text[..at], &text[at + 6 + 29..]),
            None => text,
        };
        (text, enc, keep_alive)
    }

    #[test]
    fn an_exact_body_gets_its_length_and_a_date() {
        let res = http::Response::builder()
            .header("content-type", "text/plain")
            .body(())
            .unwrap();
        let (text, enc, _) = head(
            res,
            Method::GET,
            Version::HTTP_11,
            Some(BodyLength::Known(5)),
        );
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\ndate: *\r\n\r\n"
        );
        assert_eq!(enc.unwrap().kind, Kind::Length(5));
    }

    #[test]
    fn an_unknown_length_is_chunked_on_1_1_and_to_the_close_on_1_0() {
        let res = http::Response::new(());
        let (text, enc, _) = head(
            res,
            Method::GET,
            Version::HTTP_11,
            Some(BodyLength::Unknown),
        );
        assert!(text.contains("transfer-encoding: chunked\r\n"), "{text}");
        assert_eq!(enc.unwrap().kind, Kind::Chunked(None));
        let res = http::Response::new(());
        let (text, enc, keep) = head(
            res,
            Method::GET,
            Version::HTTP_10,
            Some(BodyLength::Unknown),
        );
        assert!(text.starts_with("HTTP/1.0 200 OK\r\n"), "{text}");
        assert!(!text.contains("transfer-encoding"), "{text}");
        assert_eq!(enc.unwrap().kind, Kind::Close);
        assert!(!keep);
    }

    #[test]
    fn head_204_and_304_have_no_body_and_keep_what_they_may() {
        let res = http::Response::builder()
            .header("content-length", "10")
            .body(())
            .unwrap();
        let (text, enc, _) = head(
            res,
            Method::HEAD,
            Version::HTTP_11,
            Some(BodyLength::Known(10)),
        );
        assert!(text.contains("content-length: 10\r\n"), "{text}");
        assert_eq!(enc.unwrap().kind, Kind::Length(0));
        for code in [204, 304] {
            let res = http::Response::builder().status(code).body(()).unwrap();
            let (text, enc, _) = head(res, Method::GET, Version::HTTP_11, None);
            assert!(!text.contains("content-length"), "{text}");
            assert_eq!(enc.unwrap().kind, Kind::Length(0));
        }
    }

    #[test]
    fn connection_fields_follow_the_request() {
        // HTTP/1.0 keep-alive: said in the response.
        let res = http::Response::new(());
        let (text, enc, _) = head_with(res, Method::GET, Version::HTTP_10, None, true);
        assert!(text.contains("connection: keep-alive\r\n"), "{text}");
        assert!(!enc.unwrap().last);
        // HTTP/1.1 with close: said, and the last.
        let res = http::Response::new(());
        let (text, enc, _) = head_with(res, Method::GET, Version::HTTP_11, None, false);
        assert!(text.contains("connection: close\r\n"), "{text}");
        assert!(enc.unwrap().last);
    }

    #[test]
    fn repeated_framing_values_join_and_conflicts_are_refused() {
        let res = http::Response::builder()
            .header("content-length", "3")
            .header("content-length", "4")
            .body(())
            .unwrap();
        let (_, enc, _) = head(
            res,
            Method::GET,
            Version::HTTP_11,
            Some(BodyLength::Unknown),
        );
        assert!(enc.is_err());
        let res = http::Response::builder()
            .header("transfer-encoding", "gzip")
            .body(())
            .unwrap();
        let (text, enc, _) = head(
            res,
            Method::GET,
            Version::HTTP_11,
            Some(BodyLength::Unknown),
        );
        assert!(
            text.contains("transfer-encoding: gzip, chunked\r\n"),
            "{text}"
        );
        assert_eq!(enc.unwrap().kind, Kind::Chunked(None));
    }

    #[test]
    fn declared_trailers_are_kept_for_the_end() {
        let res = http::Response::builder()
            .header("trailer", "x-sum, content-type")
            .body(())
            .unwrap();
        let (_, enc, _) = head(
            res,
            Method::GET,
            Version::HTTP_11,
            Some(BodyLength::Unknown),
        );
        let Kind::Chunked(Some(declared)) = enc.unwrap().kind else {
            panic!("not chunked with trailers")
        };
        let mut map = HeaderMap::new();
        map.insert("x-sum", HeaderValue::from_static("7"));
        map.insert("content-type", HeaderValue::from_static("a/b"));
        map.insert("x-other", HeaderValue::from_static("no"));
        let mut dst = Vec::new();
        trailers(&declared, &map, &mut dst);
        assert_eq!(dst, b"x-sum: 7\r\n");
    }
}
