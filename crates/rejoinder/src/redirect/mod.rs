//! Redirects: Koa's `redirect` and `back`, and Adonis's redirect builder.
//!
//! Koa's [`Context::redirect`] normalizes absolute http(s) URLs (WHATWG
//! parsing, so `http://a.test\@evil` becomes `http://a.test/@evil`), encodes
//! the Location as `encodeurl` does (CR/LF and other unsafe bytes are
//! percent-encoded, never sent raw), keeps a redirect status that was set
//! (302 otherwise), and answers "Redirecting to …." as HTML-escaped text for
//! clients that accept HTML, plain text otherwise — with no link to click.
//!
//! [`Context::back`] follows the Referer only when it resolves to the
//! request's own host (Koa's rule since its open-redirect fix), or to an
//! origin the app trusts ([`App::trusted_origins`](crate::App::trusted_origins)),
//! from an `http:` page and from an `https:` page alike; otherwise it goes
//! to `alt`, else `/`. A followed Referer that is not a plain path or an
//! absolute http(s) URL is sent resolved, as a path with one leading slash.
//!
//! [`Context::redirect_to`] is Adonis's builder: `.back()` keeps only the
//! Referer's path, `.to_path()`, `.to_route()`, `.status()`, and query
//! strings with `.with_qs()` (forward the current one), `.with_qs_from()`
//! (merge values, nested objects as `filters[name]=virk`) and `.clear_qs()`.
//!
//! # Examples
//!
//! ```
//! use rejoinder::{Context, HttpError};
//!
//! async fn login_first(ctx: &mut Context) -> Result<(), HttpError> {
//!     if ctx.req.header("cookie").is_none() {
//!         ctx.redirect("/login")?;
//!     }
//!     Ok(())
//! }
//!
//! async fn list(ctx: &mut Context) -> Result<(), HttpError> {
//!     ctx.redirect_to()
//!         .with_qs_from(serde_json::json!({"page": 1, "filters": {"name": "virk"}}))
//!         .to_path("/users")?;
//!     Ok(())
//! }
//! ```

use rejoinder_core::uri::{encode_url, escape_html};
use rejoinder_core::{status, Error, Response};

use crate::context::Context;

#[cfg(feature = "adonis")]
mod builder;
use crate::routes::UrlError;
#[cfg(feature = "adonis")]
pub use builder::Redirect;

/// Why a redirect could not be made. Opaque; the predicates tell the
/// kinds apart.
#[derive(Debug)]
pub struct RedirectError {
    kind: RedirectKind,
}

#[derive(Debug)]
enum RedirectKind {
    InvalidUrl(String),
    #[cfg_attr(not(feature = "adonis"), allow(dead_code))]
    Route(UrlError),
    Response(Error),
}

impl RedirectError {
    #[cfg(feature = "adonis")]
    pub(crate) fn route(e: UrlError) -> Self {
        RedirectError {
            kind: RedirectKind::Route(e),
        }
    }

    /// An absolute URL that does not parse.
    pub fn is_invalid_url(&self) -> bool {
        matches!(self.kind, RedirectKind::InvalidUrl(_))
    }

    /// A named route that could not be built (unknown, or a parameter
    /// missing).
    pub fn is_route(&self) -> bool {
        matches!(self.kind, RedirectKind::Route(_))
    }

    /// The response refused a value (a status outside 100–999, …).
    pub fn is_refused(&self) -> bool {
        matches!(self.kind, RedirectKind::Response(_))
    }

    /// The response's refusal, when that is what this is; else `self`.
    ///
    /// # Errors
    ///
    /// `self`, when the redirect failed for another reason.
    pub fn into_refusal(self) -> Result<Error, Self> {
        match self.kind {
            RedirectKind::Response(e) => Ok(e),
            kind => Err(RedirectError { kind }),
        }
    }
}

