//! Method and path routing: path parameters, named routes, nested and
//! merged routers, middleware per route or per router, body limits per
//! route.
//!
//! Paths use `matchit`'s syntax: `/users/{id}` captures one segment,
//! `/files/{*path}` the rest of the path. (Koa's and Express's `:id` and
//! `*path` are refused when the route is added, with a message naming the
//! `{id}` form, instead of matching literally.) A route can be named with
//! [`Router::name`] right after it is added; [`Context::url_for`] builds its
//! URL back from parameters, percent-encoding them. A path that matches no
//! route is left untouched (404) unless the router has a
//! [`fallback`](Router::fallback); a path that matches with another method
//! answers 405 with an `Allow` header. HEAD is served by the GET handler
//! (the body is dropped on the wire).
//!
//! Routers compose: [`nest`](Router::nest) mounts one under a prefix,
//! [`merge`](Router::merge) joins two, [`mount`](Router::mount) hands a
//! whole subtree (a file server) to one handler, [`middleware`](Router::middleware)
//! wraps every request a router handles, and
//! [`route_middleware`](Router::route_middleware) and
//! [`body_limit`](Router::body_limit) apply to the route added last.
//! [`describe`](Router::describe), [`example`](Router::example) and
//! [`group`](Router::group) say what a route is, and
//! [`routes`](Router::routes) lists them all (an index page from the
//! router itself).
//!
//! # Examples
//!
//! ```
//! use rejoinder::{App, Context, HttpError, Next, Router};
//!
//! async fn show(ctx: &mut Context) -> Result<String, HttpError> {
//!     let id: u64 = ctx.param_as("id")?;
//!     Ok(format!("user {id}"))
//! }
//!
//! async fn admins_only(ctx: &mut Context, next: Next<'_>) -> Result<(), HttpError> {
//!     if ctx.req.header("x-admin").is_none() {
//!         return Err(HttpError::forbidden("admins only"));
//!     }
//!     next.run(ctx).await;
//!     Ok(())
//! }
//!
//! let users = Router::new()
//!     .get("/{id}", show)
//!     .name("users.show")
//!     .delete("/{id}", async |_: &mut Context| "deleted")
//!     .route_middleware(admins_only);
//! let router = Router::new()
//!     .get("/", async |_: &mut Context| "home")
//!     .nest("/users", users);
//! let app = App::new().router(router);
//! # drop(app);
//! ```
//!
//! # Panics
//!
//! Adding a route whose path is invalid or conflicts with another one, or
//! naming a route twice, panics when the router is built, before anything
//! is served — the same choice axum makes, so a broken route table never
//! starts.

mod dispatch;

use std::fmt;
use std::sync::Arc;

use http::Method;

use crate::context::Context;
use crate::handler::{limited, BoxFuture, Handler, HandlerFuture};
use crate::middleware::{layered, Middleware, Next};
use crate::mount::{self, End};
use crate::route_info::{Note, Notes, RouteInfo};
use crate::routes::{check_syntax, join_paths, param_names, RouteNames};

struct Endpoint {
    pattern: String,
    params: Vec<Arc<str>>,
    methods: Vec<(Method, Arc<dyn Handler>)>,
    /// For a pattern of a mount: which one, and the mounted handler (which
    /// takes every method).
    mount: Option<(End, Arc<dyn Handler>)>,
    /// For a pattern of a mount at a prefix without parameters: the
    /// prefix's length (where the mounted path starts below it).
    literal_prefix: Option<usize>,
}

impl Endpoint {
    /// Where the mounted path starts in `path`, for a pattern of a mount at
    /// a literal prefix (`None` for any other endpoint).
    fn literal_offset(&self, path: &str) -> Option<usize> {
        let (end, _) = self.mount.as_ref()?;
        Some(end.offset_below_literal(path, self.literal_prefix?))
    }
}

/// The route table: what a router dispatches with.
struct Routes {
    matcher: matchit::Router<usize>,
    endpoints: Vec<Endpoint>,
    fallback: Option<Arc<dyn Handler>>,
    /// Fallbacks of nested routers, longest prefix first.
    nested: Vec<(String, Arc<dyn Handler>)>,
    /// Mounted handlers by prefix, in the order they were mounted.
    mounts: Vec<(String, Arc<dyn Handler>)>,
}

/// Routes requests by method and path. See the [module docs](self).
#[must_use = "a router does nothing until given to App::router"]
pub struct Router {
    routes: Routes,
    middleware: Vec<Arc<dyn Middleware>>,
    names: RouteNames,
    last: Option<(usize, Method)>,
    notes: Notes,
    /// The group set by `group()`, for the routes added after it.
    group: Option<String>,
    /// The route or mount `describe()` and `example()` apply to.
    last_noted: Option<(Option<Method>, String)>,
}

