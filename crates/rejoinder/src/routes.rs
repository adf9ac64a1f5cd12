//! Named routes: what `Context::url_for` and
//! redirects to routes build URLs from.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The named routes of a router, shared with every request's context.
#[derive(Debug, Default, Clone)]
pub(crate) struct RouteNames {
    pub(crate) names: HashMap<String, String>,
}

/// Why `Context::url_for` could not build a URL. Opaque; the predicates
/// tell the kinds apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError {
    kind: UrlErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum UrlErrorKind {
    UnknownRoute { name: String, known: Vec<String> },
    MissingParam { route: String, param: String },
}

impl UrlError {
    /// No route has the name asked for.
    pub fn is_unknown_route(&self) -> bool {
        matches!(self.kind, UrlErrorKind::UnknownRoute { .. })
    }

    /// The route needs a parameter that was not given.
    pub fn is_missing_param(&self) -> bool {
        matches!(self.kind, UrlErrorKind::MissingParam { .. })
    }

    /// For an unknown route, the names that exist (sorted).
    pub fn known_routes(&self) -> &[String] {
        match &self.kind {
            UrlErrorKind::UnknownRoute { known, .. } => known,
            UrlErrorKind::MissingParam { .. } => &[],
        }
    }

    /// For a missing parameter, its name.
    pub fn missing_param(&self) -> Option<&str> {
        match &self.kind {
            UrlErrorKind::MissingParam { param, .. } => Some(param),
            UrlErrorKind::UnknownRoute { .. } => None,
        }
    }
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            UrlErrorKind::UnknownRoute { name, known } => {
                write!(
                    f,
                    "no route is named {name:?}; named routes: {}",
                    known.join(", ")
                )
            }
            UrlErrorKind::MissingParam { route, param } => {
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
    /// Names the route `pattern`.
    ///
    /// # Panics
    ///
    /// When the name is taken.
    pub(crate) fn insert(&mut self, name: &str, pattern: String) {
        assert!(
            self.names.insert(name.to_owned(), pattern).is_none(),
            "the route name {name:?} is used twice"
        );
    }

    /// Takes in the names of a router nested under `prefix` (`""` for a
    /// merged one).
    ///
    /// # Panics
    ///
    /// When a name is taken.
    pub(crate) fn absorb(&mut self, other: RouteNames, prefix: &str) {
        for (name, pattern) in other.names {
            let full = join_paths(prefix, &pattern);
            self.insert(&name, full);
        }
    }

    /// The name of the route `pattern`, if it has one (the first in
    /// alphabetical order when it has several).
    pub(crate) fn name_of(&self, pattern: &str) -> Option<String> {
        self.names
            .iter()
            .filter(|(_, p)| *p == pattern)
            .map(|(n, _)| n)
            .min()
            .cloned()
    }

    pub(crate) fn url_for(&self, name: &str, params: &[(&str, &str)]) -> Result<String, UrlError> {
        let pattern = self.names.get(name).ok_or_else(|| {
            let mut known: Vec<String> = self.names.keys().cloned().collect();
            known.sort();
            UrlError {
                kind: UrlErrorKind::UnknownRoute {
                    name: name.to_owned(),
                    known,
                },
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
                .ok_or_else(|| UrlError {
                    kind: UrlErrorKind::MissingParam {
                        route: name.to_owned(),
                        param: key.to_owned(),
                    },
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

/// `prefix` followed by `path`, with `/` standing for the prefix itself.
pub(crate) fn join_paths(prefix: &str, path: &str) -> String {
    match (prefix, path) {
        ("", p) => p.to_owned(),
        (pre, "/" | "") => pre.to_owned(),
        (pre, p) => format!("{pre}{p}"),
    }
}

/// Refuses Koa's `:name` and `*name` segments, which matchit would take
/// literally, naming the form that works.
pub(crate) fn check_syntax(path: &str) {
    for segment in path.split('/') {
        let named = |rest: &str| {
            rest.chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        };
        if let Some(name) = segment.strip_prefix(':').filter(|n| named(n)) {
            panic!(
                "cannot route {path:?}: `:{name}` would match the text \":{name}\"; \
                 a path parameter is written `{{{name}}}`"
            );
        }
        if let Some(name) = segment.strip_prefix('*').filter(|n| named(n)) {
            panic!(
                "cannot route {path:?}: `*{name}` would match the text \"*{name}\"; \
                 a catch-all parameter is written `{{*{name}}}`"
            );
        }
    }
}

/// The parameter names of a pattern, in order.
pub(crate) fn param_names(pattern: &str) -> Vec<Arc<str>> {
    let mut names = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = rest[open + 1..open + close].trim_start_matches('*');
        names.push(Arc::from(name));
        rest = &rest[open + close + 1..];
    }
    names
}
