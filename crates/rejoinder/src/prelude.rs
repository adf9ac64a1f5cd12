//! What most apps use, for a glob import: `use rejoinder::prelude::*;`.
//!
//! It brings the main types (`App`, `Context`, `Router`, `Next`, `Abort`,
//! `HttpError`, `Json`, …), `http`'s `StatusCode`, `Method`, `HeaderName`
//! and `HeaderValue`, and the seed systems' response methods — extension traits
//! on [`Response`], one per dialect module, each behind its
//! cargo feature — so `res.created(body)` (Adonis), `res.kong()` (Kong) and
//! `res.attachment(..)` (Koa) are there as methods.
//!
//! ```
//! use rejoinder::prelude::*;
//!
//! # #[cfg(feature = "adonis")]
//! async fn made(ctx: &mut Context) {
//!     ctx.res.created(Json(serde_json::json!({"id": 7}))); // Adonis's descriptive method
//! }
//! ```

pub use rejoinder_core::prelude::*;

pub use crate::http::{HeaderName, HeaderValue, Method, StatusCode};
pub use crate::{
    handler_fn, middleware_fn, Abort, App, Body, Context, Handler, HttpError, IntoResponse, Json,
    Middleware, Next, Request, Response, Router,
};
