//! rejoinder: an HTTP server framework whose centerpiece is the response.
//!
//! Every request gets a [`Context`] holding a view of the request and a rich
//! [`Response`] that handlers (and, later, middleware) read and change until
//! the last moment: status with canonical or custom reason phrases,
//! case-insensitive headers in every flavour (Koa, Adonis, Kong), a lazily
//! materialized typed [`Body`] whose Content-Type and Content-Length are
//! inferred at the end, `type`/`is`, ETag, Last-Modified and Vary.
//!
//! The server is hyper 1.x: HTTP/1.1 and HTTP/2 on one port, keep-alive,
//! a header-read timeout, graceful shutdown, and panic isolation.
//!
//! # Examples
//!
//! ```no_run
//! use rejoinder::{App, Context, Json};
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     App::new()
//!         .handler(async |ctx: &mut Context| {
//!             match ctx.req.path() {
//!                 "/" => { ctx.res.set_body("<h1>Hello</h1>"); }
//!                 "/json" => { ctx.res.set_body(Json(serde_json::json!({"hello": "world"}))); }
//!                 _ => {} // untouched: 404 Not Found
//!             }
//!         })
//!         .listen("127.0.0.1:3000")
//!         .await
//! }
//! ```

mod app;
pub mod context;
pub mod fs;
pub mod handler;
pub mod jsonp;
mod kong_exit;
pub mod middleware;
pub mod phases;
mod pipeline;
pub mod redirect;
pub mod request;
mod request_id;
pub mod router;
mod routes;
mod server;
mod service;
mod shared;
pub mod testing;

pub use app::App;
pub use context::Context;
pub use handler::{flushable, handler_fn, BoxFuture, Flushable, Handler};
pub use middleware::{middleware_fn, Middleware, Next};
pub use redirect::{Redirect, RedirectError};
pub use request::{BodyStream, Request, RequestBody};
pub use router::Router;
pub use routes::UrlError;
pub use server::{shutdown_signal, Serve};

pub use rejoinder_core::vapr::Vapr;
pub use rejoinder_core::{
    body, conditional, content_disposition, error_page, etag, file, fresh, header, http,
    http_error, kong, mime, outcome, response, status, uri, vapr, vary, Body, BoxError, Bytes,
    Error, ExitBody, HttpError, IntoResponse, Json, ResBody, Response, Source, GRPC_TYPE,
    NO_HEADERS,
};
pub use request_id::X_REQUEST_ID;
