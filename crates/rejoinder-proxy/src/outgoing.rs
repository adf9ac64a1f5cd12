//! The upstream request's fields, planned once from the client's request:
//! which of the client's fields go on, which are replaced or joined, and
//! what the proxy adds — visited in order instead of copied into a second
//! header map. An HTTP/1.1 target writes them straight into its
//! connection's head buffer; an h2c target, or a proxy with request hooks,
//! gets them as a header map ([`Plan::header_map`]).
//!
//! What goes on (the rules of [`crate::headers`]): the client's fields
//! without the hop-by-hop ones and its Host; then `Host`,
//! `X-Forwarded-For` (the client's list with this hop's address after
//! it), `X-Forwarded-Proto`, `X-Forwarded-Host` (both replacing the
//! client's), `Forwarded` when asked for (joined like `X-Forwarded-For`),
//! `Via` (joined), `TE: trailers` when the client asked for trailers, and
//! `Connection: upgrade` with `Upgrade` for an HTTP/1.1 upgrade.
//!
//! Skipping the copy is what makes it worth a module: the map a copy
//! needs (two allocations, a hash per field, a drop) cost about a tenth
//! of a proxied keep-alive request's user-space instructions
//! (`bench/proxy-instructions.sh`; figures in `docs/performance.md`).

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

use crate::h1::head::Fields;
use crate::headers::{self, is_hop_by_hop, Forwarding, IpText};

static XFF: HeaderName = HeaderName::from_static("x-forwarded-for");
static XFP: HeaderName = HeaderName::from_static("x-forwarded-proto");
static XFH: HeaderName = HeaderName::from_static("x-forwarded-host");
static TRAILERS: HeaderValue = HeaderValue::from_static("trailers");
static UPGRADE_TOKEN: HeaderValue = HeaderValue::from_static("upgrade");

/// The fields of the upstream request, target aside (see the module
/// docs).
#[derive(Debug)]
pub(crate) struct Plan<'a> {
    client: &'a HeaderMap,
    /// Fields the client's `Connection` header names besides the fixed
    /// hop-by-hop ones (not forwarded; empty, unallocated, as a rule).
    named: Box<[HeaderName]>,
    /// The client's Host, or the authority of its request target.
    client_host: Option<HeaderValue>,
    xff: Option<Made>,
    xfp: &'static HeaderValue,
    /// Boxed, as the joined values below: rare, and this plan is held in
    /// every proxied request's future.
    forwarded: Option<Box<HeaderValue>>,
    /// This hop's own `Via` value, or (`via_joined`) the client's joined
    /// with it.
    via: &'a HeaderValue,
    via_joined: Option<Box<HeaderValue>>,
    trailers: bool,
    upgrade: Option<&'a HeaderValue>,
}

/// A value the plan made.
#[derive(Debug)]
enum Made {
    /// This hop's address alone, inline.
    Ip(IpText),
    /// Joined to what the client sent.
    Joined(HeaderValue),
}

