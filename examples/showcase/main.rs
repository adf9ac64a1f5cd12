//! The rejoinder showcase: one route per response feature built so far.
//!
//! Run with `cargo run --release --example showcase` and open the printed
//! URL (port 3000, or `PORT`). Try `curl -i` and `curl -I` on each route.
//!
//! Every route is a router route with a one-line description
//! (`Router::describe`), a group (`Router::group`, the seed system it comes
//! from) and example paths for those with parameters or a query
//! (`Router::example`); the index at `/` and `/routes.json` are built from
//! `Router::routes` at startup, so they list exactly what is served.

mod dialects;
mod index;
mod serving;

use rejoinder::fs::ServeDir;
use rejoinder::{App, Context, Next, Router};

use dialects as d;
use serving as s;

/// Every route of the showcase, grouped by the seed system it shows.
fn router() -> Router {
    let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs");
    Router::new()
        .group("Serving")
        .get("/", index::index)
        .describe("this index (an HTML string body: text/html is inferred), built from Router::routes")
        .get("/routes.json", index::routes_json)
        .describe("the same list as JSON: method, pattern, name, description, group, examples")
        .get("/text", s::text)
        .describe("a plain-text body with inferred type and length")
        .get("/json", s::json)
        .describe("a JSON body serialized once, application/json inferred")
        .get("/bytes", s::bytes)
        .describe("raw bytes, application/octet-stream")
        .get("/stream", s::stream)
        .describe("a streamed body, sent chunked as it is produced")
        .get("/empty", s::empty)
        .describe("an explicitly empty body: 204 with content headers removed")
        .get("/untouched", s::untouched)
        .describe("nobody set anything: 404 Not Found")
        .get("/status", s::status)
        .describe("any status (100-999) with its canonical reason phrase; a custom reason phrase; an invalid status is a clear error, answered as 500")
        .example("/status?code=202")
        .example("/status?code=200&message=All%20Good")
        .example("/status?code=1000")
        .get("/type", s::typed)
        .describe("Content-Type from an extension or media type")
        .example("/type?ext=md")
        .get("/is", s::is)
        .describe("response.is(): which of html/json/text/* matches")
        .example("/is?type=json")
        .get("/headers", s::headers)
        .describe("set, append, set_if_absent, Vary, ETag, Last-Modified, Content-Location")
        .get("/bad-header", s::bad_header)
        .describe("a CR/LF header value is refused: the error, not the header")
        .get("/accepts", s::accepts)
        .describe("the request's Accept negotiated among html/json/text")
        .get("/panic", s::panics)
        .describe("a panicking handler: 500, and the server keeps serving")
        .post("/echo", s::echo)
        .describe("POST JSON and get it back (curl -d '{\"a\":1}' -H 'content-type: application/json'); broken JSON 400, another type 415, over 2 MiB 413")
        .get("/events", rejoinder::flushable(s::events))
        .describe("server-sent events: headers flushed at once, one event a second, five in all")
        .get("/events/demo", index::events_page)
        .describe("a page showing /events as they arrive (EventSource)")
        .get("/trailers", s::trailers)
        .describe("HTTP/1.1 trailers after a chunked body, one computed late (curl --raw -H 'TE: trailers')")
        .get("/shout", s::shout)
        .describe("a body filter upper-cases the last chunk; a late handler sees the final response")
        .group("Koa")
        .get("/redirect", d::koa_redirect)
        .describe("ctx.redirect(to): 302 with Location and a short body")
        .example("/redirect?to=/text")
        .get("/back", d::back)
        .describe("ctx.back(): back to the Referer, or / without one")
        .group("AdonisJS")
        .get("/users/{id}", d::user)
        .name("users.show")
        .describe("a path parameter, and url_for building this page's URL back")
        .example("/users/7")
        .get("/go/user/{id}", d::go_user)
        .describe("the redirect builder: with_qs, with_qs_from, to_route(users.show)")
        .example("/go/user/7?tab=posts")
        .get("/download", d::download)
        .describe("response.attachment(file, name): saved as \u{201c}rejoinder \u{2013} read me.md\u{201d} (a non-ASCII filename*)")
        .get("/jsonp", d::jsonp)
        .describe("response.jsonp: JSON wrapped in the cleaned callback")
        .example("/jsonp?callback=show")
        .get("/abort", d::abort)
        .describe("abort_unless: 401 without a token, welcome with one")
        .example("/abort")
        .example("/abort?token=t")
        .get("/created", d::created)
        .describe("a descriptive method: created() answers 201 with the body")
        .get("/status-name", d::status_name)
        .describe("a status set by its name; an unknown name is a 400")
        .example("/status-name?name=Accepted")
        .group("Strapi/Boom")
        .get("/boom/unauthorized", d::boom_unauthorized)
        .describe("401 with WWW-Authenticate: Bearer realm=\"showcase\"")
        .get("/boom/method", d::boom_method)
        .describe("405 with an Allow header")
        .get("/boom/internal", d::boom_internal)
        .describe("a 500 whose message and data stay in the log, not the response")
        .get("/boom/io", d::boom_io)
        .describe("an io::Error returned with ?: 500")
        .group("Kong")
        .get("/kong", d::kong)
        .describe("Kong lookups (x_custom_header) and a bounded header listing")
        .get("/exit", d::exit)
        .describe("kong.response.exit(403, body, headers)")
        .get("/kong-error", d::kong_error)
        .describe("kong.response.error(404): a negotiated error page")
        .group("vapr")
        .get("/value", d::value)
        .describe("a response returned as a value: Vapr((201, \"Made\", headers, (body,)))")
        .group("Files")
        .mount("/docs", ServeDir::new(docs))
        .describe("docs/ through a ServeDir mounted at /docs: ETag, Last-Modified, 304, ranges")
        .example("/docs/api-map.md")
        .example("/docs/architecture.md")
}

async fn timing(ctx: &mut Context, next: Next<'_>) {
    let started = std::time::Instant::now();
    next.run(ctx).await;
    // Koa's response-time format: milliseconds, ASCII (header text is
    // visible ASCII; `{:?}` of a Duration would say "µs" and be refused).
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let _ = ctx.res.set("X-Response-Time", format!("{ms:.3}ms"));
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
    let router = router();
    let routes = router.routes();
    index::build(&routes);
    println!("rejoinder showcase listening on {scheme}://127.0.0.1:{port}/");
    for r in &routes {
        let what = r.description.as_deref().unwrap_or("");
        println!("  {:<4} {:<22} {what}", index::method(r), r.pattern);
    }
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
            // The showcase's answers are live: revalidate what has a
            // validator, store nothing else (unless the route said).
            if !res.has("Cache-Control") {
                let validated = res.has("ETag") || res.has("Last-Modified");
                res.set(
                    "Cache-Control",
                    if validated { "no-cache" } else { "no-store" },
                )?;
            }
            Ok(())
        })
        // Upper-casing ASCII keeps the length, so files keep their
        // Content-Length through this filter.
        .body_filter_same_length(|chunk| {
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