impl std::fmt::Display for RedirectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            RedirectKind::InvalidUrl(u) => write!(f, "cannot redirect to {u:?}: not a valid URL"),
            RedirectKind::Route(e) => e.fmt(f),
            RedirectKind::Response(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RedirectError {}

impl From<Error> for RedirectError {
    fn from(e: Error) -> Self {
        RedirectError {
            kind: RedirectKind::Response(e),
        }
    }
}

pub(crate) fn set_location(res: &mut Response, url: &str) -> Result<(), RedirectError> {
    res.set_location(&encode_url(url))?;
    Ok(())
}

impl Context {
    /// `http://host/path…` of this request (Koa's `ctx.href`).
    pub fn href(&self) -> String {
        let scheme = self.req.scheme();
        let host = self.req.host().unwrap_or("localhost");
        let path = self.req.uri().path_and_query().map_or("/", |p| p.as_str());
        format!("{scheme}://{host}{path}")
    }

    /// Redirects to `url` as Koa does. See the [module docs](crate::redirect).
    ///
    /// # Errors
    ///
    /// An absolute http(s) URL that does not parse.
    pub fn redirect(&mut self, url: &str) -> Result<&mut Response, RedirectError> {
        let normalized = if is_http_url(url) {
            url::Url::parse(url)
                .map_err(|_| RedirectError {
                    kind: RedirectKind::InvalidUrl(url.to_owned()),
                })?
                .to_string()
        } else {
            url.to_owned()
        };
        let html = self.req.accepts(&["html"]).is_some();
        let res = &mut self.res;
        set_location(res, &normalized)?;
        if !status::is_redirect(res.status().as_u16()) {
            res.set_status(http::StatusCode::FOUND);
        }
        if html {
            res.set_type("text/html; charset=utf-8")?;
            res.set_body(format!("Redirecting to {}.", escape_html(&normalized)));
        } else {
            res.set_type("text/plain; charset=utf-8")?;
            res.set_body(format!("Redirecting to {normalized}."));
        }
        Ok(res)
    }

    /// What [`back`](Self::back) redirects to for `referrer`, if it may be
    /// followed: it resolves to this request's host (or a trusted origin)
    /// both from an `http:` and from an `https:` page, since the scheme the
    /// browser is on is not known here (`http:evil.test` is a path on an
    /// `http:` page and another host on an `https:` one).
    fn back_target(&self, referrer: &str) -> Option<String> {
        let host = self.req.host()?;
        let path = self.req.uri().path_and_query().map_or("/", |p| p.as_str());
        let own = self.req.scheme();
        let mut on_own_scheme = None;
        for scheme in ["http", "https"] {
            let base = url::Url::parse(&format!("{scheme}://{host}{path}")).ok()?;
            let target = base.join(referrer).ok()?;
            if !self.may_follow(&target, host) {
                return None;
            }
            if scheme == own {
                on_own_scheme = Some(target);
            }
        }
        // What the browser strips before resolving (WHATWG URL): C0 and
        // spaces at either end, tabs and line breaks anywhere.
        let stripped: String = referrer
            .trim_matches(|c: char| c <= ' ')
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect();
        let plain = stripped == referrer;
        let bytes = stripped.as_bytes();
        let path_absolute =
            bytes.first() == Some(&b'/') && !matches!(bytes.get(1), Some(b'/' | b'\\'));
        if plain && (path_absolute || is_http_url(&stripped)) {
            // Koa's own answer: the Referer as sent (absolute URLs are
            // normalized by `redirect`).
            return Some(referrer.to_owned());
        }
        // Anything else goes out resolved, as a path on this origin that no
        // reading can take elsewhere (one leading slash).
        let target = on_own_scheme?;
        let mut out = format!("/{}", target.path().trim_start_matches(['/', '\\']));
        if let Some(q) = target.query() {
            out.push('?');
            out.push_str(q);
        }
        if let Some(f) = target.fragment() {
            out.push('#');
            out.push_str(f);
        }
        Some(out)
    }

    /// Whether `target` is on this request's host, or a trusted origin.
    fn may_follow(&self, target: &url::Url, host: &str) -> bool {
        if !matches!(target.scheme(), "http" | "https") {
            return false;
        }
        let authority = match (target.host_str(), target.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => return false,
        };
        if host.eq_ignore_ascii_case(&authority) {
            return true;
        }
        let origin = target.origin().ascii_serialization();
        self.shared()
            .trusted_origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(&origin))
    }

    /// Redirects to the Referer when it is on this host (or a trusted
    /// origin), else to `alt`, else to `/` (Koa's `ctx.back`). A Referer
    /// that reaches another origin from an `http:` or an `https:` page —
    /// `//evil.test`, `/\\evil.test`, `http:evil.test`, tabs or line breaks
    /// inside the scheme or host, userinfo, IDN and percent-encoded hosts —
    /// is not followed.
    ///
    /// # Errors
    ///
    /// As [`redirect`](Self::redirect).
    pub fn back(&mut self, alt: Option<&str>) -> Result<&mut Response, RedirectError> {
        let target = self
            .req
            .referer()
            .and_then(|r| self.back_target(r))
            .unwrap_or_else(|| alt.unwrap_or("/").to_owned());
        self.redirect(&target)
    }
}

/// Whether `url` starts with `http://` or `https://` (any case): the URLs
/// Koa normalizes before redirecting.
fn is_http_url(url: &str) -> bool {
    let starts = |prefix: &str| {
        url.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    starts("http://") || starts("https://")
}
