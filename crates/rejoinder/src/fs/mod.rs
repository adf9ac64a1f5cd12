//! Serving a directory of files, safely.
//!
//! [`ServeDir`] maps the request path to a file under its root and sends it
//! streamed, with Content-Type, Content-Length, Last-Modified, an ETag,
//! conditional requests and ranges. Mount it under a prefix, written once,
//! with [`Router::mount`](crate::router::Router::mount) or `App::mount`
//! (`/static/app.css` is then `<root>/app.css`), or make it the whole app
//! with `App::handler`. It answers GET and HEAD
//! (the same headers, no body); other methods get `405` with `Allow: GET,
//! HEAD`.
//!
//! # Safety of paths
//!
//! Every path that could leave the root is refused with a plain 404 that
//! reveals nothing: `..` segments (also percent-encoded, `%2e%2e`, or
//! joined with `%2f`), backslashes, NUL bytes, drive prefixes such as `c:`,
//! and symbolic links that lead outside the root (unless
//! [`ServeDir::follow_symlinks_out_of_root`] allows them). The same check
//! holds for the directory index and for precompressed siblings: a
//! `style.css.gz` that links out of the root is never sent. Only regular
//! files are served. Resolving the path, opening the file and (for small
//! files) reading it happen in one blocking task.
//!
//! # Small files kept in memory
//!
//! A file up to [`PRELOAD_LIMIT`](rejoinder_core::body::PRELOAD_LIMIT) sent
//! as it is (no precompressed sibling) is kept, and the next request for
//! the same path costs one `stat` instead of that blocking task: the kept
//! bytes are sent while the path still has the same device, inode, size,
//! modification and status-change times, and any change sends the request
//! down the full path again, with every check above. See
//! [`ServeDir::open_file_cache`].
//!
//! # Directories
//!
//! A directory asked for with its trailing slash (`/docs/`) is answered with
//! its `index.html` ([`ServeDir::index`] changes the name or turns this
//! off); there are no listings, so a directory without an index is a 404.
//! Asked for without the slash (`/docs?x=1`), a directory with an index is
//! redirected with `301 Moved Permanently` to the slash form (`/docs/?x=1`,
//! the query kept), so that relative links in the page resolve under it.
//! 301 is what nginx and Apache send; tower-http sends `307`, a temporary
//! redirect, though the answer never changes while the directory exists.
//! ServeDir answers only GET and HEAD, for which 301 and 308 mean the same,
//! and 301 is the one every client and cache knows. A file asked for with
//! a trailing slash (`/a.css/`) is a 404, as in nginx and tower-http.
//!
//! # Validators and conditional requests
//!
//! Each file has a strong ETag built from its modification time and size as
//! nginx builds it, `"<mtime seconds hex>-<size hex>"` (`"5cbee66d-264"`),
//! and Last-Modified. The server's conditional-request step
//! (`rejoinder_core::conditional`, RFC 9110 §13.2.2 order) answers them:
//! `If-None-Match` (weak comparison, lists and `*`) or `If-Modified-Since`
//! → `304`; `If-Match` (strong comparison) or `If-Unmodified-Since` failing
//! → `412`; `Range` → `206` or `416`, honoured only when an `If-Range`
//! carries the current ETag or date (otherwise the whole file, `200`).
//!
//! # Precompressed files
//!
//! With [`ServeDir::precompressed_br`], [`precompressed_gzip`]
//! (`ServeDir::precompressed_gzip`), [`precompressed_zstd`]
//! (`ServeDir::precompressed_zstd`) or [`precompressed_deflate`]
//! (`ServeDir::precompressed_deflate`) — all off by default, as in
//! tower-http — a request whose Accept-Encoding accepts the coding
//! (q-values, `*`, `gzip;q=0` refusing) is sent `file.ext.br` / `.gz` /
//! `.zst` / `.zz` when it exists next to `file.ext`, with
//! `Content-Encoding`, the Content-Type of `file.ext`, its own
//! Content-Length, Last-Modified and ETag (`"<mtime>-<size>-gzip"`, never
//! the plain file's). At equal q, br is preferred, then zstd, gzip,
//! deflate; a missing sibling falls back to the next coding and then to
//! the file itself (identity). Every file response of such a ServeDir —
//! compressed or not, 200, 206, 304 or 412 — carries `Vary:
//! Accept-Encoding`. Ranges count the encoded bytes, as in tower-http. The
//! siblings are made ahead of time (`gzip -k`, `brotli -k`); nothing is
//! compressed on the fly, and a sibling without its original is not served.
//!
//! [`precompressed_gzip`]: ServeDir::precompressed_gzip
//! [`precompressed_zstd`]: ServeDir::precompressed_zstd
//! [`precompressed_deflate`]: ServeDir::precompressed_deflate
//!
//! # Examples
//!
//! ```no_run
//! use rejoinder::{fs::ServeDir, App, Context, Router};
//!
//! # async fn run() -> std::io::Result<()> {
//! // `/static/app.css` is `public/app.css` (or `public/app.css.br`).
//! let router = Router::new()
//!     .get("/", async |_: &mut Context| "home")
//!     .mount("/static", ServeDir::new("public").precompressed_br().precompressed_gzip());
//! App::new().router(router).listen("127.0.0.1:3000").await
//! # }
//! ```
//!
//! The whole app can be a ServeDir:
//!
//! ```
//! use rejoinder::testing::TestClient;
//! use rejoinder::{fs::ServeDir, App};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::create_dir_all(dir.path().join("docs")).unwrap();
//! std::fs::write(dir.path().join("docs/index.html"), "<h1>docs</h1>").unwrap();
//!
//! let client = TestClient::new(App::new().handler(ServeDir::new(dir.path())));
//! let page = client.get("/docs/").send().await;
//! assert_eq!(page.status(), 200);
//! let etag = page.header("etag").unwrap().to_owned();
//!
//! // The client's copy is current: 304, no body.
//! let again = client.get("/docs/").header("if-none-match", &etag).send().await;
//! assert_eq!(again.status(), 304);
//!
//! // Without the slash: redirected to it.
//! let bare = client.get("/docs?lang=en").send().await;
//! assert_eq!(bare.status(), 301);
//! assert_eq!(bare.header("location"), Some("/docs/?lang=en"));
//!
//! // Refused: a way out of the root.
//! assert_eq!(client.get("/docs/%2e%2e/%2e%2e/etc/passwd").send().await.status(), 404);
//! # }
//! ```

