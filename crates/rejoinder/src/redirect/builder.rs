//! Adonis's redirect builder: `ctx.redirect_to().back()`, `.to_path()`,
//! `.to_route()`, query strings and the status.

use rejoinder_core::prelude::*;
use rejoinder_core::uri;
use serde_json::Value;

use super::{set_location, RedirectError};
use crate::context::Context;

impl Context {
    /// Adonis's redirect builder. See the [module docs](crate::redirect).
    pub fn redirect_to(&mut self) -> Redirect<'_> {
        Redirect {
            ctx: self,
            status: 302,
            forward_qs: false,
            qs: Value::Object(serde_json::Map::new()),
        }
    }
}

/// Adonis's redirect builder, from [`Context::redirect_to`].
#[must_use = "a redirect does nothing until back(), to_path() or to_route() is called"]
#[derive(Debug)]
pub struct Redirect<'a> {
    ctx: &'a mut Context,
    status: u16,
    forward_qs: bool,
    qs: Value,
}

impl Redirect<'_> {
    /// The redirect status (302 by default).
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Forwards the current query string (with [`back`](Self::back), the
    /// Referer's).
    pub fn with_qs(mut self) -> Self {
        self.forward_qs = true;
        self
    }

    /// Adds query values (an object; nested objects and lists are written as
    /// `a[b]=c` and `a[0]=x`), merged with earlier ones.
    pub fn with_qs_from(mut self, values: impl serde::Serialize) -> Self {
        if let Ok(v) = serde_json::to_value(values) {
            uri::qs_merge(&mut self.qs, &v);
        }
        self
    }

    /// Drops every query value and stops forwarding.
    pub fn clear_qs(mut self) -> Self {
        self.forward_qs = false;
        self.qs = Value::Object(serde_json::Map::new());
        self
    }

    /// Redirects to the Referer's path (any host: only its path is kept),
    /// or to `/` without one.
    ///
    /// # Errors
    ///
    /// An invalid status.
    pub fn back(self) -> Result<(), RedirectError> {
        let referrer = self.ctx.req.referer().unwrap_or("/").to_owned();
        let parsed = url::Url::parse("http://localhost/")
            .and_then(|base| base.join(&referrer))
            .ok();
        // Only a path, and one that cannot turn into a protocol-relative
        // URL (`//evil.example/x`) to another host.
        let path = parsed.as_ref().map_or("/".to_owned(), |u| {
            format!("/{}", u.path().trim_start_matches(['/', '\\']))
        });
        let query = parsed
            .as_ref()
            .and_then(|u| u.query())
            .unwrap_or("")
            .to_owned();
        self.send(&path, &query)
    }

    /// Redirects to `path`.
    ///
    /// # Errors
    ///
    /// An invalid status.
    pub fn to_path(self, path: &str) -> Result<(), RedirectError> {
        let query = self.ctx.req.query_string().unwrap_or("").to_owned();
        self.send(path, &query)
    }

    /// Redirects to a named route.
    ///
    /// # Errors
    ///
    /// An unknown route, a missing parameter, or an invalid status.
    pub fn to_route(self, name: &str, params: &[(&str, &str)]) -> Result<(), RedirectError> {
        let path = self
            .ctx
            .url_for(name, params)
            .map_err(RedirectError::route)?;
        let query = self.ctx.req.query_string().unwrap_or("").to_owned();
        self.send(&path, &query)
    }

    fn send(self, path: &str, forwarded: &str) -> Result<(), RedirectError> {
        let mut query = if self.forward_qs {
            uri::qs_parse(forwarded)
        } else {
            Value::Object(serde_json::Map::new())
        };
        uri::qs_merge(&mut query, &self.qs);
        let qs = uri::qs_stringify(&query);
        let url = if qs.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{qs}")
        };
        // Checked before anything changes: a refused redirect leaves the
        // response as it was.
        let status = rejoinder_core::status::Range::Any
            .check(self.status)
            .map_err(rejoinder_core::Error::from)?;
        let res = &mut self.ctx.res;
        set_location(res, &url)?;
        res.set_status(status);
        res.set_type("text/plain; charset=utf-8")?;
        res.send(format!("Redirecting to {url}"));
        Ok(())
    }
}
