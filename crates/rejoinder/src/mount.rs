//! Handlers mounted under a path prefix, the prefix written once:
//! `Router::mount` and `App::mount`.
//!
//! A mounted handler answers every method for the prefix itself
//! (`/static`), the prefix with a slash (`/static/`) and every path below
//! it (`/static/css/a.css`), but not a path that merely starts with the
//! same letters (`/staticx`). It sees the whole request path in
//! `ctx.req.path()` and the part below the prefix in
//! [`Context::mounted_path`] (`""`, `"/"`, `"/css/a.css"`), which is what
//! a file server maps to a file.

use std::sync::Arc;

use crate::context::Context;
use crate::handler::{BoxFuture, Handler, HandlerFuture};

/// The name of the catch-all parameter a router mount adds to its
/// patterns; it is not shown to handlers as a path parameter.
pub(crate) const TAIL: &str = "__rejoinder_mount_tail";

/// A mount prefix as stored: no trailing slash (`/static`), or `""` for
/// the root.
///
/// # Panics
///
/// When `prefix` is neither empty nor starts with `/`.
pub(crate) fn normalize(prefix: &str) -> String {
    assert!(
        prefix.is_empty() || prefix.starts_with('/'),
        "a mount prefix starts with '/': {prefix:?}"
    );
    prefix.trim_end_matches('/').to_owned()
}

/// Where the part of `path` below `prefix` (normalized) starts, or `None`
/// when `path` is not the prefix or below it.
pub(crate) fn below(prefix: &str, path: &str) -> Option<usize> {
    let rest = path.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(prefix.len())
}

/// Which of a router mount's patterns matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// The prefix itself, `/static`.
    Exact,
    /// The prefix and a slash, `/static/`.
    Slash,
    /// A path below it, `/static/{*tail}`.
    Tail,
}

impl End {
    /// Where the mounted path starts in `path`, given the raw value of the
    /// tail parameter (for [`End::Tail`]).
    pub(crate) fn offset(self, path: &str, tail: &str) -> usize {
        match self {
            End::Exact => path.len(),
            End::Slash => path.len() - 1,
            End::Tail => path.len() - tail.len() - 1,
        }
    }

    /// [`End::offset`] for a mount at a literal prefix `prefix_len` bytes
    /// long: a path below it starts with exactly the prefix, so the tail
    /// is not needed (nor read: the router checks a parameter's UTF-8
    /// when it is read).
    pub(crate) fn offset_below_literal(self, path: &str, prefix_len: usize) -> usize {
        match self {
            End::Tail => prefix_len,
            _ => self.offset(path, ""),
        }
    }
}

/// The router patterns that make up a mount at `prefix` (normalized): the
/// prefix (unless it is the root), the prefix with a slash, and the
/// catch-all below it.
pub(crate) fn patterns(prefix: &str) -> Vec<(String, End)> {
    let mut out = Vec::with_capacity(3);
    if !prefix.is_empty() {
        out.push((prefix.to_owned(), End::Exact));
    }
    out.push((format!("{prefix}/"), End::Slash));
    out.push((format!("{prefix}/{{*{TAIL}}}"), End::Tail));
    out
}

/// An app's handler with the handlers mounted on the app in front of it:
/// a request below a mount prefix goes to the longest such prefix's
/// handler, every other one to `rest`.
#[derive(Clone)]
pub(crate) struct Dispatch {
    /// Longest prefix first.
    mounts: Vec<(String, Arc<dyn Handler>)>,
    pub(crate) rest: Arc<dyn Handler>,
}

impl Dispatch {
    pub(crate) fn new(rest: Arc<dyn Handler>) -> Self {
        Dispatch {
            mounts: Vec::new(),
            rest,
        }
    }

    /// Mounts `handler` at `prefix`.
    ///
    /// # Panics
    ///
    /// When the prefix does not start with `/`, holds a route parameter
    /// (`{`), or is mounted already.
    pub(crate) fn add(&mut self, prefix: &str, handler: Arc<dyn Handler>) {
        let prefix = normalize(prefix);
        assert!(
            !prefix.contains(['{', '}']),
            "App::mount takes a literal prefix, {prefix:?} has a parameter: \
             use Router::mount for prefixes with parameters"
        );
        assert!(
            self.mounts.iter().all(|(p, _)| *p != prefix),
            "{prefix:?} is mounted twice"
        );
        self.mounts.push((prefix, handler));
        self.mounts.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    }
}

impl Dispatch {
    /// The handler for this request: a mounted one (the context then
    /// knows where the mounted path starts), or the app's own.
    #[inline]
    fn route(&self, ctx: &mut Context) -> &dyn Handler {
        if self.mounts.is_empty() {
            return &*self.rest;
        }
        self.mounted(ctx)
    }

    /// [`route`](Self::route) when something is mounted.
    fn mounted(&self, ctx: &mut Context) -> &dyn Handler {
        let path = ctx.req.path();
        let found = self
            .mounts
            .iter()
            .find_map(|(prefix, h)| Some((below(prefix, path)?, h)));
        match found {
            Some((at, handler)) => {
                ctx.set_mounted(at);
                &**handler
            }
            None => &*self.rest,
        }
    }
}

impl Handler for Dispatch {
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        self.route(ctx).call(ctx)
    }

    fn call_inline<'a>(&'a self, ctx: &'a mut Context) -> HandlerFuture<'a> {
        self.route(ctx).call_inline(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(normalize("/static/"), "/static");
        assert_eq!(normalize("/"), "");
        assert_eq!(below("/static", "/static"), Some(7));
        assert_eq!(below("/static", "/static/a.css"), Some(7));
        assert_eq!(below("/static", "/staticx"), None);
        assert_eq!(below("/static", "/stat"), None);
        assert_eq!(below("", "/anything"), Some(0));
    }

    #[test]
    fn router_patterns() {
        let p: Vec<String> = patterns("/static").into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            p,
            ["/static", "/static/", "/static/{*__rejoinder_mount_tail}"]
        );
        assert_eq!(patterns("").len(), 2);
        assert_eq!(End::Exact.offset("/static", ""), 7);
        assert_eq!(End::Slash.offset("/static/", ""), 7);
        assert_eq!(End::Tail.offset("/static/a/b", "a/b"), 7);
    }

    #[test]
    #[should_panic(expected = "starts with '/'")]
    fn relative_prefix() {
        normalize("static");
    }
}
