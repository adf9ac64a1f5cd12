//! The rejoinder showcase: one route per response feature built so far.
//!
//! Run with `cargo run --release --example showcase` and open the printed
//! URL (port 3000, or `PORT`). Try `curl -i` and `curl -I` on each route.

use std::time::{Duration, SystemTime};

use rejoinder::content_disposition::Disposition;
use rejoinder::fs::ServeDir;
use rejoinder::{App, Body, Context, HttpError, Json, Next, Router, NO_HEADERS};

const ROUTES: &[(&str, &str)] = &[
    (
        "/",
        "this index (an HTML string body: text/html is inferred)",
    ),
    ("/text", "a plain-text body with inferred type and length"),
    (
        "/json",
        "a JSON body serialized once, application/json inferred",
    ),
    ("/bytes", "raw bytes, application/octet-stream"),
    ("/stream", "a streamed body, sent chunked as it is produced"),
    (
        "/empty",
        "an explicitly empty body: 204 with content headers removed",
    ),
    ("/untouched", "nobody set anything: 404 Not Found"),
    (
        "/status?code=418",
        "any status (100-999) with its canonical reason phrase",
    ),
    (
        "/status?code=200&message=All%20Good",
        "a custom reason phrase",
    ),
    (
        "/status?code=1000",
        "an invalid status: a clear error, answered as 500",
    ),
    (
        "/type?ext=png",
        "Content-Type from an extension or media type",
    ),
    (
        "/is?type=json",
        "response.is(): which of html/json/text/* matches",
    ),
    (
        "/headers",
        "set, append, set_if_absent, Vary, ETag, Last-Modified, Location",
    ),
    (
        "/bad-header",
        "a CR/LF header value is refused: the error, not the header",
    ),
    (
        "/kong",
        "Kong lookups (x_custom_header) and a bounded header listing",
    ),
    (
        "/accepts",
        "the request's Accept negotiated among html/json/text",
    ),
    (
        "/panic",
        "a panicking handler: 500, and the server keeps serving",
    ),
];

fn query<'a>(ctx: &'a Context, key: &str) -> Option<&'a str> {
    ctx.req.query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then_some(v)
    })
}

fn index() -> String {
    let mut html = String::from(
        "<!doctype html><title>rejoinder showcase</title><h1>rejoinder showcase</h1><ul>",
    );
    for (path, what) in ROUTES {
        html.push_str(&format!(
            "<li><a href=\"{path}\"><code>{path}</code></a> — {what}</li>"
        ));
    }
    html.push_str("</ul><p>Every route answers HEAD with the same headers and no body.</p>");
    html
}