impl Default for Router {
    fn default() -> Self {
        Router::new()
    }
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("routes", &self.route_list())
            .field("middleware", &self.middleware.len())
            .finish()
    }
}

macro_rules! method_routes {
    ($($name:ident => $method:ident),* $(,)?) => {
        $(
            #[doc = concat!("Routes `", stringify!($method), "` requests for `path` to `handler`.")]
            ///
            /// # Panics
            ///
            /// On an invalid or conflicting path (see the module docs).
            pub fn $name(self, path: &str, handler: impl Handler) -> Self {
                self.route(Method::$method, path, handler)
            }
        )*
    };
}

impl Router {
    /// An empty router.
    pub fn new() -> Self {
        Router {
            routes: Routes {
                matcher: matchit::Router::new(),
                endpoints: Vec::new(),
                fallback: None,
                nested: Vec::new(),
                mounts: Vec::new(),
            },
            middleware: Vec::new(),
            names: RouteNames::default(),
            last: None,
            notes: Notes::default(),
            group: None,
            last_noted: None,
        }
    }

    /// Handles requests whose path matches no route (instead of leaving
    /// them untouched, which answers 404).
    pub fn fallback(mut self, handler: impl Handler) -> Self {
        self.routes.fallback = Some(Arc::new(handler));
        self
    }

    method_routes! {
        get => GET,
        post => POST,
        put => PUT,
        patch => PATCH,
        delete => DELETE,
        options => OPTIONS,
    }

    /// Routes `method` requests for `path` to `handler`.
    ///
    /// # Panics
    ///
    /// On an invalid or conflicting path (including Koa's `:id` syntax,
    /// which is written `{id}` here), or a method routed twice for the same
    /// path.
    pub fn route(mut self, method: Method, path: &str, handler: impl Handler) -> Self {
        let index = self.endpoint(path);
        self.add_method(index, method, Arc::new(handler));
        self
    }

    fn endpoint(&mut self, path: &str) -> usize {
        check_syntax(path);
        if let Some(i) = self.routes.endpoints.iter().position(|e| e.pattern == path) {
            return i;
        }
        let i = self.routes.endpoints.len();
        if let Err(e) = self.routes.matcher.insert(path, i) {
            panic!("cannot route {path:?}: {e}");
        }
        self.routes.endpoints.push(Endpoint {
            pattern: path.to_owned(),
            params: param_names(path),
            methods: Vec::new(),
            mount: None,
            literal_prefix: None,
        });
        i
    }

    fn add_method(&mut self, index: usize, method: Method, handler: Arc<dyn Handler>) {
        let endpoint = &mut self.routes.endpoints[index];
        assert!(
            endpoint.mount.is_none(),
            "cannot route {method} {:?}: a handler is mounted there",
            endpoint.pattern
        );
        assert!(
            !endpoint.methods.iter().any(|(m, _)| *m == method),
            "{method} {:?} is routed twice",
            endpoint.pattern
        );
        endpoint.methods.push((method.clone(), handler));
        let pattern = endpoint.pattern.clone();
        self.noted(Some(method.clone()), pattern);
        self.last = Some((index, method));
    }

    /// Names the route added last, for [`Context::url_for`] and redirects
    /// to routes.
    ///
    /// # Panics
    ///
    /// When no route was added yet or the name is taken.
    pub fn name(mut self, name: &str) -> Self {
        let (index, _) = self
            .last
            .clone()
            .expect("name() follows the route it names");
        let pattern = self.routes.endpoints[index].pattern.clone();
        self.names.insert(name, pattern);
        self
    }

    /// Wraps every request this router handles — routed, 405, fallback or
    /// 404 — in `middleware`. Added first is outermost.
    pub fn middleware(mut self, middleware: impl Middleware) -> Self {
        self.middleware.push(Arc::new(middleware));
        self
    }

    /// Wraps the route added last (that method and path) in `middleware`.
    ///
    /// # Panics
    ///
    /// When no route was added yet.
    pub fn route_middleware(mut self, middleware: impl Middleware) -> Self {
        let mw: Arc<dyn Middleware> = Arc::new(middleware);
        self.wrap_last(|h| layered(&[mw], h));
        self
    }

