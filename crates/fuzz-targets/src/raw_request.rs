//! Raw HTTP/1.1 requests, parsed with httparse and fed to a representative
//! app: router with parameters, middleware, ServeDir (whose root has
//! `pub.txt`, with `secret.txt` beside it), JSON echo, redirects, an
//! attachment. The answer is a valid response and never shows the secret.

use std::sync::OnceLock;

use bytes::Bytes;
use http_body_util::Full;
use rejoinder::fs::ServeDir;
use rejoinder::prelude::*;
use rejoinder::{App, Context, HttpError, Json, Next, RequestBody, Router};
use rejoinder_core::content_disposition::Options;
use serde_json::Value;

use crate::fixtures::{served_root, SECRET};
use crate::{assert_clean_headers, block_on, collect};

fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let root = served_root();
        let api = Router::new()
            .get("/users/{id}", async |ctx: &mut Context| {
                let id: u64 = ctx.param_as("id")?;
                Ok::<_, HttpError>(Json(serde_json::json!({ "id": id })))
            })
            .name("user")
            .get("/files/{*rest}", async |ctx: &mut Context| {
                ctx.param("rest").unwrap_or_default().to_owned()
            })
            .post("/echo", async |ctx: &mut Context| {
                ctx.req.json::<Value>().await.map(Json)
            })
            .get("/redirect", async |ctx: &mut Context| {
                let to = ctx.req.query_param("to").unwrap_or_default().into_owned();
                ctx.redirect(&to)
                    .map(drop)
                    .map_err(|_| HttpError::bad_request("bad target"))
            })
            .get("/back", async |ctx: &mut Context| {
                ctx.back(Some("/home"))
                    .map(drop)
                    .map_err(|_| HttpError::bad_request("bad target"))
            })
            .get("/download", async |ctx: &mut Context| {
                let name = ctx.req.query_param("name").unwrap_or_default().into_owned();
                ctx.res.attachment(Some(&name), &Options::default())?;
                ctx.res.set_body("report");
                Ok::<_, rejoinder::Error>(())
            })
            .get("/negotiate", async |ctx: &mut Context| {
                match ctx.req.accepts(&["json", "html", "text/plain"]) {
                    Some("json") => ctx.res.set_body(serde_json::json!({"ok": true})),
                    Some("html") => ctx.res.set_body("<p>ok</p>"),
                    Some(_) => ctx.res.set_body("ok"),
                    None => ctx.res.set_status(StatusCode::NOT_ACCEPTABLE),
                };
            })
            .fallback(ServeDir::new(root));
        let router = Router::new()
            .mount("/static", ServeDir::new(root))
            .merge(api);
        App::new().router(router).body_limit(4096).middleware(
            async |ctx: &mut Context, next: Next<'_>| {
                next.run(ctx).await;
                let _ = ctx.res.set("x-served-by", "fuzz");
            },
        )
    })
}

/// Turns a parsed head into an `http::Request`, or `None` when `http`
/// refuses a part of it.
fn build(req: &httparse::Request<'_, '_>, body: &[u8]) -> Option<http::Request<RequestBody>> {
    let mut builder = http::Request::builder()
        .method(http::Method::from_bytes(req.method?.as_bytes()).ok()?)
        .uri(http::Uri::try_from(req.path?).ok()?)
        .version(if req.version? == 0 {
            http::Version::HTTP_10
        } else {
            http::Version::HTTP_11
        });
    for h in req.headers.iter() {
        let name = http::HeaderName::from_bytes(h.name.as_bytes()).ok()?;
        let value = http::HeaderValue::from_bytes(h.value).ok()?;
        builder = builder.header(name, value);
    }
    let body = Full::new(Bytes::copy_from_slice(body));
    builder.body(RequestBody::new(body)).ok()
}

/// Fuzz target: the input is a raw request, head and body.
pub fn raw_request(data: &[u8]) {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(n)) = parsed.parse(data) else {
        return;
    };
    let Some(req) = build(&parsed, &data[n..]) else {
        return;
    };
    let method = req.method().clone();
    let target = req.uri().to_string();
    let (status, headers, body) = block_on(async {
        let res = app().handle(req).await;
        let (parts, body) = res.into_parts();
        (parts.status, parts.headers, collect(body).await)
    });
    let code = status.as_u16();
    assert!(
        (100..=599).contains(&code),
        "{method} {target} answered {code}"
    );
    assert_ne!(
        code,
        500,
        "{method} {target} answered 500: {}",
        String::from_utf8_lossy(&body)
    );
    assert_clean_headers(&headers);
    assert!(
        !body.windows(SECRET.len()).any(|w| w == SECRET),
        "{method} {target} sent the secret next to the root"
    );
    if method == http::Method::HEAD {
        assert!(body.is_empty(), "HEAD {target} sent a body");
    }
    if let Some(loc) = headers.get(http::header::LOCATION) {
        assert!(
            rejoinder_core::status::is_redirect(code),
            "Location with {code}: {loc:?}"
        );
    }
    assert_eq!(
        headers.get("x-served-by").map(|v| v.as_bytes()),
        Some(&b"fuzz"[..]),
        "the middleware ran for {method} {target}"
    );
}
