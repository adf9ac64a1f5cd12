//! The headers a proxy must not forward (hop-by-hop) and the ones it adds
//! (`X-Forwarded-*`, `Forwarded`, `Via`).
//!
//! Hop-by-hop fields describe one connection, not the message (RFC 9110
//! §7.6.1): `Connection` and every field it names, `Keep-Alive`, `TE`,
//! `Trailer`, `Transfer-Encoding`, `Upgrade` and the `Proxy-*` fields.
//! They are removed in both directions. Two exceptions keep the features
//! they carry working end to end: a client's `TE: trailers` is forwarded
//! as `TE: trailers` (without it an HTTP/1.1 upstream sends no trailers),
//! and an upgrade request keeps `Upgrade` with `Connection: upgrade`.
//!
//! ```
//! use http::{HeaderMap, HeaderValue};
//! use rejoinder_proxy::headers::strip_hop_by_hop;
//!
//! let mut h = HeaderMap::new();
//! h.insert("connection", HeaderValue::from_static("close, x-secret"));
//! h.insert("x-secret", HeaderValue::from_static("1"));
//! h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
//! h.insert("proxy-authorization", HeaderValue::from_static("Basic eA=="));
//! h.insert("x-kept", HeaderValue::from_static("yes"));
//! strip_hop_by_hop(&mut h);
//! assert_eq!(h.len(), 1);
//! assert_eq!(h["x-kept"], "yes");
//! ```

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// The hop-by-hop fields every proxy removes, besides those `Connection`
/// names and the `Proxy-*` family.
const HOP_BY_HOP: [HeaderName; 6] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Removes the hop-by-hop fields from `headers`: those listed by
/// `Connection`, then the fixed set and every `Proxy-*` field.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // One pass over the names (cheap comparisons for the standard ones)
    // finds the common case, nothing to remove, without a hash lookup.
    if !headers.keys().any(is_hop_by_hop) {
        return;
    }
    if headers.contains_key(header::CONNECTION) {
        let named: Vec<HeaderName> = names_in(headers, &header::CONNECTION).collect();
        for name in named {
            headers.remove(name);
        }
    }
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
    let proxied: Vec<HeaderName> = headers
        .keys()
        .filter(|n| n.as_str().starts_with("proxy-"))
        .cloned()
        .collect();
    for name in proxied {
        headers.remove(name);
    }
}

/// The field names the list field `field` of `headers` names
/// (`Connection`'s, `Trailer`'s); tokens that are no field name are
/// skipped.
pub(crate) fn names_in<'h>(
    headers: &'h HeaderMap,
    field: &HeaderName,
) -> impl Iterator<Item = HeaderName> + 'h {
    headers
        .get_all(field)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
}

/// Whether `name` is always hop-by-hop (those `Connection` names aside).
pub(crate) fn is_hop_by_hop(name: &HeaderName) -> bool {
    // By length first: most names are ruled out by one comparison, where
    // comparing with each of `HOP_BY_HOP` costs six (names are lowercase).
    let s = name.as_str();
    let fixed = match s.len() {
        2 => s == "te",
        7 => s == "trailer" || s == "upgrade",
        10 => s == "connection" || s == "keep-alive",
        17 => s == "transfer-encoding",
        _ => false,
    };
    fixed || s.starts_with("proxy-")
}

/// An address as text, held inline: no allocation, and no formatting
/// machinery for the IPv4 case.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IpText {
    /// The longest IPv6 text (`ffff:…:255.255.255.255`) is 45 bytes.
    buf: [u8; 45],
    len: u8,
}

impl IpText {
    pub(crate) fn new(ip: std::net::IpAddr) -> Self {
        let mut buf = [0u8; 45];
        let mut n = 0;
        match ip {
            std::net::IpAddr::V4(v4) => {
                for (i, octet) in v4.octets().into_iter().enumerate() {
                    if i > 0 {
                        buf[n] = b'.';
                        n += 1;
                    }
                    if octet >= 100 {
                        buf[n] = b'0' + octet / 100;
                        n += 1;
                    }
                    if octet >= 10 {
                        buf[n] = b'0' + (octet / 10) % 10;
                        n += 1;
                    }
                    buf[n] = b'0' + octet % 10;
                    n += 1;
                }
            }
            std::net::IpAddr::V6(v6) => {
                use std::io::Write as _;
                let mut rest = &mut buf[..];
                // 45 bytes hold any address: the write cannot fall short.
                let _ = write!(rest, "{v6}");
                n = 45 - rest.len();
            }
        }
        IpText { buf, len: n as u8 }
    }

    /// The text.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

/// Whether a `TE` header asks for trailers.
pub(crate) fn wants_trailers(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::TE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            t.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("trailers"))
        })
}

/// The `Upgrade` value of a request that asks to switch protocols over
/// HTTP/1.1 (`Connection: upgrade` plus `Upgrade`).
pub(crate) fn upgrade_request(headers: &HeaderMap) -> Option<&HeaderValue> {
    let connection_says = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("upgrade"));
    connection_says
        .then(|| headers.get(header::UPGRADE))
        .flatten()
}

