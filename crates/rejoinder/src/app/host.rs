//! The request's `Host` header, checked before the app sees the request
//! (RFC 9112 §3.2): "A server MUST respond with a 400 (Bad Request) status
//! code to any HTTP/1.1 request message that lacks a Host header field and
//! to any that contains more than one Host header field line or a Host
//! header field with an invalid field value." hyper leaves this to the
//! service; nginx and Node's HTTP server answer 400 as the RFC says.
//!
//! Without it, which of two Hosts a request is for depends on who reads it
//! (a cache, a proxy, the app: the first, the last, both joined), and a
//! value that is not a host (`a b`, `x/y`, `a@b`) travels on into
//! `ctx.req.host()`, redirects and `X-Forwarded-Host`.
//!
//! Checked for requests a rejoinder server read off a connection (HTTP/1
//! and HTTP/2, plain or TLS); an app called as a tower service or through
//! the test client leaves the Host to its caller.

use rejoinder_core::{HttpError, IntoResponse, Response};

/// The answer for a request whose Host breaks RFC 9112 §3.2, or `None`.
#[inline]
pub(crate) fn refuse(version: http::Version, headers: &http::HeaderMap) -> Option<Response> {
    let mut hosts = headers.get_all(http::header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (Some(host), None) if valid(host.as_bytes()) => None,
        (None, _) if version != http::Version::HTTP_11 => None,
        _ => refusal(headers),
    }
}

/// The 400, with a message naming what was wrong.
#[cold]
fn refusal(headers: &http::HeaderMap) -> Option<Response> {
    let hosts: Vec<_> = headers.get_all(http::header::HOST).iter().collect();
    let message = match hosts[..] {
        [] => "an HTTP/1.1 request needs a Host header (RFC 9112 §3.2)".to_owned(),
        [host] => format!(
            "the Host header {:?} is not a host with an optional port (RFC 9112 §3.2)",
            String::from_utf8_lossy(host.as_bytes())
        ),
        _ => format!(
            "the request has {} Host header fields; it may have one (RFC 9112 §3.2)",
            hosts.len()
        ),
    };
    Some(HttpError::bad_request(message).into_response())
}

/// A reg-name byte: unreserved or a sub-delim (RFC 3986 §2.2–2.3).
const REG: u8 = 1;
/// Also allowed inside an IP literal's brackets: `:` and `%`.
const LITERAL: u8 = 2;

/// The class of every byte, one lookup per byte: a hand-written table
/// because this runs on every request (a `contains` over the sub-delims
/// cost about 300 instructions per request, bench/instructions.sh).
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = REG | LITERAL;
        }
        b += 1;
    }
    let others = b"-._~!$&'()*+,;=";
    let mut i = 0;
    while i < others.len() {
        table[others[i] as usize] = REG | LITERAL;
        i += 1;
    }
    table[b':' as usize] = LITERAL;
    table[b'%' as usize] = LITERAL;
    table
};

/// Whether `value` is `uri-host [ ":" port ]` (RFC 3986 §3.2.2–3.2.3), or
/// empty (a target without an authority, RFC 9110 §7.2).
fn valid(value: &[u8]) -> bool {
    if let Some(rest) = value.strip_prefix(b"[") {
        // An IP literal: an IPv6 address or an IPvFuture, in brackets.
        let Some(end) = rest.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = &rest[..end];
        return !literal.is_empty()
            && literal
                .iter()
                .all(|&b| CLASS[usize::from(b)] & LITERAL != 0)
            && port(&rest[end + 1..]);
    }
    // A reg-name (IPv4 addresses are among them), then the port from the
    // first `:` on.
    let mut i = 0;
    while let Some(&b) = value.get(i) {
        if CLASS[usize::from(b)] & REG != 0 {
            i += 1;
            continue;
        }
        match b {
            b'%' => {
                let hex = value.get(i + 1..i + 3);
                if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return false;
                }
                i += 3;
            }
            b':' => return port(&value[i..]),
            _ => return false,
        }
    }
    true
}

/// Nothing, or `:` and digits.
fn port(rest: &[u8]) -> bool {
    match rest {
        [] => true,
        [b':', digits @ ..] => digits.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::valid;

    #[test]
    fn hosts_with_ports_are_valid() {
        for v in [
            "example.com",
            "example.com:8080",
            "127.0.0.1",
            "127.0.0.1:80",
            "[::1]",
            "[::1]:443",
            "[fe80::1%25eth0]",
            "my_host.local",
            "xn--bcher-kva.example",
            "a.b.",
            "host:",
            "",
            "%41.example",
        ] {
            assert!(valid(v.as_bytes()), "{v:?} is a valid Host");
        }
    }

    #[test]
    fn other_values_are_not() {
        for v in [
            "a b",
            "a/b",
            "a\\b",
            "user@host",
            "host:80:90",
            "host:8o",
            "[::1",
            "[]",
            "[::1]x",
            "[::1]:x",
            "::1",
            "a\tb",
            "exa%mple",
            "exa%4",
            "h\"st",
            "h<st>",
            "ho?st",
            "ho#st",
        ] {
            assert!(!valid(v.as_bytes()), "{v:?} is not a valid Host");
        }
    }
}