async fn handle(mut ctx: Context) -> Result<Context, HttpError> {
    let path = ctx.req.path().to_owned();
    let res = &mut ctx.res;
    match path.as_str() {
        "/" => {
            res.set_body(index());
        }
        "/text" => {
            res.set_body("Hello, World!");
        }
        "/json" => {
            res.set_body(Json(serde_json::json!({
                "message": "Hello, World!",
                "served_at": humantime_now(),
            })));
        }
        "/bytes" => {
            res.set_body(vec![0u8, 1, 2, 3, 255]);
        }
        "/stream" => {
            let chunks = futures_util::stream::unfold(0u32, |i| async move {
                if i == 5 {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                Some((Ok::<_, std::io::Error>(format!("chunk {i}\n")), i + 1))
            });
            res.set_body(Body::stream(chunks));
            res.set_type("text/plain")?;
        }
        "/empty" => {
            res.set_body("about to be replaced");
            res.set_body(Body::Empty);
        }
        "/untouched" => {}
        "/status" => {
            let code: i32 = query(&ctx, "code")
                .and_then(|c| c.parse().ok())
                .unwrap_or(200);
            let message = query(&ctx, "message").map(|m| m.replace("%20", " "));
            let res = &mut ctx.res;
            res.set_status(code)?;
            if let Some(m) = message {
                res.set_message(m)?;
            }
        }
        "/type" => {
            let ext = query(&ctx, "ext").unwrap_or("html").to_owned();
            let res = &mut ctx.res;
            res.set_body(format!("this body was typed from {ext:?}\n"));
            res.set_type(&ext)?;
        }
        "/is" => {
            let ty = query(&ctx, "type").unwrap_or("json").to_owned();
            let res = &mut ctx.res;
            res.set_type(&ty)?;
            let answer = res.is(&["html", "json", "text/*"]);
            res.set_body(format!("is(html, json, text/*) = {answer:?}\n"));
            res.set_type(&ty)?;
        }
        "/headers" => {
            res.set("X-Powered-By", "rejoinder")?
                .append("Link", "</>; rel=\"index\"")?
                .append("Link", "</json>; rel=\"alternate\"")?
                .set_if_absent("X-Powered-By", "ignored: already set")?
                .vary(&["Accept-Encoding"])?
                .vary(&["accept-encoding", "Origin"])?
                .set_etag("v1")?
                .set_location("/")?;
            res.set_last_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_577_934_245));
            res.set_body("look at the headers (curl -i)\n");
        }
        "/bad-header" => {
            let err = res
                .set("X-Injected", "value\r\nSet-Cookie: stolen=1")
                .unwrap_err();
            res.set_status(400)?;
            res.set_body(format!("refused: {err}\n"));
        }
        "/kong" => {
            res.set("X-Custom-Header", "found by x_custom_header")?;
            for i in 0..5 {
                res.append(format!("X-Item-{i}"), i)?;
            }
            let found = res.header_any("x_custom_header").cloned();
            let listing = res.headers_limited(3)?;
            let names: Vec<String> = listing.entries.iter().map(|(n, _)| n.to_string()).collect();
            let text = format!(
                "header_any(\"x_custom_header\") = {found:?}\nheaders_limited(3) = {names:?}, truncated = {}\n",
                listing.truncated
            );
            res.set_body(text);
        }
        "/accepts" => {
            let best = ctx.req.accepts(&["html", "json", "text"]);
            let res = &mut ctx.res;
            match best {
                Some("json") => res.set_body(Json(serde_json::json!({"negotiated": "json"}))),
                Some("html") => res.set_body("<p>negotiated: html</p>"),
                Some(_) => res.set_body("negotiated: text"),
                None => res.set_status(406)?,
            };
            res.vary(&["Accept"])?;
        }
        "/panic" => panic!("the showcase panics on purpose"),
        "/boom/unauthorized" => {
            return Err(HttpError::unauthorized("token expired")
                .scheme("Bearer")
                .attribute("realm", "showcase"));
        }
        "/boom/method" => {
            return Err(HttpError::method_not_allowed("").allow(["GET", "HEAD"]));
        }
        "/boom/internal" => {
            return Err(HttpError::internal("database password rejected")
                .data(serde_json::json!({"host": "db.internal"})));
        }
        "/boom/io" => {
            std::fs::read("/definitely/not/here")?;
        }
        "/abort" => {
            let has_token = query(&ctx, "token").is_some_and(|t| !t.is_empty());
            ctx.res
                .abort_unless(has_token, "a token is required", 401)?;
            ctx.res.set_body("welcome");
        }
        "/exit" => {
            ctx.exit(
                403,
                serde_json::json!({"message": "blocked by policy"}),
                [("X-Policy", "showcase"), ("Cache-Control", "no-store")],
            )?;
        }
        "/kong-error" => {
            ctx.error(404, (), NO_HEADERS)?;
        }
        "/created" => {
            res.created(Json(serde_json::json!({"id": 42})));
        }
        "/status-name" => {
            let name = query(&ctx, "name")
                .unwrap_or("Not Found")
                .replace("%20", " ");
            match ctx.res.set_status(name.as_str()) {
                Ok(res) => {
                    res.set_body(format!("{name:?} is status {}", res.status()));
                }
                Err(e) => {
                    ctx.res.bad_request(format!("{e}\n"));
                }
            }
        }
        _ => {}
    }
    Ok(ctx)
}

async fn user(mut ctx: Context) -> Result<Context, HttpError> {
    let id = ctx.param("id").unwrap_or_default().to_owned();
    let link = ctx
        .url_for("users.show", &[("id", &id)])
        .map_err(HttpError::wrap)?;
    ctx.res.set_body(format!(
        "<p>user {id}: this page is <a href=\"{link}\">{link}</a></p>"
    ));
    Ok(ctx)
}

async fn go_user(mut ctx: Context) -> Result<Context, HttpError> {
    let id = ctx.param("id").unwrap_or_default().to_owned();
    ctx.redirect_to()
        .with_qs()
        .with_qs_from(serde_json::json!({"from": "showcase"}))
        .to_route("users.show", &[("id", &id)])
        .map_err(HttpError::wrap)?;
    Ok(ctx)
}

