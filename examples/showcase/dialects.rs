//! The routes of the seed systems' dialects: Koa, AdonisJS, Strapi's Boom
//! errors, Kong's PDK and vapr.

use rejoinder::content_disposition::Disposition;
use rejoinder::prelude::*;
use rejoinder::{Abort, Context, HttpError, Vapr, NO_HEADERS};

use crate::serving::param_or;

// --- Koa -------------------------------------------------------------------

pub async fn koa_redirect(ctx: &mut Context) -> Result<(), Abort> {
    let to = param_or(ctx, "to", "/");
    ctx.redirect(&to)?;
    Ok(())
}

pub async fn back(ctx: &mut Context) -> Result<(), Abort> {
    ctx.back(Some("/"))?;
    Ok(())
}

// --- AdonisJS --------------------------------------------------------------

pub async fn user(ctx: &mut Context) -> Result<(), Abort> {
    let id = ctx.param("id").unwrap_or_default().to_owned();
    let link = ctx.url_for("users.show", &[("id", &id)])?;
    ctx.res.set_body(format!(
        "<p>user {id}: this page is <a href=\"{link}\">{link}</a></p>"
    ));
    Ok(())
}

pub async fn go_user(ctx: &mut Context) -> Result<(), Abort> {
    let id = ctx.param("id").unwrap_or_default().to_owned();
    ctx.redirect_to()
        .with_qs()
        .with_qs_from(serde_json::json!({"from": "showcase"}))
        .to_route("users.show", &[("id", &id)])?;
    Ok(())
}

/// The name it is saved under; not ASCII (an en dash), so it travels in
/// Content-Disposition's `filename*`.
pub const DOWNLOAD_NAME: &str = "rejoinder – read me.md";

pub async fn download(ctx: &mut Context) -> Result<(), Abort> {
    let readme = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    ctx.res
        .attachment_file(readme, Some(DOWNLOAD_NAME), Disposition::Attachment)
        .await?;
    Ok(())
}

pub async fn jsonp(ctx: &mut Context) {
    ctx.jsonp(&serde_json::json!({"message": "Hello, World!"}));
}

pub async fn abort(ctx: &mut Context) -> Result<(), Abort> {
    let has_token = ctx.req.query_param("token").is_some_and(|t| !t.is_empty());
    ctx.res
        .abort_unless(has_token, "a token is required", 401)?;
    ctx.res.set_body("welcome");
    Ok(())
}

pub async fn created(ctx: &mut Context) {
    let _ = ctx.res.set_location("/users/42");
    ctx.res
        .created(rejoinder::Json(serde_json::json!({"id": 42})));
}

pub async fn status_name(ctx: &mut Context) {
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

// --- Strapi / Boom ---------------------------------------------------------

pub async fn boom_unauthorized(_ctx: &mut Context) -> Result<(), Abort> {
    Err(HttpError::unauthorized("token expired")
        .scheme("Bearer")
        .attribute("realm", "showcase")
        .into())
}

pub async fn boom_method(_ctx: &mut Context) -> Result<(), Abort> {
    Err(HttpError::method_not_allowed("")
        .allow(["GET", "HEAD"])
        .into())
}

pub async fn boom_internal(_ctx: &mut Context) -> Result<(), Abort> {
    Err(HttpError::internal("database password rejected")
        .data(serde_json::json!({"host": "db.internal"}))
        .into())
}

pub async fn boom_io(_ctx: &mut Context) -> Result<(), Abort> {
    std::fs::read("/definitely/not/here")?;
    Ok(())
}

// --- Kong ------------------------------------------------------------------

pub async fn kong(ctx: &mut Context) -> Result<(), Abort> {
    let res = &mut ctx.res;
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
    Ok(())
}

pub async fn exit(ctx: &mut Context) -> Result<(), Abort> {
    ctx.exit(
        403,
        serde_json::json!({"message": "blocked by policy"}),
        [("X-Policy", "showcase"), ("Cache-Control", "no-store")],
    )?;
    Ok(())
}

pub async fn kong_error(ctx: &mut Context) -> Result<(), Abort> {
    ctx.error(404, (), NO_HEADERS)?;
    Ok(())
}

// --- vapr ------------------------------------------------------------------

pub async fn value(_ctx: &mut Context) -> impl rejoinder::IntoResponse {
    Vapr((
        201u16,
        "Made",
        [("x-kind", "tuple"), ("location", "/value")],
        ("a response returned as a value\n",),
    ))
}
