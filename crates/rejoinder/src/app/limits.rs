#![doc = include_str!("../../../../docs/limits.md")]

use std::time::Duration;

use rejoinder_core::{HttpError, IntoResponse, Response};

use crate::app::App;

/// The server's limits; see the module docs and docs/limits.md.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// From accept (or from the end of the previous response, once bytes of
    /// the next request arrive) to a complete request head.
    pub(crate) header_read_timeout: Duration,
    /// How long a connection may sit idle between requests.
    pub(crate) keep_alive_timeout: Duration,
    /// How long a handler may take to produce its response (`None`: no
    /// limit).
    pub(crate) request_timeout: Option<Duration>,
    /// The largest request head (request line and headers), in bytes.
    pub(crate) max_head_size: usize,
    /// The most header fields in a request.
    pub(crate) max_headers: usize,
    /// The longest request target (path and query), in bytes.
    pub(crate) max_uri_len: usize,
    /// The most connections served at once (`None`: derived from the file
    /// descriptor limit).
    pub(crate) max_connections: Option<usize>,
    /// How long a graceful shutdown waits for in-flight requests.
    pub(crate) shutdown_timeout: Duration,
}

/// The default head size: 64 KiB (nginx allows 4 × 8 KiB buffers for large
/// heads; hyper's own default is about 400 KiB).
pub(crate) const DEFAULT_MAX_HEAD_SIZE: usize = 64 * 1024;
/// File descriptors kept free for files, logs and upstreams when the
/// connection cap is derived from the fd limit.
pub(crate) const FD_RESERVE: usize = 64;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(30),
            keep_alive_timeout: Duration::from_secs(75),
            request_timeout: None,
            max_head_size: DEFAULT_MAX_HEAD_SIZE,
            max_headers: 100,
            max_uri_len: 8 * 1024,
            max_connections: None,
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// The connection cap: the one set, else the process's limit of open
    /// files minus a reserve (at least 16).
    pub(crate) fn connection_cap(&self) -> usize {
        self.max_connections
            .unwrap_or_else(|| open_files_limit().saturating_sub(FD_RESERVE).max(16))
    }
}

/// The soft limit of open files (`RLIMIT_NOFILE`), read from
/// `/proc/self/limits` (no `unsafe` needed); 1024 where it cannot be read.
pub(crate) fn open_files_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("Max open files"))?;
            let soft = line["Max open files".len()..].split_whitespace().next()?;
            match soft {
                "unlimited" => Some(1 << 20),
                n => n.parse().ok(),
            }
        })
        .unwrap_or(1024)
}

/// hyper's smallest read buffer; a head limit below it is raised to it.
pub(crate) const MIN_HEAD_SIZE: usize = 8 * 1024;

impl Limits {
    /// The answer for a request over the URI or header-count limit, or
    /// `None` when it is within them. HTTP/1 heads over the size or count
    /// limit are refused by hyper itself (431); this check covers HTTP/2 and
    /// the in-process client, and the URI length on every protocol.
    #[inline]
    pub(crate) fn refuse(&self, uri: &http::Uri, headers: &http::HeaderMap) -> Option<Response> {
        let target = uri.path_and_query().map_or(0, |p| p.as_str().len());
        if target <= self.max_uri_len && headers.len() <= self.max_headers {
            return None;
        }
        self.refusal(target, headers.len())
    }

    /// The answer for a request over a limit.
    #[cold]
    fn refusal(&self, target: usize, count: usize) -> Option<Response> {
        if target > self.max_uri_len {
            let message = format!(
                "the request target is {target} bytes; this server takes at most {}",
                self.max_uri_len
            );
            return Some(HttpError::uri_too_long(message).into_response());
        }
        if count > self.max_headers {
            let message = format!(
                "the request has {count} header fields; this server takes at most {}",
                self.max_headers
            );
            let error = HttpError::new(431, message)
                .unwrap_or_else(|_| HttpError::bad_request("too many header fields"));
            return Some(error.into_response());
        }
        None
    }

    /// The answer for a handler that took longer than the request timeout.
    pub(crate) fn timed_out(limit: Duration) -> Response {
        HttpError::server_unavailable(format!("the request was not answered within {limit:?}"))
            .into_response()
    }
}

impl App {
    /// How long a client may take to send a complete request head, counted
    /// from accept for the first request and from its first byte for later
    /// ones (default 30 s, nginx's `client_header_timeout` is 60 s). A
    /// connection that sends nothing at all is closed at this timeout.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits_mut().header_read_timeout = timeout;
        self
    }

    /// How long a keep-alive connection may sit idle between requests
    /// before it is closed (default 75 s, nginx's `keepalive_timeout`).
    pub fn keep_alive_timeout(mut self, timeout: Duration) -> Self {
        self.limits_mut().keep_alive_timeout = timeout;
        self
    }

    /// How long the middleware chain and the handler may take to produce a
    /// response (default: no limit). Past it the handler's future is
    /// dropped and the answer is a 503 that names the limit; the phases
    /// after the handler (header filters, the log) still run. A body that
    /// is still streaming when the head is sent is not limited by this.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.limits_mut().request_timeout = Some(timeout);
        self
    }

    /// The largest request head, request line and headers together
    /// (default 64 KiB; at least 8 KiB, smaller values are raised). A larger
    /// head is answered 431 and the connection closed.
    pub fn max_head_size(mut self, bytes: usize) -> Self {
        self.limits_mut().max_head_size = bytes.max(MIN_HEAD_SIZE);
        self
    }

    /// The most header fields a request may have (default 100, as hyper's);
    /// more are answered 431.
    pub fn max_headers(mut self, count: usize) -> Self {
        self.limits_mut().max_headers = count;
        self
    }

    /// The longest request target, path and query (default 8 KiB, nginx's
    /// `large_client_header_buffers` line size); longer ones are answered 414.
    pub fn max_uri_len(mut self, bytes: usize) -> Self {
        self.limits_mut().max_uri_len = bytes;
        self
    }

    /// The most connections served at once (default: the open-files limit
    /// minus 64 kept for files, logs and upstreams). A connection beyond it
    /// is answered `503` with `Connection: close` at once, while the
    /// connections already open go on being served.
    pub fn max_connections(mut self, count: usize) -> Self {
        self.limits_mut().max_connections = Some(count.max(1));
        self
    }

    /// How long a graceful shutdown waits for in-flight requests (default
    /// 30 s) before closing the remaining connections.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.limits_mut().shutdown_timeout = timeout;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_follows_the_fd_limit() {
        let limits = Limits::default();
        let fds = open_files_limit();
        assert!(fds >= 16);
        assert_eq!(
            limits.connection_cap(),
            fds.saturating_sub(FD_RESERVE).max(16)
        );
        let set = Limits {
            max_connections: Some(3),
            ..Limits::default()
        };
        assert_eq!(set.connection_cap(), 3);
    }
}
