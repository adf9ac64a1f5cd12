//! The general routes: bodies, statuses, types, headers, negotiation,
//! errors, streams, server-sent events and trailers.

use std::time::{Duration, SystemTime};

use rejoinder::prelude::*;
use rejoinder::{Abort, Body, Context, Json};

/// `?code=418&message=All+Good`, read by the typed query.
#[derive(serde::Deserialize)]
struct StatusQuery {
    code: Option<i32>,
    message: Option<String>,
}

/// A query parameter, decoded, or `default`.
pub fn param_or(ctx: &Context, key: &str, default: &str) -> String {
    ctx.req
        .query_param(key)
        .map_or_else(|| default.to_owned(), |v| v.into_owned())
}

pub async fn text(ctx: &mut Context) {
    ctx.res.set_body("Hello, World!");
}

pub async fn json(ctx: &mut Context) {
    ctx.res.set_body(Json(serde_json::json!({
        "message": "Hello, World!",
        "served_at": httpdate::fmt_http_date(SystemTime::now()),
    })));
}

pub async fn bytes(ctx: &mut Context) {
    ctx.res.set_body(vec![0u8, 1, 2, 3, 255]);
}

pub async fn stream(ctx: &mut Context) -> Result<(), Abort> {
    let chunks = futures_util::stream::unfold(0u32, |i| async move {
        if i == 5 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        Some((Ok::<_, std::io::Error>(format!("chunk {i}\n")), i + 1))
    });
    ctx.res.set_body(Body::stream(chunks));
    ctx.res.set_type("text/plain")?;
    Ok(())
}

pub async fn empty(ctx: &mut Context) {
    ctx.res.set_body("about to be replaced");
    ctx.res.set_body(Body::Empty);
}

/// Sets nothing: the response stays 404 Not Found.
pub async fn untouched(_ctx: &mut Context) {}

pub async fn status(ctx: &mut Context) -> Result<(), Abort> {
    let StatusQuery { code, message } = ctx.req.query()?;
    let res = &mut ctx.res;
    res.set_status(code.unwrap_or(200))?;
    if let Some(m) = message {
        res.set_message(m)?;
    }
    Ok(())
}

pub async fn typed(ctx: &mut Context) -> Result<(), Abort> {
    let ext = param_or(ctx, "ext", "html");
    let res = &mut ctx.res;
    res.set_body(format!("this body was typed from {ext:?}\n"));
    res.set_type(&ext)?;
    Ok(())
}

pub async fn is(ctx: &mut Context) -> Result<(), Abort> {
    let ty = param_or(ctx, "type", "json");
    let res = &mut ctx.res;
    res.set_type(&ty)?;
    let answer = res.is(&["html", "json", "text/*"]);
    res.set_body(format!("is(html, json, text/*) = {answer:?}\n"));
    res.set_type(&ty)?;
    Ok(())
}

pub async fn headers(ctx: &mut Context) -> Result<(), Abort> {
    let res = &mut ctx.res;
    res.set("X-Powered-By", "rejoinder")?
        .append("Link", "</>; rel=\"index\"")?
        .append("Link", "</json>; rel=\"alternate\"")?
        .set_if_absent("X-Powered-By", "ignored: already set")?
        .vary(&["Accept-Encoding"])?
        .vary(&["accept-encoding", "Origin"])?
        .set_etag("v1")?
        .set("Content-Location", "/headers")?;
    res.set_last_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_577_934_245));
    res.set_body("look at the headers (curl -i)\n");
    Ok(())
}

pub async fn bad_header(ctx: &mut Context) -> Result<(), Abort> {
    let res = &mut ctx.res;
    let err = res
        .set("X-Injected", "value\r\nSet-Cookie: stolen=1")
        .unwrap_err();
    res.set_body(format!("refused: {err}\n"));
    Ok(())
}

pub async fn accepts(ctx: &mut Context) -> Result<(), Abort> {
    let best = ctx.req.accepts(&["html", "json", "text"]);
    let res = &mut ctx.res;
    match best {
        Some("json") => res.set_body(Json(serde_json::json!({"negotiated": "json"}))),
        Some("html") => res.set_body("<p>negotiated: html</p>"),
        Some(_) => res.set_body("negotiated: text"),
        None => res.set_status(406)?,
    };
    res.vary(&["Accept"])?;
    Ok(())
}

pub async fn panics(_ctx: &mut Context) {
    panic!("the showcase panics on purpose");
}

/// Reads a JSON body and answers it back: 415 for another Content-Type,
/// 400 with serde's line and column for broken JSON, 413 over the body
/// limit (2 MiB by default).
pub async fn echo(ctx: &mut Context) -> Result<Json<serde_json::Value>, Abort> {
    Ok(Json(ctx.req.json().await?))
}

pub async fn events(ctx: &mut Context) -> Result<(), Abort> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(4);
    ctx.res.set_type("text/event-stream")?;
    // An event stream is never worth storing.
    ctx.res.set("Cache-Control", "no-store")?;
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

pub async fn trailers(ctx: &mut Context) -> Result<(), Abort> {
    let started = std::time::Instant::now();
    ctx.res.set_body("a body with trailers after it\n");
    ctx.res.trailers_mut().insert("x-checksum", "not-really")?;
    ctx.res
        .trailers_mut()
        .insert_future("x-elapsed", async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok::<_, std::io::Error>(format!("{}us", started.elapsed().as_micros()))
        })?;
    Ok(())
}

pub async fn shout(ctx: &mut Context) {
    ctx.res.set_body("this body is shouted by a body filter\n");
}