mod cache;
mod encoding;
mod etag;
mod resolve;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http::header::{self, HeaderValue};
use http::{Method, StatusCode};
use rejoinder_core::body::FileBody;
use rejoinder_core::{IntoResponse, Response};

use crate::context::Context;
use crate::handler::{BoxFuture, Handler};
use cache::{Entry, FileCache, Validator};
use encoding::{Encoding, Encodings};
use resolve::{Found, Lookup};

pub use resolve::safe_relative_path;

/// Serves the files under a root directory: a [`Handler`] to mount under a
/// prefix or to make the whole app. See the [module docs](self).
///
/// Cloning is cheap (the settings are behind one `Arc`).
#[derive(Debug, Clone)]
#[must_use = "a ServeDir does nothing until it is mounted or made the app's handler"]
pub struct ServeDir {
    inner: Arc<Inner>,
}

#[derive(Debug, Clone)]
struct Inner {
    root: PathBuf,
    follow_out: bool,
    index: Option<String>,
    prefix: String,
    encodings: Encodings,
    cache_control: Option<HeaderValue>,
    cache: FileCache,
}

impl ServeDir {
    /// Serves the files under `root`, with `index.html` for directories,
    /// no precompressed siblings, and no symbolic links out of the root.
    /// The root is resolved on each request, so it may be created (or
    /// replaced) after the app starts.
    ///
    /// ```
    /// use rejoinder::testing::TestClient;
    /// use rejoinder::{fs::ServeDir, App, Router};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("a.css"), "body {}").unwrap();
    ///
    /// let app = App::new().router(Router::new().mount("/static", ServeDir::new(dir.path())));
    /// let res = TestClient::new(app).get("/static/a.css").send().await;
    /// assert_eq!(res.status(), 200);
    /// assert_eq!(res.header("content-type"), Some("text/css; charset=utf-8"));
    /// assert_eq!(res.text(), "body {}");
    /// # }
    /// ```
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ServeDir {
            inner: Arc::new(Inner {
                root: root.into(),
                follow_out: false,
                index: Some("index.html".into()),
                prefix: String::new(),
                encodings: Encodings::default(),
                cache_control: Some(HeaderValue::from_static("max-age=0")),
                cache: FileCache::new(cache::DEFAULT_FILES),
            }),
        }
    }

    fn inner_mut(&mut self) -> &mut Inner {
        Arc::make_mut(&mut self.inner)
    }

    /// Also follows symbolic links whose target is outside the root (off by
    /// default: such a link answers 404). `..` in the request path stays
    /// refused either way.
    ///
    /// ```
    /// use rejoinder::fs::ServeDir;
    ///
    /// // A deployment whose root links to shared assets elsewhere.
    /// let files = ServeDir::new("/srv/site").follow_symlinks_out_of_root(true);
    /// # drop(files);
    /// ```
    pub fn follow_symlinks_out_of_root(mut self, allow: bool) -> Self {
        self.inner_mut().follow_out = allow;
        self
    }

    /// Serves the directory under a path prefix (`/static`): the prefix is
    /// removed from the request path before it is mapped to a file, and
    /// paths outside the prefix answer 404. This is the old way, which
    /// repeats the prefix in the route (`.get("/static/{*path}",
    /// ServeDir::new(dir).mount("/static"))`); it still works, but
    /// `Router::mount` and `App::mount` take the prefix once and answer
    /// HEAD and the prefix itself too. Ignored when the ServeDir is mounted
    /// with one of them.
    #[deprecated(
        since = "0.1.0",
        note = "write the prefix once: `Router::new().mount(\"/static\", ServeDir::new(dir))` \
                or `App::new().mount(\"/static\", ServeDir::new(dir))`"
    )]
    pub fn mount(mut self, prefix: &str) -> Self {
        self.inner_mut().prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// The file served for a directory asked for with a trailing slash
    /// (`index.html` by default; `None` answers every directory with 404,
    /// and no longer redirects `/docs` to `/docs/`).
    ///
    /// ```
    /// use rejoinder::fs::ServeDir;
    ///
    /// let site = ServeDir::new("public").index(Some("index.htm"));
    /// let assets = ServeDir::new("assets").index(None);
    /// # drop((site, assets));
    /// ```
    pub fn index(mut self, name: Option<&str>) -> Self {
        self.inner_mut().index = name.map(str::to_owned);
        self
    }

    /// Sends `file.ext.gz` (`Content-Encoding: gzip`) to clients that
    /// accept gzip, when it exists next to `file.ext`. See the
    /// [module docs](self#precompressed-files).
    ///
    /// ```
    /// use rejoinder::testing::TestClient;
    /// use rejoinder::{fs::ServeDir, App};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("app.js"), "let x = 1;").unwrap();
    /// std::fs::write(dir.path().join("app.js.gz"), b"\x1f\x8b(gzip bytes)").unwrap();
    ///
    /// let client = TestClient::new(App::new().handler(ServeDir::new(dir.path()).precompressed_gzip()));
    /// let res = client.get("/app.js").header("accept-encoding", "gzip, deflate").send().await;
    /// assert_eq!(res.header("content-encoding"), Some("gzip"));
    /// assert_eq!(res.header("content-type"), Some("text/javascript; charset=utf-8"));
    /// assert_eq!(res.header("vary"), Some("Accept-Encoding"));
    ///
    /// // `gzip;q=0` refuses it: the file as it is, still with Vary.
    /// let res = client.get("/app.js").header("accept-encoding", "gzip;q=0").send().await;
    /// assert_eq!(res.header("content-encoding"), None);
    /// assert_eq!(res.text(), "let x = 1;");
    /// assert_eq!(res.header("vary"), Some("Accept-Encoding"));
    /// # }
    /// ```
    pub fn precompressed_gzip(self) -> Self {
        self.precompressed(Encoding::Gzip)
    }

    /// Sends `file.ext.br` (`Content-Encoding: br`) to clients that accept
    /// brotli, when it exists next to `file.ext`; preferred over the other
    /// codings the client rates as high.
    ///
    /// ```
    /// use rejoinder::fs::ServeDir;
    ///
    /// // `Accept-Encoding: gzip, br` gets `a.css.br` if present, else
    /// // `a.css.gz`, else `a.css`.
    /// let files = ServeDir::new("public").precompressed_br().precompressed_gzip();
    /// # drop(files);
    /// ```
    pub fn precompressed_br(self) -> Self {
        self.precompressed(Encoding::Brotli)
    }

    /// Sends `file.ext.zst` (`Content-Encoding: zstd`) to clients that
    /// accept zstd, when it exists next to `file.ext`.
    ///
    /// ```
    /// use rejoinder::fs::ServeDir;
    ///
    /// let files = ServeDir::new("public").precompressed_zstd();
    /// # drop(files);
    /// ```
    pub fn precompressed_zstd(self) -> Self {
        self.precompressed(Encoding::Zstd)
    }

    /// Sends `file.ext.zz` (`Content-Encoding: deflate`, zlib data) to
    /// clients that accept deflate, when it exists next to `file.ext`.
    ///
    /// ```
    /// use rejoinder::fs::ServeDir;
    ///
    /// let files = ServeDir::new("public").precompressed_deflate();
    /// # drop(files);
    /// ```
    pub fn precompressed_deflate(self) -> Self {
        self.precompressed(Encoding::Deflate)
    }

    /// Keeps up to `max_files` small files in memory (128 by default; `0`
    /// keeps none): a file up to
    /// [`PRELOAD_LIMIT`](rejoinder_core::body::PRELOAD_LIMIT) bytes, sent
    /// as it is, is sent again from memory while a `stat` of its path
    /// shows the same file (device, inode, size, modification and
    /// status-change times) — so an edited, replaced or removed file is
    /// never served stale. The memory held is at most `max_files` times
    /// `PRELOAD_LIMIT`; no file descriptor is kept open.
    ///
    /// ```
    /// use rejoinder::testing::TestClient;
    /// use rejoinder::{fs::ServeDir, App};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("a.txt"), "one").unwrap();
    ///
    /// let client = TestClient::new(App::new().handler(ServeDir::new(dir.path()).open_file_cache(16)));
    /// assert_eq!(client.get("/a.txt").send().await.text(), "one");
    /// std::fs::write(dir.path().join("a.txt"), "two, longer").unwrap();
    /// assert_eq!(client.get("/a.txt").send().await.text(), "two, longer");
    /// # }
    /// ```
    pub fn open_file_cache(mut self, max_files: usize) -> Self {
        self.inner_mut().cache = FileCache::new(max_files);
        self
    }

    fn precompressed(mut self, encoding: Encoding) -> Self {
        let inner = self.inner_mut();
        inner.encodings = inner.encodings.with(encoding);
        self
    }

    /// How long caches may use a file without asking again: the
    /// `Cache-Control: max-age` of every file served (koa-send's `maxage`).
    /// The default is `max-age=0`: caches store files but revalidate them
    /// each time (a 304 when unchanged), where a response without
    /// Cache-Control would let each cache guess a lifetime from
    /// Last-Modified (RFC 9111 §4.2.2). `immutable` adds the directive of
    /// that name, for file names that change with their content. A handler
    /// or middleware that sets Cache-Control itself keeps its own value.
    ///
    /// ```
    /// use std::time::Duration;
    /// use rejoinder::testing::TestClient;
    /// use rejoinder::{fs::ServeDir, App, Router};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("app.3f2a.js"), "run()").unwrap();
    ///
    /// let assets = ServeDir::new(dir.path()).max_age(Duration::from_secs(31_536_000), true);
    /// let app = App::new().router(Router::new().mount("/assets", assets));
    /// let res = TestClient::new(app).get("/assets/app.3f2a.js").send().await;
    /// assert_eq!(res.header("cache-control"), Some("max-age=31536000, immutable"));
    /// # }
    /// ```
    pub fn max_age(mut self, age: std::time::Duration, immutable: bool) -> Self {
        let mut value = format!("max-age={}", age.as_secs());
        if immutable {
            value.push_str(", immutable");
        }
        self.inner_mut().cache_control = HeaderValue::from_str(&value).ok();
        self
    }

    /// Sends no Cache-Control at all (caches then pick a lifetime
    /// themselves; see [`max_age`](Self::max_age)).
    pub fn no_cache_control(mut self) -> Self {
        self.inner_mut().cache_control = None;
        self
    }

    /// The Cache-Control of a file answer, unless the handler set one.
    fn cache_control(&self, res: &mut Response) {
        if let Some(cc) = &self.inner.cache_control {
            if !res.has("cache-control") {
                res.headers_mut().insert(header::CACHE_CONTROL, cc.clone());
            }
        }
    }

    /// The part of the request path that names the file: below the mount
    /// point, else below the deprecated prefix, else all of it; `None`
    /// when the path is outside the prefix.
    fn file_path<'a>(&self, ctx: &'a Context) -> Option<&'a str> {
        if let Some(rest) = ctx.mounted_path() {
            return Some(rest);
        }
        let path = ctx.req.path().strip_prefix(self.inner.prefix.as_str())?;
        (path.is_empty() || path.starts_with('/')).then_some(path)
    }
}