/// What the proxy tells the upstream about the client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Forwarding<'a> {
    /// The client's address.
    pub(crate) client: Option<std::net::IpAddr>,
    /// `http` or `https`.
    pub(crate) proto: &'a str,
    /// The Host the client asked for.
    pub(crate) host: Option<&'a HeaderValue>,
}

/// `1.1`, `2` … for `Via`.
pub(crate) fn via_version(version: http::Version) -> &'static str {
    match version {
        http::Version::HTTP_09 => "0.9",
        http::Version::HTTP_10 => "1.0",
        http::Version::HTTP_2 => "2",
        http::Version::HTTP_3 => "3",
        _ => "1.1",
    }
}

/// Appends `value` to the field `name`, comma-separated after what the
/// headers already hold (the last hop last).
fn append_list(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    let joined = {
        let old: Vec<&str> = headers
            .get_all(&name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if old.is_empty() {
            value.to_owned()
        } else {
            format!("{}, {value}", old.join(", "))
        }
    };
    if let Ok(v) = HeaderValue::from_str(&joined) {
        headers.insert(name, v);
    }
}

/// Appends this hop to `Via`: `via` is the value naming it
/// (`1.1 rejoinder`).
pub(crate) fn add_via(headers: &mut HeaderMap, via: &HeaderValue) {
    match headers.entry(header::VIA) {
        header::Entry::Vacant(slot) => {
            slot.insert(via.clone());
        }
        header::Entry::Occupied(_) => {
            if let Ok(v) = via.to_str() {
                append_list(headers, header::VIA, v);
            }
        }
    }
}

/// The `Via` value naming this proxy as `pseudonym` for a message of
/// `version`.
pub(crate) fn via_value(version: http::Version, pseudonym: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("{} {pseudonym}", via_version(version)))
        .unwrap_or_else(|_| HeaderValue::from_static("1.1 rejoinder"))
}

/// This hop's `Forwarded` element (RFC 7239): `for=`, `host=`, `proto=`.
pub(crate) fn forwarded_element(fwd: &Forwarding<'_>) -> String {
    let mut element = String::new();
    if let Some(ip) = fwd.client {
        match ip {
            std::net::IpAddr::V4(v4) => element.push_str(&format!("for={v4}")),
            std::net::IpAddr::V6(v6) => element.push_str(&format!("for=\"[{v6}]\"")),
        }
        element.push(';');
    }
    if let Some(host) = fwd.host.and_then(|h| h.to_str().ok()) {
        element.push_str(&format!("host=\"{}\";", host.replace(['"', '\\'], "")));
    }
    element.push_str("proto=");
    element.push_str(proto_static(fwd.proto));
    element
}

/// `https` or `http`, as the value of `X-Forwarded-Proto`.
pub(crate) fn proto_value(proto: &str) -> &'static HeaderValue {
    static HTTPS: HeaderValue = HeaderValue::from_static("https");
    static HTTP: HeaderValue = HeaderValue::from_static("http");
    match proto_static(proto) {
        "https" => &HTTPS,
        _ => &HTTP,
    }
}

/// `https` or `http`, as text.
fn proto_static(proto: &str) -> &'static str {
    if proto.eq_ignore_ascii_case("https") {
        "https"
    } else {
        "http"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn te_trailers_and_upgrade_are_recognised() {
        let mut h = HeaderMap::new();
        h.insert(header::TE, HeaderValue::from_static("gzip, trailers;q=1"));
        assert!(wants_trailers(&h));
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, Upgrade"),
        );
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        assert_eq!(upgrade_request(&h).unwrap(), "websocket");
        h.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
        assert!(upgrade_request(&h).is_none());
    }

    #[test]
    fn addresses_are_written_as_text() {
        for ip in [
            "0.0.0.0",
            "127.0.0.1",
            "10.20.199.255",
            "::1",
            "2001:db8::7",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "::ffff:255.255.255.255",
        ] {
            let parsed: std::net::IpAddr = ip.parse().unwrap();
            assert_eq!(IpText::new(parsed).as_bytes(), ip.as_bytes());
        }
    }

    #[test]
    fn the_fixed_hop_by_hop_set_is_recognised_by_name() {
        for name in &HOP_BY_HOP {
            assert!(is_hop_by_hop(name), "{name}");
        }
        for name in ["proxy-authorization", "proxy-connection", "proxy-x"] {
            assert!(is_hop_by_hop(&HeaderName::from_static(name)), "{name}");
        }
        for name in [
            "tk",
            "trailers",
            "upgrades",
            "connectio",
            "host",
            "x-proxy-a",
            "content-length",
        ] {
            assert!(!is_hop_by_hop(&HeaderName::from_static(name)), "{name}");
        }
    }

    #[test]
    fn a_garbage_connection_header_does_not_panic() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_bytes(b"\xff, ,,").unwrap(),
        );
        strip_hop_by_hop(&mut h);
        assert!(h.is_empty());
    }
}