/// A field value as the plan hands it on.
enum Field<'v> {
    Value(&'v HeaderValue),
    Ip(&'v IpText),
}

/// Which of the fields the plan looks at the client sent (found in one
/// pass over the names: cheaper than a hash lookup for each).
#[derive(Default)]
struct Sent {
    connection: bool,
    te: bool,
    xff: bool,
    via: bool,
    forwarded: bool,
}

impl<'a> Plan<'a> {
    /// Plans the fields for `req`; `forwarded`: add `Forwarded`; `via`:
    /// this hop's `Via` value.
    pub(crate) fn new(req: &'a rejoinder::Request, forwarded: bool, via: &'a HeaderValue) -> Self {
        let client = req.headers();
        let mut sent = Sent::default();
        let mut host = None;
        for (name, value) in client {
            if name == header::HOST {
                host.get_or_insert(value);
            } else if name == header::CONNECTION {
                sent.connection = true;
            } else if name == header::TE {
                sent.te = true;
            } else if name == header::VIA {
                sent.via = true;
            } else if name == header::FORWARDED {
                sent.forwarded = true;
            } else if name == XFF {
                sent.xff = true;
            }
        }
        let named = if sent.connection {
            headers::names_in(client, &header::CONNECTION)
                .filter(|n| !is_hop_by_hop(n))
                .collect()
        } else {
            Box::default()
        };
        let client_host = host.cloned().or_else(|| {
            let a = req.uri().authority()?;
            HeaderValue::from_str(a.as_str()).ok()
        });
        let mut plan = Plan {
            client,
            named,
            client_host,
            xff: None,
            xfp: headers::proto_value(req.scheme()),
            forwarded: None,
            via,
            via_joined: None,
            trailers: sent.te && headers::wants_trailers(client),
            upgrade: if sent.connection {
                headers::upgrade_request(client)
            } else {
                None
            },
        };
        let fwd = Forwarding {
            client: req.remote_addr().map(|a| a.ip()),
            proto: req.scheme(),
            host: plan.client_host.as_ref(),
        };
        if let Some(ip) = fwd.client {
            plan.xff = match plan.client_list(sent.xff, &XFF) {
                None => Some(Made::Ip(IpText::new(ip))),
                Some(old) => joined(old, &ip.to_string()).map(Made::Joined),
            };
        }
        if forwarded {
            let element = headers::forwarded_element(&fwd);
            plan.forwarded = match plan.client_list(sent.forwarded, &header::FORWARDED) {
                None => HeaderValue::from_str(&element).ok(),
                Some(old) => joined(old, &element),
            }
            .map(Box::new);
        }
        if let Some(old) = plan.client_list(sent.via, &header::VIA) {
            if let Some(v) = via.to_str().ok().and_then(|v| joined(old, v)) {
                plan.via_joined = Some(Box::new(v));
            }
        }
        plan
    }

    /// The client's Host, or the authority of its request target.
    pub(crate) fn client_host(&self) -> Option<&HeaderValue> {
        self.client_host.as_ref()
    }

    /// The `Upgrade` value when the client asks to switch protocols.
    pub(crate) fn upgrade(&self) -> Option<&HeaderValue> {
        self.upgrade
    }

    /// The client's values of the list field `name`, joined (`None` when
    /// it sent none — `sent`: the names' pass saw it — or its `Connection`
    /// header named it).
    fn client_list(&self, sent: bool, name: &HeaderName) -> Option<String> {
        if !sent || self.named.contains(name) {
            return None;
        }
        let old: Vec<&str> = self
            .client
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!old.is_empty()).then(|| old.join(", "))
    }

    /// Whether the client's field `name` stays out: hop-by-hop, its Host,
    /// or one the proxy replaces or joins.
    fn skips(&self, name: &HeaderName) -> bool {
        is_hop_by_hop(name)
            || name == header::HOST
            || name == header::VIA
            || name == XFP
            || (self.xff.is_some() && name == XFF)
            || (self.client_host.is_some() && name == XFH)
            || (self.forwarded.is_some() && name == header::FORWARDED)
            || (!self.named.is_empty() && self.named.contains(name))
    }

    /// The fields for a target whose `Host` is `host`; `h1`: it speaks
    /// HTTP/1.1 (where an upgrade is asked for with `Connection`).
    pub(crate) fn for_target<'p>(&'p self, host: &'p HeaderValue, h1: bool) -> ForTarget<'p, 'a> {
        ForTarget {
            plan: self,
            host,
            h1,
        }
    }

    /// The fields as a header map (for an h2c target or request hooks).
    pub(crate) fn header_map(&self, host: &HeaderValue, h1: bool) -> HeaderMap {
        let mut map = HeaderMap::with_capacity(self.client.len() + 8);
        self.for_target(host, h1).visit(|name, field| {
            let value = match field {
                Field::Value(v) => v.clone(),
                Field::Ip(ip) => match HeaderValue::from_bytes(ip.as_bytes()) {
                    Ok(v) => v,
                    Err(_) => return,
                },
            };
            map.append(name.clone(), value);
        });
        map
    }
}

/// A plan's fields for one target.
#[derive(Debug)]
pub(crate) struct ForTarget<'p, 'a> {
    plan: &'p Plan<'a>,
    host: &'p HeaderValue,
    h1: bool,
}

