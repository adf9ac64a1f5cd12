//! What a router says about its routes: [`RouteInfo`], listed by
//! `Router::routes`, with the one-line descriptions, groups and example
//! paths given by `Router::describe`, `Router::group` and
//! `Router::example`.

use http::Method;

use crate::routes::{join_paths, RouteNames};

/// One route of a router (a method and a path pattern) or one mount, as
/// `Router::routes` lists it.
///
/// ```
/// use rejoinder::{Context, Router};
///
/// let router = Router::new()
///     .group("Users")
///     .get("/users", async |_: &mut Context| "all")
///     .describe("every user")
///     .get("/users/{id}", async |_: &mut Context| "one")
///     .name("users.show")
///     .describe("one user")
///     .example("/users/7");
/// let routes = router.routes();
/// assert_eq!(routes.len(), 2);
/// let show = &routes[1];
/// assert_eq!(show.method, Some(http::Method::GET));
/// assert_eq!(show.pattern, "/users/{id}");
/// assert_eq!(show.name.as_deref(), Some("users.show"));
/// assert_eq!(show.description.as_deref(), Some("one user"));
/// assert_eq!(show.group.as_deref(), Some("Users"));
/// assert!(show.has_params());
/// assert_eq!(show.link(), Some("/users/7"));
/// assert_eq!(routes[0].link(), Some("/users"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteInfo {
    /// The method; `None` for a mount, which takes every method.
    pub method: Option<Method>,
    /// The path pattern, prefixes of nested routers included
    /// (`/api/users/{id}`); for a mount, its prefix (`/` for the root).
    pub pattern: String,
    /// The route's name, given with `Router::name`.
    pub name: Option<String>,
    /// Its one-line description, given with `Router::describe`.
    pub description: Option<String>,
    /// The group it was added in, with `Router::group`.
    pub group: Option<String>,
    /// Example paths to try it with (`/users/7`, `/status?code=418`), given
    /// with `Router::example`, in the order given.
    pub examples: Vec<String>,
}

impl RouteInfo {
    /// Whether the pattern has path parameters (`{id}`, `{*rest}`).
    pub fn has_params(&self) -> bool {
        self.pattern.contains('{')
    }

    /// A path a browser can open for this route: its first example, or
    /// else the pattern itself for a GET route or a mount without
    /// parameters. `None` for other methods and for patterns with
    /// parameters but no example.
    pub fn link(&self) -> Option<&str> {
        if let Some(first) = self.examples.first() {
            return Some(first);
        }
        let browsable = matches!(self.method, None | Some(Method::GET));
        (browsable && !self.has_params()).then_some(self.pattern.as_str())
    }
}

/// What is said about one route.
#[derive(Debug, Default, Clone)]
pub(crate) struct Note {
    pub(crate) description: Option<String>,
    pub(crate) group: Option<String>,
    pub(crate) examples: Vec<String>,
}

/// The notes of a router's routes, by method (`None` for a mount) and
/// pattern.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    entries: Vec<(Option<Method>, String, Note)>,
}

impl Notes {
    /// The note of a route, made empty when there is none yet.
    pub(crate) fn entry(&mut self, method: Option<Method>, pattern: &str) -> &mut Note {
        let found = self
            .entries
            .iter()
            .position(|(m, p, _)| *m == method && p == pattern);
        let i = found.unwrap_or_else(|| {
            self.entries
                .push((method, pattern.to_owned(), Note::default()));
            self.entries.len() - 1
        });
        &mut self.entries[i].2
    }

    /// Takes in the notes of a router nested under `prefix` (`""` for a
    /// merged one): what it says wins over a group set around it.
    pub(crate) fn absorb(&mut self, other: Notes, prefix: &str) {
        for (method, pattern, note) in other.entries {
            let mine = self.entry(method, &join_paths(prefix, &pattern));
            if note.description.is_some() {
                mine.description = note.description;
            }
            if note.group.is_some() {
                mine.group = note.group;
            }
            mine.examples
                .extend(note.examples.iter().map(|e| join_paths(prefix, e)));
        }
    }

    /// The infos of `routes` (method, pattern), in their order.
    pub(crate) fn infos(
        &self,
        routes: impl Iterator<Item = (Option<Method>, String)>,
        names: &RouteNames,
    ) -> Vec<RouteInfo> {
        routes
            .map(|(method, pattern)| {
                let note = self
                    .entries
                    .iter()
                    .find(|(m, p, _)| *m == method && *p == pattern)
                    .map(|(_, _, n)| n.clone())
                    .unwrap_or_default();
                let name = method.as_ref().and_then(|_| names.name_of(&pattern));
                let shown = if pattern.is_empty() {
                    "/".to_owned()
                } else {
                    pattern
                };
                RouteInfo {
                    method,
                    pattern: shown,
                    name,
                    description: note.description,
                    group: note.group,
                    examples: note.examples,
                }
            })
            .collect()
    }
}