impl Inner {
    /// The path a kept file is checked at: the request's under the root
    /// as configured (not resolved, so a root that is a link and changes is
    /// seen), with the index name for a directory.
    fn cache_path(&self, relative: &Path, slash: bool) -> PathBuf {
        let mut path = self.root.join(relative);
        if let (true, Some(index)) = (slash, &self.index) {
            path.push(index);
        }
        path
    }
}

impl Handler for ServeDir {
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let method = ctx.req.method();
            if method != Method::GET && method != Method::HEAD {
                ctx.res.set_status(StatusCode::METHOD_NOT_ALLOWED);
                ctx.res
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
                return;
            }
            let Some(path) = self.file_path(ctx) else {
                return;
            };
            let encodings = self.inner.encodings.negotiate(ctx.req.headers());
            let cached = encodings.is_empty() && self.inner.cache.is_enabled();
            if cached {
                if let Some(hit) = self.inner.cache.get(path) {
                    let file = hit.file.clone();
                    send(&mut ctx.res, file, None, &hit.type_of, self.inner.encodings);
                    self.cache_control(&mut ctx.res);
                    return;
                }
            }
            let Some(relative) = safe_relative_path(path) else {
                tracing::debug!(path = ctx.req.path(), "refused a path outside the root");
                return;
            };
            let slash = path.ends_with('/');
            let inner = self.inner.clone();
            let found = tokio::task::spawn_blocking(move || {
                // The validator is taken before the file is resolved and
                // read, so a change in between makes the entry miss later.
                let checked = cached.then(|| inner.cache_path(&relative, slash));
                let validator = checked.as_deref().and_then(Validator::of_path);
                let lookup = Lookup {
                    root: &inner.root,
                    follow_out: inner.follow_out,
                    index: inner.index.as_deref(),
                };
                let found = lookup.find(&relative, slash, &encodings);
                (found, checked.zip(validator))
            })
            .await;
            match found {
                Ok((
                    Ok(Found::File {
                        file,
                        encoding,
                        type_of,
                    }),
                    keep,
                )) => {
                    if let (Some((checked, validator)), None) = (keep, encoding) {
                        if file.is_preloaded() {
                            let entry = Entry {
                                path: checked,
                                validator,
                                file: file.clone(),
                                type_of: type_of.clone(),
                            };
                            self.inner.cache.insert(path, entry);
                        }
                    }
                    send(&mut ctx.res, file, encoding, &type_of, self.inner.encodings);
                    self.cache_control(&mut ctx.res);
                }
                Ok((Ok(Found::AddSlash), _)) => add_slash(ctx),
                Ok((Err(e), _)) => Response::file_error(&e).apply_to(&mut ctx.res),
                Err(join) => Response::file_error(&io::Error::other(join)).apply_to(&mut ctx.res),
            }
        })
    }
}

