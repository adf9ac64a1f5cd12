//! A router's dispatch: the matched route's handler for a request, with
//! the route's parameters put in the context (405 with `Allow` when the
//! path matches and the method does not).

use std::sync::Arc;

use http::header::{HeaderValue, ALLOW};
use http::{Method, StatusCode};

use super::{Endpoint, Routes};
use crate::context::Context;
use crate::handler::{done, BoxFuture, Handler, HandlerFuture};
use crate::mount;

/// The `Allow` header of an endpoint: its methods, HEAD with GET.
fn allow(endpoint: &Endpoint) -> String {
    let mut methods: Vec<&str> = endpoint.methods.iter().map(|(m, _)| m.as_str()).collect();
    if methods.contains(&"GET") && !methods.contains(&"HEAD") {
        methods.push("HEAD");
    }
    methods.join(", ")
}

impl Routes {
    /// The handler for this request, with the context given the route's
    /// parameters (and mount offset); `None` when the answer is already in
    /// `ctx.res` (405) or nothing matched and there is no fallback.
    fn pick(&self, ctx: &mut Context) -> Option<&dyn Handler> {
        let (index, params, mounted) = match self.matcher.at(ctx.req.path()) {
            // A mount at a literal prefix: no parameters to collect, and
            // where the mounted path starts is known without its tail.
            Ok(m) if self.endpoints[*m.value].literal_prefix.is_some() => {
                let mounted = self.endpoints[*m.value].literal_offset(ctx.req.path());
                (*m.value, crate::context::Params::new(), mounted)
            }
            Ok(m) => {
                let endpoint = &self.endpoints[*m.value];
                let tail = endpoint
                    .mount
                    .as_ref()
                    .and_then(|_| m.params.get(mount::TAIL));
                let mounted = endpoint
                    .mount
                    .as_ref()
                    .map(|(end, _)| end.offset(ctx.req.path(), tail.unwrap_or("")));
                // No parameters but a mount's tail (the common case below
                // a prefix): nothing to decode or collect.
                let only_tail = m.params.len() == usize::from(tail.is_some());
                let params: crate::context::Params = if only_tail {
                    crate::context::Params::new()
                } else {
                    m.params
                        .iter()
                        .filter(|(k, _)| *k != mount::TAIL)
                        .enumerate()
                        .map(|(i, (k, v))| {
                            let name = match endpoint.params.get(i) {
                                Some(n) if &**n == k => n.clone(),
                                _ => Arc::from(k),
                            };
                            (name, rejoinder_core::uri::percent_decode(v))
                        })
                        .collect()
                };
                (*m.value, params, mounted)
            }
            Err(_) => {
                let path = ctx.req.path();
                let nested = self.nested.iter().find(|(prefix, _)| {
                    path.strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                });
                return nested
                    .map(|(_, f)| f)
                    .or(self.fallback.as_ref())
                    .map(|f| &**f);
            }
        };
        ctx.add_params(params);
        let endpoint = &self.endpoints[index];
        if let (Some(at), Some((_, handler))) = (mounted, &endpoint.mount) {
            ctx.set_mounted(at);
            return Some(&**handler);
        }
        let method = ctx.req.method();
        let handler = endpoint
            .methods
            .iter()
            .find(|(m, _)| m == method)
            .or_else(|| {
                (method == Method::HEAD)
                    .then(|| endpoint.methods.iter().find(|(m, _)| *m == Method::GET))
                    .flatten()
            })
            .map(|(_, h)| h);
        match handler {
            Some(h) => Some(&**h),
            None => {
                ctx.res.set_status(StatusCode::METHOD_NOT_ALLOWED);
                if let Ok(v) = HeaderValue::from_str(&allow(endpoint)) {
                    ctx.res.headers_mut().insert(ALLOW, v);
                }
                None
            }
        }
    }
}

impl Handler for Routes {
    fn call<'a>(&'a self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        match self.pick(ctx) {
            Some(h) => h.call(ctx),
            None => done(),
        }
    }

    fn call_inline<'a>(&'a self, ctx: &'a mut Context) -> HandlerFuture<'a> {
        match self.pick(ctx) {
            Some(h) => h.call_inline(ctx),
            None => HandlerFuture::from(std::future::ready(())),
        }
    }
}
