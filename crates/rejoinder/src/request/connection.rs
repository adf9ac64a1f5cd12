//! What the server knows of the connection a request came on: the peer's
//! and the local address, whether it is TLS, and what TLS negotiated.

use std::net::SocketAddr;
use std::sync::Arc;

/// The connection a request arrived on. The server makes one per
/// connection; each request shares it (a clone is one reference count).
///
/// [`Request::connection`](super::Request::connection) gives it to
/// handlers; tower services served by `rejoinder::serve` find it in the
/// request's extensions.
///
/// ```
/// use rejoinder::ConnectionInfo;
///
/// let info = ConnectionInfo::new(Some("127.0.0.1:50000".parse().unwrap()), None);
/// assert!(!info.is_secure());
/// assert_eq!(info.remote_addr().unwrap().port(), 50000);
/// ```
#[derive(Debug, Clone)]
pub struct ConnectionInfo(Arc<Info>);

#[derive(Debug)]
struct Info {
    remote: Option<SocketAddr>,
    local: Option<SocketAddr>,
    tls: Option<Tls>,
}

/// What a TLS handshake settled.
#[derive(Debug, Clone, Default)]
struct Tls {
    alpn: Option<Vec<u8>>,
    server_name: Option<String>,
}

impl ConnectionInfo {
    /// A plain-TCP connection between these addresses.
    pub fn new(remote: Option<SocketAddr>, local: Option<SocketAddr>) -> Self {
        ConnectionInfo(Arc::new(Info {
            remote,
            local,
            tls: None,
        }))
    }

    /// A TLS connection; `alpn` is the protocol negotiated (`h2`,
    /// `http/1.1`), `server_name` the SNI the client sent.
    pub fn tls(
        remote: Option<SocketAddr>,
        local: Option<SocketAddr>,
        alpn: Option<Vec<u8>>,
        server_name: Option<String>,
    ) -> Self {
        ConnectionInfo(Arc::new(Info {
            remote,
            local,
            tls: Some(Tls { alpn, server_name }),
        }))
    }

    /// The peer's address.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.0.remote
    }

    /// The server's address for this connection.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.0.local
    }

    /// Whether the connection is TLS (the request's scheme is `https`).
    pub fn is_secure(&self) -> bool {
        self.0.tls.is_some()
    }

    /// The ALPN protocol TLS negotiated, if any (`b"h2"`, `b"http/1.1"`).
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.0.tls.as_ref()?.alpn.as_deref()
    }

    /// The server name (SNI) the TLS client asked for, if any.
    pub fn server_name(&self) -> Option<&str> {
        self.0.tls.as_ref()?.server_name.as_deref()
    }
}