impl ForTarget<'_, '_> {
    /// Calls `f` with each field, in order.
    fn visit(&self, mut f: impl FnMut(&HeaderName, Field<'_>)) {
        let plan = self.plan;
        for (name, value) in plan.client {
            if !plan.skips(name) {
                f(name, Field::Value(value));
            }
        }
        f(&header::HOST, Field::Value(self.host));
        match &plan.xff {
            Some(Made::Ip(ip)) => f(&XFF, Field::Ip(ip)),
            Some(Made::Joined(v)) => f(&XFF, Field::Value(v)),
            None => {}
        }
        f(&XFP, Field::Value(plan.xfp));
        if let Some(v) = &plan.client_host {
            f(&XFH, Field::Value(v));
        }
        if let Some(v) = &plan.forwarded {
            f(&header::FORWARDED, Field::Value(v));
        }
        f(
            &header::VIA,
            Field::Value(plan.via_joined.as_deref().unwrap_or(plan.via)),
        );
        if plan.trailers {
            f(&header::TE, Field::Value(&TRAILERS));
        }
        if let (Some(up), true) = (plan.upgrade, self.h1) {
            f(&header::CONNECTION, Field::Value(&UPGRADE_TOKEN));
            f(&header::UPGRADE, Field::Value(up));
        }
    }
}

impl Fields for ForTarget<'_, '_> {
    fn each(&self, f: &mut dyn FnMut(&HeaderName, &[u8])) {
        self.visit(|name, field| match field {
            Field::Value(v) => f(name, v.as_bytes()),
            Field::Ip(ip) => f(name, ip.as_bytes()),
        });
    }
}

/// `old, new` as a field value.
fn joined(old: String, new: &str) -> Option<HeaderValue> {
    HeaderValue::try_from(format!("{old}, {new}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A context whose request has `fields` and came from 127.0.0.2.
    fn request(fields: &[(&str, &str)]) -> rejoinder::Context {
        let remote = "127.0.0.2:5000".parse().ok();
        let mut b = http::Request::builder()
            .uri("/a")
            .extension(rejoinder::ConnectionInfo::new(remote, None));
        for (n, v) in fields {
            b = b.header(*n, *v);
        }
        rejoinder::Context::new(b.body(rejoinder::RequestBody::empty()).unwrap())
    }

    /// The header map planned for a request with `fields` to a target
    /// `up:1` (HTTP/1.1 when `h1`).
    fn planned_map(fields: &[(&str, &str)], forwarded: bool, h1: bool) -> HeaderMap {
        let ctx = request(fields);
        let via = HeaderValue::from_static("1.1 rejoinder");
        let plan = Plan::new(&ctx.req, forwarded, &via);
        plan.header_map(&HeaderValue::from_static("up:1"), h1)
    }

    fn fields(plan: &Plan<'_>, h1: bool) -> Vec<(String, String)> {
        let host = HeaderValue::from_static("up:1");
        let mut out = Vec::new();
        plan.for_target(&host, h1).each(&mut |n, v| {
            out.push((n.to_string(), String::from_utf8(v.to_vec()).unwrap()));
        });
        out
    }

    #[test]
    fn hop_by_hop_and_named_fields_stay_out_and_the_hop_is_added() {
        let ctx = request(&[
            ("host", "example.com"),
            ("connection", "keep-alive, x-secret"),
            ("x-secret", "1"),
            ("keep-alive", "timeout=5"),
            ("proxy-authorization", "Basic eA=="),
            ("te", "gzip, trailers"),
            ("x-forwarded-proto", "https"),
            ("x-kept", "yes"),
        ]);
        let via = HeaderValue::from_static("1.1 rejoinder");
        let plan = Plan::new(&ctx.req, false, &via);
        let got = fields(&plan, true);
        let want = [
            ("x-kept", "yes"),
            ("host", "up:1"),
            ("x-forwarded-for", "127.0.0.2"),
            ("x-forwarded-proto", "http"),
            ("x-forwarded-host", "example.com"),
            ("via", "1.1 rejoinder"),
            ("te", "trailers"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn lists_join_what_came_before() {
        let map = planned_map(
            &[
                ("host", "example.com"),
                ("x-forwarded-for", "10.0.0.1"),
                ("x-forwarded-for", "10.0.0.2"),
                ("via", "1.0 edge"),
                ("forwarded", "for=10.0.0.1"),
            ],
            true,
            true,
        );
        assert_eq!(map["x-forwarded-for"], "10.0.0.1, 10.0.0.2, 127.0.0.2");
        assert_eq!(map[header::VIA], "1.0 edge, 1.1 rejoinder");
        assert_eq!(
            map[header::FORWARDED],
            "for=10.0.0.1, for=127.0.0.2;host=\"example.com\";proto=http"
        );
        assert_eq!(map.get_all("x-forwarded-for").iter().count(), 1);
    }

    #[test]
    fn a_list_the_connection_header_names_starts_afresh() {
        let map = planned_map(
            &[
                ("connection", "x-forwarded-for"),
                ("x-forwarded-for", "6.6.6.6"),
            ],
            false,
            true,
        );
        assert_eq!(map["x-forwarded-for"], "127.0.0.2");
    }

    #[test]
    fn an_upgrade_is_asked_for_with_connection_on_http1_only() {
        let fields = [("connection", "Upgrade"), ("upgrade", "websocket")];
        let ctx = request(&fields);
        let via = HeaderValue::from_static("1.1 rejoinder");
        assert_eq!(
            Plan::new(&ctx.req, false, &via).upgrade().unwrap(),
            "websocket"
        );
        let h1 = planned_map(&fields, false, true);
        assert_eq!(h1[header::CONNECTION], "upgrade");
        assert_eq!(h1[header::UPGRADE], "websocket");
        let h2 = planned_map(&fields, false, false);
        assert!(!h2.contains_key(header::CONNECTION) && !h2.contains_key(header::UPGRADE));
    }
}
