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
//!         .handler(|mut ctx: Context| async move {
//!             match ctx.req.path() {
//!                 "/" => { ctx.res.set_body("<h1>Hello</h1>"); }
//!                 "/json" => { ctx.res.set_body(Json(serde_json::json!({"hello": "world"}))); }
//!                 _ => {} // untouched: 404 Not Found
//!             }
//!             ctx
//!         })
//!         .listen("127.0.0.1:3000")
//!         .await
//! }
//! ```

mod app;
mod context;
pub mod fs;
pub mod jsonp;
pub mod middleware;
pub mod phases;
pub mod redirect;
mod request_id;
pub mod router;
mod server;
pub mod testing;

pub use app::{flushable, App, Flushable, Handler};
pub use context::{Context, Request, RequestBody};
pub use middleware::{Middleware, Next};
pub use redirect::{Redirect, RedirectError};
pub use router::{Router, UrlError};
pub use server::{shutdown_signal, Serve};

pub use rejoinder_core::{
    body, conditional, content_disposition, error_page, etag, file, fresh, header, http,
    http_error, kong, mime, response, status, uri, vapr, vary, Body, BoxError, Bytes, Error,
    ExitBody, HttpError, IntoResponse, Json, ResBody, Response, Source, GRPC_TYPE, NO_HEADERS,
};
pub use request_id::X_REQUEST_ID;
