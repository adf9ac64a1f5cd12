//! Koa's `ctx.redirect(url)` and `ctx.back(alt)` with arbitrary URLs,
//! Referers and Accept headers.

use http::{HeaderMap, StatusCode};
use rejoinder::{Context, RequestBody};

use crate::{assert_clean_value, header_value, Fields};

const HOST: &str = "app.test";

fn context(referer: Option<&str>, accept: &str, host: bool) -> Context {
    let mut req = http::Request::builder().uri("/p");
    if host {
        req = req.header(http::header::HOST, HOST);
    }
    if let Some(v) = referer.and_then(header_value) {
        req = req.header(http::header::REFERER, v);
    }
    if let Some(v) = header_value(accept) {
        req = req.header(http::header::ACCEPT, v);
    }
    Context::new(req.body(RequestBody::empty()).expect("a request"))
}

/// The Location after a redirect, checked: present, clean, 3xx.
fn location(ctx: &Context) -> String {
    let res = &ctx.res;
    assert!(
        rejoinder_core::status::is_redirect(res.status().as_u16()),
        "redirect answered {}",
        res.status()
    );
    let loc = res
        .headers()
        .get(http::header::LOCATION)
        .expect("a redirect sets Location");
    assert_clean_value("location", loc.as_bytes());
    let loc = loc
        .to_str()
        .unwrap_or_else(|_| panic!("Location is not visible ASCII: {loc:?}"));
    let body = res.body().and_then(|b| b.as_text()).unwrap_or_default();
    if res
        .get("content-type")
        .is_some_and(|t| t.starts_with("text/html"))
    {
        let text = body
            .strip_prefix("Redirecting to ")
            .unwrap_or_else(|| panic!("HTML body {body:?}"));
        assert!(
            !text.contains(['<', '>', '"']),
            "unescaped HTML body {body:?}"
        );
    }
    loc.to_owned()
}

/// Where a browser on `scheme://app.test/p` goes for `loc`.
fn resolve(scheme: &str, loc: &str) -> Option<url::Url> {
    url::Url::parse(&format!("{scheme}://{HOST}/p"))
        .expect("a base")
        .join(loc)
        .ok()
}

fn unchanged(ctx: &Context, headers: &HeaderMap) {
    assert_eq!(
        ctx.res.status(),
        StatusCode::NOT_FOUND,
        "a refused redirect set a status"
    );
    assert_eq!(ctx.res.headers(), headers, "a refused redirect set headers");
    assert!(ctx.res.body().is_none(), "a refused redirect set a body");
}

/// Fuzz target. Fields: a mode byte (redirect or back, with or without an
/// alt, with or without a Host), the URL or Referer, the alt, the Accept.
pub fn redirect(data: &[u8]) {
    let mut fields = Fields::new(data);
    let mode = fields.byte();
    let url = fields.str();
    let alt = fields.str();
    let accept = fields.str();
    let host = mode & 4 == 0;

    if mode % 2 == 0 {
        let mut ctx = context(None, &accept, host);
        let before = ctx.res.headers().clone();
        match ctx.redirect(&url) {
            Ok(_) => {
                location(&ctx);
            }
            Err(e) => {
                assert!(e.is_invalid_url() || e.is_refused(), "{e}");
                unchanged(&ctx, &before);
            }
        }
        return;
    }

    let alt = (mode & 2 == 0).then_some(alt.as_str());
    let mut ctx = context(Some(&url), &accept, host);
    let before = ctx.res.headers().clone();
    let result = ctx.back(alt).map(drop);
    // What the same request without a Referer answers: the alt, or `/`.
    let mut plain = context(None, &accept, host);
    let fallback = plain.back(alt).map(drop);
    match result {
        Err(e) => {
            assert!(e.is_invalid_url() || e.is_refused(), "{e}");
            unchanged(&ctx, &before);
        }
        Ok(()) => {
            let loc = location(&ctx);
            let to_alt = fallback.is_ok() && plain.res.location() == Some(loc.as_str());
            if !to_alt {
                assert!(
                    host,
                    "no Host, yet the Referer {url:?} was followed to {loc:?}"
                );
                for scheme in ["http", "https"] {
                    let target = resolve(scheme, &loc)
                        .unwrap_or_else(|| panic!("Location {loc:?} does not resolve"));
                    assert_eq!(
                        target.host_str(),
                        Some(HOST),
                        "back() from a {scheme}: page left the host: Referer {url:?}, \
                         Location {loc:?}, resolved {target}"
                    );
                }
            }
        }
    }
}
