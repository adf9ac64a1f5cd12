//! What went wrong with an upstream, and Kong's answer to it.
//!
//! | failure | answer |
//! |---|---|
//! | refused, reset or closed before the response head, an invalid head | 502 "An invalid response was received from the upstream server" |
//! | connect or first-byte timeout | 504 "The upstream server is timing out" |
//! | every target taken out by passive health | 503 "The upstream server is currently unavailable" |
//! | no upstream URI can be made of the request and the target | 502 |
//! | any failure once the body has started | the downstream connection is aborted |
//!
//! The messages are Kong's defaults for the status, rendered by rejoinder's
//! negotiated [`Context::error`](rejoinder::Context::error) (JSON, HTML,
//! XML or text by Accept), so the response's source is
//! [`Source::Error`](rejoinder::Source::Error) and the failure is its
//! [`error_cause`](rejoinder::Response::error_cause).

use std::time::Duration;

/// Why a proxied request got no response head.
#[derive(Debug)]
#[non_exhaustive]
pub enum UpstreamError {
    /// Connecting failed (refused, unreachable, DNS).
    Connect(std::io::Error),
    /// Connecting took longer than the connect timeout (given).
    ConnectTimeout(Duration),
    /// An h2c exchange failed after the request went out (reset, closed,
    /// an invalid response head).
    Exchange(hyper::Error),
    /// An HTTP/1.1 exchange failed after the request went out: reset,
    /// closed before the response head, or an invalid head (kind
    /// [`InvalidData`](std::io::ErrorKind::InvalidData)).
    Http1(std::io::Error),
    /// No response head within the first-byte timeout.
    FirstByteTimeout(Duration),
    /// No target is usable (passive health took every one out).
    NoTarget,
    /// The upstream request's URI or Host could not be made from the
    /// request and the target.
    Uri,
}

impl UpstreamError {
    /// The status Kong answers with.
    pub fn status(&self) -> u16 {
        match self {
            UpstreamError::Connect(_)
            | UpstreamError::Exchange(_)
            | UpstreamError::Http1(_)
            | UpstreamError::Uri => 502,
            UpstreamError::ConnectTimeout(_) | UpstreamError::FirstByteTimeout(_) => 504,
            UpstreamError::NoTarget => 503,
        }
    }

    /// Whether no byte of the request can have reached the upstream, so
    /// an idempotent request may be tried on another target.
    pub fn nothing_sent(&self) -> bool {
        matches!(
            self,
            UpstreamError::Connect(_) | UpstreamError::ConnectTimeout(_)
        )
    }
}

impl std::fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::error::Error as _;
        match self {
            UpstreamError::Connect(e) => write!(f, "connecting to the upstream failed: {e}")?,
            UpstreamError::ConnectTimeout(d) => {
                return write!(f, "connecting to the upstream timed out after {d:?}")
            }
            UpstreamError::Exchange(e) => write!(f, "the upstream exchange failed: {e}")?,
            UpstreamError::Http1(e) => return write!(f, "the upstream exchange failed: {e}"),
            UpstreamError::FirstByteTimeout(d) => {
                return write!(f, "the upstream sent no response head within {d:?}")
            }
            UpstreamError::NoTarget => return f.write_str("no upstream target is available"),
            UpstreamError::Uri => {
                return f.write_str("the upstream request's URI could not be built")
            }
        }
        if let UpstreamError::Exchange(e) = self {
            if let Some(src) = e.source() {
                write!(f, " ({src})")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for UpstreamError {}