    /// Sets the request body limit of the route added last (see
    /// [`App::body_limit`](crate::App::body_limit)).
    ///
    /// # Panics
    ///
    /// When no route was added yet.
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.wrap_last(|h| limited(limit, h));
        self
    }

    fn wrap_last(&mut self, wrap: impl FnOnce(Arc<dyn Handler>) -> Arc<dyn Handler>) {
        let (index, method) = self
            .last
            .clone()
            .expect("route_middleware() and body_limit() follow the route they apply to");
        let endpoint = &mut self.routes.endpoints[index];
        let slot = endpoint
            .methods
            .iter_mut()
            .find(|(m, _)| *m == method)
            .map(|(_, h)| h);
        if let Some(handler) = slot {
            *handler = wrap(handler.clone());
        }
    }

    /// Mounts `router` under `prefix` (`/api`): its `/users` route answers
    /// `/api/users`, its `/` route `/api`. Its middleware wraps only its own
    /// routes, its named routes keep their names, and its fallback answers
    /// the paths under the prefix that none of its routes match.
    ///
    /// # Panics
    ///
    /// When a path conflicts or a name is taken.
    pub fn nest(mut self, prefix: &str, router: Router) -> Self {
        let prefix = prefix.trim_end_matches('/');
        assert!(
            prefix.is_empty() || prefix.starts_with('/'),
            "a nest prefix starts with '/': {prefix:?}"
        );
        if let Some(fallback) = self.absorb(prefix, router) {
            self.routes.nested.push((prefix.to_owned(), fallback));
            self.routes
                .nested
                .sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        }
        self.last = None;
        self
    }

    /// Hands every request for `prefix` and the paths below it — any
    /// method — to `handler`, the prefix written once: with
    /// `.mount("/static", ServeDir::new("public"))` (feature `fs`),
    /// `/static/app.css` is `public/app.css`. The handler sees the whole
    /// path in `ctx.req.path()` and the part below the prefix in
    /// [`Context::mounted_path`]; `/staticx` is not below `/static`.
    ///
    /// A route added for a path below the prefix is more specific and
    /// takes its requests (`/static/special` before the mount at
    /// `/static`); the prefix may hold parameters (`/{tenant}/files`),
    /// captured as for routes. A router is put under a prefix with
    /// [`nest`](Router::nest), not with `mount`: a router matches the whole
    /// request path.
    ///
    /// ```
    /// use rejoinder::testing::TestClient;
    /// use rejoinder::{App, Context, Router};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let router = Router::new()
    ///     .get("/", async |_: &mut Context| "home")
    ///     .mount("/files", async |ctx: &mut Context| {
    ///         format!("{} {}", ctx.req.method(), ctx.mounted_path().unwrap_or("?"))
    ///     });
    /// let client = TestClient::new(App::new().router(router));
    /// assert_eq!(client.get("/files/a/b.txt").send().await.text(), "GET /a/b.txt");
    /// assert_eq!(client.post("/files").send().await.text(), "POST ");
    /// assert_eq!(client.get("/filesx").send().await.status(), 404);
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// When the prefix does not start with `/`, is mounted already, or
    /// conflicts with a route (one for the prefix itself, `/static/`, or a
    /// parameter or catch-all right below it, such as `/static/{name}`).
    pub fn mount(mut self, prefix: &str, handler: impl Handler) -> Self {
        self.add_mount(&mount::normalize(prefix), Arc::new(handler));
        self.last = None;
        self
    }

    fn add_mount(&mut self, prefix: &str, handler: Arc<dyn Handler>) {
        // Any brace (a parameter, or an escaped literal brace, which the
        // path spells with one) makes the prefix's matched length vary.
        let literal_prefix = (!prefix.contains(['{', '}'])).then_some(prefix.len());
        for (pattern, end) in mount::patterns(prefix) {
            check_syntax(&pattern);
            let taken = self.routes.endpoints.iter().any(|e| e.pattern == pattern);
            assert!(
                !taken,
                "cannot mount at {prefix:?}: {pattern:?} is routed or mounted already"
            );
            let i = self.routes.endpoints.len();
            if let Err(e) = self.routes.matcher.insert(&pattern, i) {
                panic!("cannot mount at {prefix:?}: {e}");
            }
            self.routes.endpoints.push(Endpoint {
                params: param_names(&pattern),
                pattern,
                methods: Vec::new(),
                mount: Some((end, handler.clone())),
                literal_prefix,
            });
        }
        self.routes.mounts.push((prefix.to_owned(), handler));
        self.noted(None, prefix.to_owned());
    }

    /// Makes `(method, pattern)` the route `describe()` applies to.
    fn noted(&mut self, method: Option<Method>, pattern: String) {
        if let Some(group) = &self.group {
            self.notes.entry(method.clone(), &pattern).group = Some(group.clone());
        }
        self.last_noted = Some((method, pattern));
    }

    fn last_note(&mut self, what: &str) -> &mut Note {
        let (method, pattern) = self
            .last_noted
            .clone()
            .unwrap_or_else(|| panic!("{what}() follows the route or mount it applies to"));
        self.notes.entry(method, &pattern)
    }

    /// Gives the route or mount added last a one-line description, listed
    /// by [`routes`](Router::routes) (an index page or a `--help` can be
    /// built from it). A second call replaces the first.
    ///
    /// # Panics
    ///
    /// When no route or mount was added yet, or right after a `nest` or
    /// `merge`.
    pub fn describe(mut self, text: &str) -> Self {
        self.last_note("describe").description = Some(text.to_owned());
        self
    }

    /// Adds an example path to the route or mount added last: a path to
    /// open for a route with parameters (`/users/7` for `/users/{id}`), or
    /// one with a query (`/status?code=418`). Each call adds one; the first
    /// is [`RouteInfo::link`].
    ///
    /// # Panics
    ///
    /// As [`describe`](Router::describe).
    pub fn example(mut self, path: &str) -> Self {
        self.last_note("example").examples.push(path.to_owned());
        self
    }

    /// Puts the routes and mounts added after this call, up to the next
    /// `group`, in the group `name` (a heading for [`routes`](Router::routes)
    /// to be sorted under; routing ignores it). Routes brought in by
    /// `nest` or `merge` keep their own group, or take this one when they
    /// have none.
    pub fn group(mut self, name: &str) -> Self {
        self.group = Some(name.to_owned());
        self
    }

    /// Takes in every route of `router` as it is; its middleware wraps only
    /// its own routes. Its fallback becomes this router's when this one has
    /// none.
    ///
    /// # Panics
    ///
    /// When a path conflicts, a name is taken, or both have a fallback.
    pub fn merge(mut self, router: Router) -> Self {
        if let Some(fallback) = self.absorb("", router) {
            assert!(
                self.routes.fallback.is_none(),
                "both merged routers have a fallback"
            );
            self.routes.fallback = Some(fallback);
        }
        self.last = None;
        self
    }

    /// Adds `router`'s routes under `prefix`; gives back its fallback,
    /// wrapped in its middleware.
    fn absorb(&mut self, prefix: &str, router: Router) -> Option<Arc<dyn Handler>> {
        let Router {
            routes,
            middleware,
            names,
            notes,
            ..
        } = router;
        for (inner, fallback) in routes.nested {
            let at = join_paths(prefix, &inner);
            self.routes
                .nested
                .push((at, layered(&middleware, fallback)));
        }
        for (inner, handler) in routes.mounts {
            self.add_mount(&join_paths(prefix, &inner), layered(&middleware, handler));
        }
        for endpoint in routes.endpoints.into_iter().filter(|e| e.mount.is_none()) {
            let index = self.endpoint(&join_paths(prefix, &endpoint.pattern));
            for (method, handler) in endpoint.methods {
                self.add_method(index, method, layered(&middleware, handler));
            }
        }
        self.names.absorb(names, prefix);
        self.notes.absorb(notes, prefix);
        self.last_noted = None;
        routes.fallback.map(|f| layered(&middleware, f))
    }

    pub(crate) fn take_names(&mut self) -> RouteNames {
        std::mem::take(&mut self.names)
    }

    /// The routes, as `"GET /users/{id}"`, in the order they were added,
    /// then the mounts, as `"* /static"`.
    pub fn route_list(&self) -> Vec<String> {
        let routes = self
            .routes
            .endpoints
            .iter()
            .flat_map(|e| e.methods.iter().map(|(m, _)| format!("{m} {}", e.pattern)));
        let mounts = self.routes.mounts.iter().map(|(prefix, _)| {
            let shown = if prefix.is_empty() { "/" } else { prefix };
            format!("* {shown}")
        });
        routes.chain(mounts).collect()
    }

    /// The routes, in the order they were added, then the mounts, with
    /// their names, descriptions, groups and examples: what
    /// [`route_list`](Router::route_list) lists, told in full. See
    /// [`RouteInfo`] for an example.
    pub fn routes(&self) -> Vec<RouteInfo> {
        let routes = self.routes.endpoints.iter().flat_map(|e| {
            e.methods
                .iter()
                .map(|(m, _)| (Some(m.clone()), e.pattern.clone()))
        });
        let mounts = self
            .routes
            .mounts
            .iter()
            .map(|(prefix, _)| (None, prefix.clone()));
        self.notes.infos(routes.chain(mounts), &self.names)
    }
}

impl Handler for Router {
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        if self.middleware.is_empty() {
            self.routes.call(ctx)
        } else {
            Box::pin(Next::new(&self.middleware, &self.routes).run(ctx))
        }
    }

    fn call_inline<'a>(&'a self, ctx: &'a mut Context) -> HandlerFuture<'a> {
        if self.middleware.is_empty() {
            self.routes.call_inline(ctx)
        } else {
            HandlerFuture::from_or_box(Next::new(&self.middleware, &self.routes).run(ctx))
        }
    }
}