/// Sends `file` in `encoding` with the Content-Type of `type_of`, its
/// ETag, `Accept-Ranges`, and `Vary: Accept-Encoding` when the ServeDir
/// has precompressed variants.
fn send(
    res: &mut Response,
    file: FileBody,
    encoding: Option<Encoding>,
    type_of: &Path,
    encodings: Encodings,
) {
    if !res.has("content-type") {
        // The name asked for gives the type: the original's for a sibling
        // (not `application/gzip`), the link's for a symbolic link.
        let known = type_of
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|ext| res.set_type(ext).is_ok());
        if !known && encoding.is_some() {
            res.set_type(rejoinder_core::mime::APPLICATION_OCTET_STREAM);
        }
    }
    let etag = etag::file_etag(file.size(), file.modified(), encoding);
    res.send_file(file);
    let headers = res.headers_mut();
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, encoding.header_value());
    }
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        headers.insert(header::ETAG, tag);
    }
    if !encodings.is_empty() {
        let _ = res.vary(&["Accept-Encoding"]);
    }
}

/// `301 Moved Permanently` to the request path with a slash added (and the
/// query kept). Leading slashes are folded into one, so that `//host/dir`
/// cannot become a redirect to another host.
fn add_slash(ctx: &mut Context) {
    let path = ctx.req.path().trim_start_matches('/');
    let mut location = format!("/{path}/");
    if let Some(query) = ctx.req.query_string() {
        location.push('?');
        location.push_str(query);
    }
    match HeaderValue::from_str(&location) {
        Ok(value) => {
            ctx.res.set_status(StatusCode::MOVED_PERMANENTLY);
            ctx.res.headers_mut().insert(header::LOCATION, value);
        }
        Err(e) => Response::file_error(&io::Error::other(e)).apply_to(&mut ctx.res),
    }
}
