//! rejoinder: an HTTP server framework whose centerpiece is the response.
//!
//! Every request gets one [`Context`], borrowed by every middleware and the
//! handler: the [`Request`] (head, body with a limit, typed query, route
//! parameters) and a rich [`Response`] that handlers and middleware read and
//! change until the last moment — status with canonical or custom reason
//! phrases, case-insensitive headers in every flavour (Koa, Adonis, Kong), a
//! lazily materialized typed [`Body`] whose Content-Type and Content-Length
//! are inferred at the end, `type`/`is`, ETag, Last-Modified and Vary.
//!
//! - [`handler`]: the contract — `async fn(&mut Context) -> impl IntoResponse`.
//! - [`middleware`]: Koa's onion, `async fn(&mut Context, Next<'_>)`.
//! - [`router`]: routes, parameters, nesting, per-route middleware and limits.
//! - [`request`]: bodies (`json`, `form`, `text`, `bytes`, streams), query.
//! - `cookies`: plain, signed and private cookies (the `cookies` feature,
//!   off by default).
//! - [`phases`]: Kong's header, body and log phases.
//! - [`limits`]: timeouts, head and URI sizes, the connection cap.
//! - [`guides`]: migration guides from other frameworks, side by side.
//! - [`App`]: puts it together; [`App::listen`] serves it with hyper 1.x
//!   (HTTP/1.1 and HTTP/2 on one port, keep-alive, the limits, graceful
//!   shutdown, panic isolation).
//!
//! # Examples
//!
//! ```no_run
//! use rejoinder::{App, Context, HttpError, Json, Router};
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let router = Router::new()
//!         .get("/", async |ctx: &mut Context| {
//!             ctx.res.set_body("<h1>Hello</h1>"); // text/html inferred
//!         })
//!         .post("/echo", async |ctx: &mut Context| {
//!             let body: serde_json::Value = ctx.req.json().await?;
//!             Ok::<_, HttpError>(Json(body))
//!         });
//!     App::new().router(router).listen("127.0.0.1:3000").await
//! }
//! ```

#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

mod app;
pub mod context;
#[cfg(feature = "cookies")]
pub mod cookies;
#[cfg(feature = "fs")]
pub mod fs;
pub mod guides;
pub mod handler;
#[cfg(feature = "jsonp")]
pub mod jsonp;
#[cfg(feature = "kong")]
mod kong_exit;
pub mod middleware;
mod mount;
mod panic;
pub mod phases;
mod pipeline;
mod preconditions;
pub mod prelude;
#[cfg(feature = "koa")]
pub mod redirect;
pub mod request;
mod request_id;
mod route_info;
pub mod router;
mod routes;
mod server;
mod service;
mod shared;
pub mod testing;
#[cfg(feature = "tls")]
pub mod tls;
pub mod trace;

pub use app::{layers, limits, App};
pub use context::Context;
pub use handler::{flushable, handler_fn, BoxFuture, Flushable, Handler};
pub use middleware::{middleware_fn, Middleware, Next};
#[cfg(all(feature = "koa", feature = "adonis"))]
pub use redirect::Redirect;
#[cfg(feature = "koa")]
pub use redirect::RedirectError;
pub use request::{BodyStream, ConnectionInfo, Request, RequestBody};
pub use request_id::X_REQUEST_ID;
pub use route_info::RouteInfo;
pub use router::Router;
pub use routes::UrlError;
pub use server::{serve, shutdown_signal, Serve};

pub use rejoinder_core::{
    body, content_disposition, etag, fresh, header, http, http_error, mime, outcome, response,
    status, trailers, Abort, Body, BoxError, Bytes, Error, HttpError, IntoResponse, Json, ResBody,
    Response, Source,
};

#[cfg(feature = "adonis")]
pub use rejoinder_core::adonis;
#[cfg(feature = "koa")]
pub use rejoinder_core::koa;
#[cfg(feature = "kong")]
pub use rejoinder_core::kong;
#[cfg(feature = "kong")]
pub use rejoinder_core::kong::{ExitBody, NO_HEADERS};
#[cfg(feature = "vapr")]
pub use rejoinder_core::vapr;
#[cfg(feature = "vapr")]
pub use rejoinder_core::vapr::Vapr;

/// Helpers the framework's own modules share with the response model;
/// not part of the public API.
#[doc(hidden)]
pub use rejoinder_core::{conditional, uri};
