//! The rejoinder showcase: one route per response feature built so far.
//!
//! Run with `cargo run --release --example showcase` and open the printed
//! URL (port 3000, or `PORT`). Try `curl -i` and `curl -I` on each route.

use std::time::{Duration, SystemTime};

use rejoinder::content_disposition::Disposition;
use rejoinder::fs::ServeDir;
use rejoinder::prelude::*;
use rejoinder::{Abort, App, Body, Context, HttpError, Json, Next, Router, Vapr, NO_HEADERS};

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
    (
        "/echo",
        "POST JSON and get it back (curl -d '{\"a\":1}' -H 'content-type: application/json'); \
         broken JSON 400, another type 415, over 2 MiB 413",
    ),
    (
        "/docs/api-map.md",
        "a file of docs/ through a ServeDir mounted at /docs: ETag, 304, ranges",
    ),
];

/// `?code=418&message=All+Good`, read by the typed query.
#[derive(serde::Deserialize)]
struct StatusQuery {
    code: Option<i32>,
    message: Option<String>,
}

/// A query parameter, decoded, or `default`.
fn param_or(ctx: &Context, key: &str, default: &str) -> String {
    ctx.req
        .query_param(key)
        .map_or_else(|| default.to_owned(), |v| v.into_owned())
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

async fn handle(ctx: &mut Context) -> Result<(), Abort> {
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
            let StatusQuery { code, message } = ctx.req.query()?;
            let res = &mut ctx.res;
            res.set_status(code.unwrap_or(200))?;
            if let Some(m) = message {
                res.set_message(m)?;
            }
        }
        "/type" => {
            let ext = param_or(ctx, "ext", "html");
            let res = &mut ctx.res;
            res.set_body(format!("this body was typed from {ext:?}\n"));
            res.set_type(&ext)?;
        }
        "/is" => {
            let ty = param_or(ctx, "type", "json");
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
            let kong = res.kong();
            let found = kong.get_header("x_custom_header").cloned();
            let listing = kong.get_headers(Some(3))?;
            let names: Vec<String> = listing.entries.iter().map(|(n, _)| n.to_string()).collect();
            let text = format!(
                "kong().get_header(\"x_custom_header\") = {found:?}\nkong().get_headers(3) = {names:?}, truncated = {}\n",
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
                .attribute("realm", "showcase")
                .into());
        }
        "/boom/method" => {
            return Err(HttpError::method_not_allowed("")
                .allow(["GET", "HEAD"])
                .into());
        }
        "/boom/internal" => {
            return Err(HttpError::internal("database password rejected")
                .data(serde_json::json!({"host": "db.internal"}))
                .into());
        }
        "/boom/io" => {
            std::fs::read("/definitely/not/here")?;
        }
        "/abort" => {
            let has_token = ctx.req.query_param("token").is_some_and(|t| !t.is_empty());
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
            let name = param_or(ctx, "name", "Not Found");
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
    Ok(())
}

async fn user(ctx: &mut Context) -> Result<(), Abort> {
    let id = ctx.param("id").unwrap_or_default().to_owned();
    let link = ctx.url_for("users.show", &[("id", &id)])?;
    ctx.res.set_body(format!(
        "<p>user {id}: this page is <a href=\"{link}\">{link}</a></p>"
    ));
    Ok(())
}

async fn go_user(ctx: &mut Context) -> Result<(), Abort> {
    let id = ctx.param("id").unwrap_or_default().to_owned();
    ctx.redirect_to()
        .with_qs()
        .with_qs_from(serde_json::json!({"from": "showcase"}))
        .to_route("users.show", &[("id", &id)])?;
    Ok(())
}

async fn koa_redirect(ctx: &mut Context) -> Result<(), Abort> {
    let to = param_or(ctx, "to", "/");
    ctx.redirect(&to)?;
    Ok(())
}

async fn back(ctx: &mut Context) -> Result<(), Abort> {
    ctx.back(Some("/"))?;
    Ok(())
}

async fn download(ctx: &mut Context) -> Result<(), Abort> {
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    ctx.res
        .attachment_file(
            readme,
            Some("rejoinder – read me.md"),
            Disposition::Attachment,
        )
        .await?;
    Ok(())
}

/// Reads a JSON body and answers it back: 415 for another Content-Type,
/// 400 with serde's line and column for broken JSON, 413 over the body
/// limit (2 MiB by default).
async fn echo(ctx: &mut Context) -> Result<Json<serde_json::Value>, Abort> {
    Ok(Json(ctx.req.json().await?))
}

async fn jsonp(ctx: &mut Context) {
    ctx.jsonp(&serde_json::json!({"message": "Hello, World!"}));
}

async fn events(ctx: &mut Context) -> Result<(), Abort> {
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
    Ok(())
}

async fn trailers(ctx: &mut Context) -> Result<(), Abort> {
    let started = std::time::Instant::now();
    ctx.res.set_body("a body with trailers after it\n");
    ctx.res.trailers_mut().insert("x-checksum", "not-really")?;
    ctx.res
        .trailers_mut()
        .insert_future("x-elapsed", async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok::<_, std::io::Error>(format!("{:?}", started.elapsed()))
        })?;
    Ok(())
}

async fn value(_ctx: &mut Context) -> impl rejoinder::IntoResponse {
    Vapr((
        201u16,
        "Made",
        [("x-kind", "tuple")],
        ("a response returned as a value\n",),
    ))
}

async fn timing(ctx: &mut Context, next: Next<'_>) {
    let started = std::time::Instant::now();
    next.run(ctx).await;
    let _ = ctx
        .res
        .set("X-Response-Time", format!("{:?}", started.elapsed()));
}

fn humantime_now() -> String {
    httpdate::fmt_http_date(SystemTime::now())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // RUST_LOG picks what is logged (`RUST_LOG=info` by default; `debug` or
    // `trace` show each request's span with its fields).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let tls = tls_config()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("rejoinder showcase listening on {scheme}://127.0.0.1:{port}/");
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
        .mount("/docs", ServeDir::new(docs))
        .get("/download", download)
        .get("/jsonp", jsonp)
        .post("/echo", echo)
        .get("/events", rejoinder::flushable(events))
        .get("/trailers", trailers)
        .get("/value", value)
        .get("/shout", async |ctx: &mut Context| {
            ctx.res.set_body("this body is shouted by a body filter\n");
        })
        .fallback(handle);
    let app = App::new()
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
        });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let serve = app.serve(listener);
    #[cfg(feature = "tls")]
    let serve = match tls {
        Some(config) => serve.tls(config),
        None => serve,
    };
    serve
        .with_graceful_shutdown(rejoinder::shutdown_signal())
        .await
}

/// With `--features tls`, HTTPS when `TLS_CERT` and `TLS_KEY` name PEM
/// files.
#[cfg(feature = "tls")]
fn tls_config() -> std::io::Result<Option<rejoinder::tls::ServerConfig>> {
    match (std::env::var_os("TLS_CERT"), std::env::var_os("TLS_KEY")) {
        (Some(cert), Some(key)) => rejoinder::tls::server_config(cert, key).map(Some),
        _ => Ok(None),
    }
}

/// Built without the `tls` feature, the showcase speaks plain HTTP; it says
/// so when TLS_CERT and TLS_KEY are set.
#[cfg(not(feature = "tls"))]
fn tls_config() -> std::io::Result<Option<()>> {
    if std::env::var_os("TLS_CERT").is_some() && std::env::var_os("TLS_KEY").is_some() {
        eprintln!(
            "TLS_CERT and TLS_KEY are set, but this build has no `tls` feature: serving plain HTTP"
        );
    }
    Ok(None)
}
