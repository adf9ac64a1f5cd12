//! Method and path routing with path parameters and named routes.
//!
//! Paths use `matchit`'s syntax: `/users/{id}` captures one segment,
//! `/files/{*path}` the rest of the path. A route can be named with
//! [`Router::name`] right after it is added; [`Context::url_for`] builds its
//! URL back from parameters, percent-encoding them. A path that matches no
//! route is left untouched (404); a path that matches with another method
//! answers 405 with an `Allow` header. HEAD is served by the GET handler
//! (the body is dropped on the wire).
//!
//! # Examples
//!
//! ```
//! use rejoinder::{App, Context, Router};
//!
//! let router = Router::new()
//!     .get("/", |mut ctx: Context| async move { ctx.res.set_body("home"); ctx })
//!     .get("/users/{id}", |mut ctx: Context| async move {
//!         let id = ctx.param("id").unwrap_or_default().to_owned();
//!         ctx.res.set_body(format!("user {id}"));
//!         ctx
//!     })
//!     .name("users.show");
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

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use http::header::{HeaderValue, ALLOW};
use http::Method;
use rejoinder_core::{IntoResponse, Response};

use crate::app::{BoxFuture, Handler};
use crate::context::Context;

struct Endpoint {
    pattern: String,
    methods: Vec<(Method, Arc<dyn Handler>)>,
}

/// The named routes of a router, shared with every request's context.
#[derive(Debug, Default, Clone)]
pub(crate) struct RouteNames {
    names: HashMap<String, String>,
}

/// Why [`Context::url_for`] could not build a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// No route has this name.
    UnknownRoute {
        /// The name asked for.
        name: String,
        /// The names that exist.
        known: Vec<String>,
    },
    /// The route needs a parameter that was not given.
    MissingParam {
        /// The route's name.
        route: String,
        /// The missing parameter.
        param: String,
    },
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::UnknownRoute { name, known } => {
                write!(
                    f,
                    "no route is named {name:?}; named routes: {}",
                    known.join(", ")
                )
            }
            UrlError::MissingParam { route, param } => {
                write!(
                    f,
                    "route {route:?} needs the parameter {param:?}, which was not given"
                )
            }
        }
    }
}

impl std::error::Error for UrlError {}

