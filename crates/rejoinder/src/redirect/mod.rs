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
//! origin the app trusts ([`App::trusted_origins`](crate::App::trusted_origins));
//! otherwise it goes to `alt`, else `/`.
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
        let scheme = self.req.uri().scheme_str().unwrap_or("http");
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
        let normalized = if url.len() >= 7
            && (url[..7].eq_ignore_ascii_case("http://")
                || url
                    .get(..8)
                    .is_some_and(|p| p.eq_ignore_ascii_case("https://")))
        {
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

    /// Whether `referrer` may be followed: it resolves to this request's
    /// host, or to a trusted origin.
    fn referrer_allowed(&self, referrer: &str) -> bool {
        let Ok(base) = url::Url::parse(&self.href()) else {
            return false;
        };
        let Ok(target) = base.join(referrer) else {
            return false;
        };
        if !matches!(target.scheme(), "http" | "https") {
            return false;
        }
        let host = match (target.host_str(), target.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => return false,
        };
        if self.req.host() == Some(host.as_str()) {
            return true;
        }
        let origin = target.origin().ascii_serialization();
        self.shared()
            .trusted_origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(&origin))
    }

    /// Redirects to the Referer when it is on this host (or a trusted
    /// origin), else to `alt`, else to `/` (Koa's `ctx.back`).
    ///
    /// # Errors
    ///
    /// As [`redirect`](Self::redirect).
    pub fn back(&mut self, alt: Option<&str>) -> Result<&mut Response, RedirectError> {
        let target = match self.req.referer() {
            Some(r) if self.referrer_allowed(r) => r.to_owned(),
            _ => alt.unwrap_or("/").to_owned(),
        };
        self.redirect(&target)
    }
}
