//! HTTPS with rustls (feature `tls`): a certificate chain and key from PEM
//! files, or any `rustls::ServerConfig`, served by `Serve::tls` or
//! `App::listen_tls` with ALPN `h2` and `http/1.1`.
//!
//! The handshake must finish within the head timeout
//! (`App::header_read_timeout`), which runs from accept, so a client that
//! connects and never says hello is closed like a silent plain one. All the
//! other limits and graceful shutdown apply to TLS connections unchanged;
//! handlers see `Request::is_secure` and the negotiated protocol in
//! `ConnectionInfo`.
//!
//! rustls uses the *ring* provider, chosen explicitly, so a process that
//! also links another provider still builds its config.
//!
//! # Examples
//!
//! ```no_run
//! use rejoinder::{App, Context, Router};
//!
//! # async fn run() -> std::io::Result<()> {
//! let config = rejoinder::tls::server_config("cert.pem", "key.pem")?;
//! App::new()
//!     .router(Router::new().get("/", async |ctx: &mut Context| {
//!         format!("secure: {}", ctx.req.is_secure())
//!     }))
//!     .listen_tls("0.0.0.0:8443", config)
//!     .await
//! # }
//! ```

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
pub use tokio_rustls::rustls;
pub use tokio_rustls::rustls::ServerConfig;

/// The protocols offered by ALPN when a config names none.
pub const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// A server config from a PEM certificate chain (leaf first) and a PEM
/// private key (PKCS#8, PKCS#1 or SEC1), with ALPN `h2` and `http/1.1`.
///
/// # Errors
///
/// A file cannot be read, holds no certificate or no key, or the key does
/// not belong to the certificate; the message names the file.
pub fn server_config(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> io::Result<ServerConfig> {
    let (cert, key) = (cert.as_ref(), key.as_ref());
    let read = |path: &Path| {
        std::fs::read(path)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))
    };
    server_config_from_pem(&read(cert)?, &read(key)?).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "{e} (certificate {}, key {})",
                cert.display(),
                key.display()
            ),
        )
    })
}

/// [`server_config`] from PEM text in memory.
///
/// ```
/// let err = rejoinder::tls::server_config_from_pem(b"", b"").unwrap_err();
/// assert!(err.to_string().contains("no certificate"));
/// ```
///
/// # Errors
///
/// As [`server_config`].
pub fn server_config_from_pem(cert_pem: &[u8], key_pem: &[u8]) -> io::Result<ServerConfig> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("the certificate PEM is malformed: {e}")))?;
    if chain.is_empty() {
        return Err(invalid("no certificate in the certificate PEM".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| invalid(format!("no usable private key in the key PEM: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| invalid(format!("the key and certificate cannot be used: {e}")))?;
    config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}

/// The acceptor for a config, offering [`ALPN`] when it names no protocol.
pub(crate) fn acceptor(config: Arc<ServerConfig>) -> tokio_rustls::TlsAcceptor {
    let config = if config.alpn_protocols.is_empty() {
        let mut config = Arc::unwrap_or_clone(config);
        config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
        Arc::new(config)
    } else {
        config
    };
    tokio_rustls::TlsAcceptor::from(config)
}
