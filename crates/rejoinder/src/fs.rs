//! Serving a directory of files, safely.
//!
//! [`ServeDir`] maps the request path to a file under its root and sends it
//! streamed, with Content-Type, Content-Length, Last-Modified, conditional
//! GET and ranges (see `rejoinder_core::conditional`). It refuses — with a
//! plain 404, revealing nothing — every path that could leave the root:
//! `..` segments (also percent-encoded, `%2e%2e`), backslashes, NUL bytes,
//! drive prefixes such as `c:`, and symbolic links that lead outside the
//! root (unless [`ServeDir::follow_symlinks_out_of_root`] allows them).
//! Resolving the path, opening the file and (for small files) reading it
//! happen in one blocking task.
//!
//! # Examples
//!
//! ```no_run
//! use rejoinder::{fs::ServeDir, App};
//!
//! # async fn run() -> std::io::Result<()> {
//! App::new().handler(ServeDir::new("public")).listen("127.0.0.1:3000").await
//! # }
//! ```

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use http::header::{HeaderValue, ALLOW};
use http::Method;
use rejoinder_core::body::FileBody;
use rejoinder_core::{IntoResponse, Response};

use crate::context::Context;
use crate::handler::{BoxFuture, Handler};

/// Serves the files under a root directory. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct ServeDir {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    root: PathBuf,
    follow_out: bool,
    index: Option<String>,
    prefix: String,
}

impl ServeDir {
    /// Serves the files under `root`, with `index.html` for directories.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ServeDir {
            inner: Arc::new(Inner {
                root: root.into(),
                follow_out: false,
                index: Some("index.html".into()),
                prefix: String::new(),
            }),
        }
    }

    fn inner_mut(&mut self) -> &mut Inner {
        if Arc::get_mut(&mut self.inner).is_none() {
            self.inner = Arc::new(Inner {
                root: self.inner.root.clone(),
                follow_out: self.inner.follow_out,
                index: self.inner.index.clone(),
                prefix: self.inner.prefix.clone(),
            });
        }
        Arc::get_mut(&mut self.inner).expect("unique after copy")
    }

    /// Also follows symbolic links whose target is outside the root (off by
    /// default).
    pub fn follow_symlinks_out_of_root(mut self, allow: bool) -> Self {
        self.inner_mut().follow_out = allow;
        self
    }

    /// Serves the directory under a path prefix (`/static`): the prefix is
    /// removed from the request path before it is mapped to a file, and
    /// paths outside the prefix answer 404.
    pub fn mount(mut self, prefix: &str) -> Self {
        self.inner_mut().prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// The file served for a directory (`index.html` by default; `None`
    /// answers directories with 404).
    pub fn index(mut self, name: Option<&str>) -> Self {
        self.inner_mut().index = name.map(str::to_owned);
        self
    }
}

/// The path relative to the root for a request path, or `None` when the
/// path could leave the root or name something odd.
pub fn safe_relative_path(request_path: &str) -> Option<PathBuf> {
    let decoded = rejoinder_core::uri::percent_decode(request_path);
    if decoded.contains(['\0', '\\']) {
        return None;
    }
    let mut out = PathBuf::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => continue,
            ".." => return None,
            s if s.contains(':') => return None,
            s => out.push(s),
        }
    }
    // Belt and braces: only plain names may remain.
    out.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(out)
}

fn resolve(inner: &Inner, relative: &Path) -> io::Result<FileBody> {
    let not_found = || io::Error::new(io::ErrorKind::NotFound, "not found");
    let root = inner.root.canonicalize()?;
    // A path that does not resolve (missing, under a file, too long, a
    // symlink loop) names no file: 404, not a server error.
    let mut path = root
        .join(relative)
        .canonicalize()
        .map_err(|_| not_found())?;
    if !inner.follow_out && !path.starts_with(&root) {
        return Err(not_found());
    }
    if path.is_dir() {
        let index = inner.index.as_deref().ok_or_else(not_found)?;
        path = path.join(index).canonicalize().map_err(|_| not_found())?;
        if !inner.follow_out && !path.starts_with(&root) {
            return Err(not_found());
        }
    }
    FileBody::open_blocking(path)
}

impl Handler for ServeDir {
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let method = ctx.req.method();
            if method != Method::GET && method != Method::HEAD {
                ctx.res.set_status(http::StatusCode::METHOD_NOT_ALLOWED);
                ctx.res
                    .headers_mut()
                    .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
                return;
            }
            let Some(path) = ctx.req.path().strip_prefix(self.inner.prefix.as_str()) else {
                return;
            };
            if !path.is_empty() && !path.starts_with('/') {
                return;
            }
            let Some(relative) = safe_relative_path(path) else {
                tracing::debug!(path = ctx.req.path(), "refused a path outside the root");
                return;
            };
            let inner = self.inner.clone();
            let opened = tokio::task::spawn_blocking(move || resolve(&inner, &relative)).await;
            match opened {
                Ok(Ok(file)) => {
                    ctx.res.send_file(file);
                    ctx.res.headers_mut().insert(
                        http::header::ACCEPT_RANGES,
                        HeaderValue::from_static("bytes"),
                    );
                }
                Ok(Err(e)) => Response::file_error(&e).apply_to(&mut ctx.res),
                Err(join) => Response::file_error(&io::Error::other(join)).apply_to(&mut ctx.res),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::safe_relative_path;

    #[test]
    fn traversal_is_refused() {
        for bad in [
            "/../etc/passwd",
            "/a/../../x",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc",
            "/a/..%2f..%2fb",
            "/c:/windows",
            "/a\\..\\b",
            "/a%5c..%5cb",
            "/nul%00byte",
        ] {
            assert!(safe_relative_path(bad).is_none(), "{bad}");
        }
        assert_eq!(
            safe_relative_path("/a/./b%20c.txt").unwrap().to_str(),
            Some("a/b c.txt")
        );
        assert_eq!(safe_relative_path("/").unwrap().to_str(), Some(""));
    }
}