impl RouteNames {
    pub(crate) fn url_for(&self, name: &str, params: &[(&str, &str)]) -> Result<String, UrlError> {
        let pattern = self.names.get(name).ok_or_else(|| {
            let mut known: Vec<String> = self.names.keys().cloned().collect();
            known.sort();
            UrlError::UnknownRoute {
                name: name.to_owned(),
                known,
            }
        })?;
        let mut out = String::with_capacity(pattern.len() + 16);
        let mut rest = pattern.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            let key = &rest[open + 1..close];
            let (catch_all, key) = match key.strip_prefix('*') {
                Some(k) => (true, k),
                None => (false, key),
            };
            let value = params
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .ok_or_else(|| UrlError::MissingParam {
                    route: name.to_owned(),
                    param: key.to_owned(),
                })?;
            if catch_all {
                let segments: Vec<String> = value
                    .split('/')
                    .map(rejoinder_core::uri::encode_component)
                    .collect();
                out.push_str(&segments.join("/"));
            } else {
                out.push_str(&rejoinder_core::uri::encode_component(value));
            }
            rest = &rest[(close + 1).min(rest.len())..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Routes requests by method and path. See the [module docs](self).
#[must_use = "a router does nothing until given to App::router"]
pub struct Router {
    matcher: matchit::Router<usize>,
    endpoints: Vec<Endpoint>,
    names: RouteNames,
    last: Option<usize>,
    fallback: Option<Arc<dyn Handler>>,
}

impl Default for Router {
    fn default() -> Self {
        Router::new()
    }
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let routes: Vec<String> = self
            .endpoints
            .iter()
            .map(|e| {
                let methods: Vec<&str> = e.methods.iter().map(|(m, _)| m.as_str()).collect();
                format!("{} {}", methods.join(","), e.pattern)
            })
            .collect();
        f.debug_struct("Router").field("routes", &routes).finish()
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
            matcher: matchit::Router::new(),
            endpoints: Vec::new(),
            names: RouteNames::default(),
            last: None,
            fallback: None,
        }
    }

    /// Handles requests whose path matches no route (instead of leaving
    /// them untouched, which answers 404).
    pub fn fallback(mut self, handler: impl Handler) -> Self {
        self.fallback = Some(Arc::new(handler));
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
    /// On an invalid or conflicting path, or a method routed twice for the
    /// same path.
    pub fn route(mut self, method: Method, path: &str, handler: impl Handler) -> Self {
        let index = match self.endpoints.iter().position(|e| e.pattern == path) {
            Some(i) => i,
            None => {
                let i = self.endpoints.len();
                if let Err(e) = self.matcher.insert(path, i) {
                    panic!("cannot route {path:?}: {e}");
                }
                self.endpoints.push(Endpoint {
                    pattern: path.to_owned(),
                    methods: Vec::new(),
                });
                i
            }
        };
        let endpoint = &mut self.endpoints[index];
        assert!(
            !endpoint.methods.iter().any(|(m, _)| *m == method),
            "{method} {path:?} is routed twice"
        );
        endpoint.methods.push((method, Arc::new(handler)));
        self.last = Some(index);
        self
    }

    /// Names the route added last, for [`Context::url_for`] and redirects
    /// to routes.
    ///
    /// # Panics
    ///
    /// When no route was added yet or the name is taken.
    pub fn name(mut self, name: &str) -> Self {
        let index = self.last.expect("name() follows the route it names");
        let pattern = self.endpoints[index].pattern.clone();
        assert!(
            self.names.names.insert(name.to_owned(), pattern).is_none(),
            "the route name {name:?} is used twice"
        );
        self
    }

    pub(crate) fn take_names(&mut self) -> RouteNames {
        std::mem::take(&mut self.names)
    }

    fn allow(endpoint: &Endpoint) -> String {
        let mut methods: Vec<&str> = endpoint.methods.iter().map(|(m, _)| m.as_str()).collect();
        if methods.contains(&"GET") && !methods.contains(&"HEAD") {
            methods.push("HEAD");
        }
        methods.join(", ")
    }
}

impl Handler for Router {
    fn call(&self, mut ctx: Context) -> BoxFuture<Response> {
        let found = match self.matcher.at(ctx.req.path()) {
            Ok(m) => {
                let params: Vec<(String, String)> = m
                    .params
                    .iter()
                    .map(|(k, v)| (k.to_owned(), rejoinder_core::uri::percent_decode(v)))
                    .collect();
                Some((*m.value, params))
            }
            Err(_) => None,
        };
        let Some((index, params)) = found else {
            return match &self.fallback {
                Some(f) => f.call(ctx),
                None => Box::pin(async move { ctx.into_response() }),
            };
        };
        let endpoint = &self.endpoints[index];
        let method = ctx.req.method().clone();
        let handler = endpoint
            .methods
            .iter()
            .find(|(m, _)| *m == method)
            .or_else(|| {
                (method == Method::HEAD)
                    .then(|| endpoint.methods.iter().find(|(m, _)| *m == Method::GET))
                    .flatten()
            })
            .map(|(_, h)| h.clone());
        match handler {
            Some(h) => {
                ctx.set_params(params);
                h.call(ctx)
            }
            None => {
                let allow = Router::allow(endpoint);
                Box::pin(async move {
                    let mut res = ctx.into_response();
                    let _ = res.set_status(405);
                    if let Ok(v) = HeaderValue::from_str(&allow) {
                        res.headers_mut().insert(ALLOW, v);
                    }
                    res
                })
            }
        }
    }
}