async fn koa_redirect(mut ctx: Context) -> Result<Context, HttpError> {
    let to = query(&ctx, "to")
        .map(rejoinder::uri::percent_decode)
        .unwrap_or_else(|| "/".into());
    ctx.redirect(&to).map_err(HttpError::wrap)?;
    Ok(ctx)
}

async fn back(mut ctx: Context) -> Result<Context, HttpError> {
    ctx.back(Some("/")).map_err(HttpError::wrap)?;
    Ok(ctx)
}

async fn download(mut ctx: Context) -> Result<Context, HttpError> {
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    ctx.res
        .attachment_file(
            readme,
            Some("rejoinder – read me.md"),
            Disposition::Attachment,
        )
        .await?;
    Ok(ctx)
}

async fn jsonp(mut ctx: Context) -> Context {
    ctx.jsonp(&serde_json::json!({"message": "Hello, World!"}));
    ctx
}

async fn events(mut ctx: Context) -> Result<Context, HttpError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(4);
    ctx.res.set_type("text/event-stream")?;
    ctx.res.set("Cache-Control", "no-cache")?;
    ctx.res
        .set_body(Body::stream(futures_util::stream::poll_fn(move |cx| {
            rx.poll_recv(cx)
        })));
    ctx.flush_headers().await?;
    for i in 1..=5 {
        if tx
            .send(Ok(format!("id: {i}\ndata: tick {i}\n\n")))
            .await
            .is_err()
        {
            break; // the client went away
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(ctx)
}

async fn trailers(mut ctx: Context) -> Result<Context, HttpError> {
    let started = std::time::Instant::now();
    ctx.res.set_body("a body with trailers after it\n");
    ctx.res.trailers_mut().insert("x-checksum", "not-really")?;
    ctx.res
        .trailers_mut()
        .insert_future("x-elapsed", async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok::<_, std::io::Error>(format!("{:?}", started.elapsed()))
        })?;
    Ok(ctx)
}

async fn value(_ctx: Context) -> impl rejoinder::IntoResponse {
    (
        201u16,
        "Made",
        [("x-kind", "tuple")],
        ("a response returned as a value\n",),
    )
}

async fn timing(ctx: Context, next: Next) -> Context {
    let started = std::time::Instant::now();
    let mut ctx = next.run(ctx).await;
    let _ = ctx
        .res
        .set("X-Response-Time", format!("{:?}", started.elapsed()));
    ctx
}

fn humantime_now() -> String {
    httpdate::fmt_http_date(SystemTime::now())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_target(false).init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    println!("rejoinder showcase listening on http://127.0.0.1:{port}/");
    for (path, what) in ROUTES {
        println!("  {path:<40} {what}");
    }
    let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs");
    let router = Router::new()
        .get("/users/{id}", user)
        .name("users.show")
        .get("/go/user/{id}", go_user)
        .get("/redirect", koa_redirect)
        .get("/back", back)
        .get("/docs/{*path}", ServeDir::new(docs).mount("/docs"))
        .get("/download", download)
        .get("/jsonp", jsonp)
        .get("/events", rejoinder::flushable(events))
        .get("/trailers", trailers)
        .get("/value", value)
        .get("/shout", |mut ctx: Context| async move {
            ctx.res.set_body("this body is shouted by a body filter\n");
            ctx
        })
        .fallback(handle);
    App::new()
        .router(router)
        .middleware(timing)
        .late(|req, res| {
            if req.path() == "/shout" {
                let _ = res.set("X-Late-Handler", "saw the final response");
            }
        })
        .header_filter(|res| {
            res.set("X-Powered-By", "rejoinder")?;
            Ok(())
        })
        .body_filter(|chunk| {
            if chunk.is_last() && chunk.chunk().starts_with(b"this body is shouted") {
                let loud = chunk.chunk().to_ascii_uppercase();
                chunk.set_chunk(loud);
            }
        })
        .log(|e| {
            tracing::info!(
                method = %e.method, path = %e.path, status = e.status, bytes = e.bytes_sent,
                source = e.source.as_str(), duration = ?e.duration, "request"
            )
        })
        .listen(("127.0.0.1", port))
        .await
}
