//! The request-body readers fed arbitrary bodies, Content-Types and
//! framings through `App::handle`: 2xx, 400, 413 or 415, never a 500.

use std::sync::OnceLock;

use bytes::Bytes;
use http::Method;
use http_body_util::StreamBody;
use rejoinder::{App, Context, HttpError, Json, RequestBody, Router};
use serde_json::Value;

use crate::{assert_clean_headers, block_on, collect, header_value, Fields};

/// The limit of the `/small/*` routes.
const SMALL: usize = 64;

const PATHS: &[&str] = &[
    "/json",
    "/form",
    "/text",
    "/bytes",
    "/stream",
    "/small/json",
    "/small/text",
    "/small/stream",
    "/typed",
];

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Typed {
    name: String,
    n: Option<u32>,
    tags: Vec<String>,
}

async fn stream(ctx: &mut Context) -> Result<String, HttpError> {
    let mut body = ctx.req.body_stream()?;
    let mut total = 0;
    while let Some(chunk) = body.chunk().await? {
        total += chunk.len();
    }
    assert_eq!(total, body.bytes_read(), "bytes_read counts what arrived");
    Ok(format!("{total}"))
}

fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        // `Router::body_limit` applies to the route added last: one each.
        let small = Router::new()
            .post("/json", async |ctx: &mut Context| {
                ctx.req.json::<Value>().await.map(Json)
            })
            .body_limit(SMALL)
            .post("/text", async |ctx: &mut Context| ctx.req.text().await)
            .body_limit(SMALL)
            .post("/stream", stream)
            .body_limit(SMALL);
        let router = Router::new()
            .post("/json", async |ctx: &mut Context| {
                ctx.req.json::<Value>().await.map(Json)
            })
            .post("/form", async |ctx: &mut Context| {
                ctx.req
                    .form::<Vec<(String, String)>>()
                    .await
                    .map(|f| format!("{} fields", f.len()))
            })
            .post("/text", async |ctx: &mut Context| ctx.req.text().await)
            .post("/bytes", async |ctx: &mut Context| {
                ctx.req.bytes().await.map(|b| format!("{} bytes", b.len()))
            })
            .post("/stream", stream)
            .post("/typed", async |ctx: &mut Context| {
                let t: Typed = ctx.req.json().await?;
                Ok::<_, HttpError>(t.name)
            })
            .nest("/small", small);
        App::new().router(router).body_limit(1024)
    })
}

/// Fuzz target. Fields: a selector byte (route, framing, whether
/// Content-Length is declared and whether it lies), the Content-Type, the
/// body (the rest of the input, cut into chunks at `0xFF`).
pub fn request_body(data: &[u8]) {
    let mut fields = Fields::new(data);
    let sel = fields.byte();
    let content_type = fields.str();
    let rest = fields.remainder();
    let chunks: Vec<Bytes> = rest
        .split(|&b| b == crate::SEP)
        .map(Bytes::copy_from_slice)
        .collect();
    let total: usize = chunks.iter().map(Bytes::len).sum();
    let path = PATHS[usize::from(sel) % PATHS.len()];

    let mut req = http::Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(http::header::HOST, "app.test");
    if let Some(v) = header_value(&content_type) {
        req = req.header(http::header::CONTENT_TYPE, v);
    }
    let declared = match (sel >> 4) % 4 {
        0 => None,
        1 => Some(total),
        2 => Some(total / 2),
        _ => Some(total * 3 + 5000),
    };
    if let Some(n) = declared {
        req = req.header(http::header::CONTENT_LENGTH, n);
    }
    if sel & 0x40 != 0 {
        req = req.header(http::header::EXPECT, "100-continue");
    }
    let body = if sel & 0x80 != 0 {
        let frames = chunks
            .into_iter()
            .map(|c| Ok::<_, std::convert::Infallible>(http_body::Frame::data(c)));
        RequestBody::new(StreamBody::new(futures_util::stream::iter(frames)))
    } else {
        RequestBody::new(http_body_util::Full::new(Bytes::from(chunks.concat())))
    };
    let req = req.body(body).expect("a request");
    let (status, headers, body) = block_on(async {
        let res = app().handle(req).await;
        let (parts, body) = res.into_parts();
        (parts.status, parts.headers, collect(body).await)
    });
    assert_clean_headers(&headers);
    let code = status.as_u16();
    assert!(
        matches!(code, 200..=299 | 400 | 413 | 415),
        "{path} with {content_type:?} and {total} bytes answered {code}: {}",
        String::from_utf8_lossy(&body)
    );
    if code == 200 && path.starts_with("/small/") {
        assert!(total <= SMALL, "{total} bytes passed a {SMALL}-byte limit");
    }
    if code == 200 && path == "/stream" {
        assert_eq!(body, total.to_string(), "the stream read every byte");
    }
}
