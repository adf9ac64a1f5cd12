//! Whether a request came over TLS: the one place that decides it, for the
//! `Secure` default of the app's cookies.
//!
//! A request counts as secure when it arrived on a TLS connection
//! (`Request::is_secure`), when its URI says `https` (HTTP/2's `:scheme`,
//! an absolute-form request target), or, only when the app trusts its proxy
//! (`App::trust_proxy`), when the first `X-Forwarded-Proto` value is
//! `https`, as Koa's `ctx.secure` with `app.proxy`.

use super::Request;

impl Request {
    /// Whether the request came over TLS, or through a trusted proxy that
    /// says its client used TLS.
    pub(crate) fn came_over_tls(&self, trust_proxy: bool) -> bool {
        if self.scheme() == "https" {
            return true;
        }
        trust_proxy
            && self
                .headers()
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
    }
}
