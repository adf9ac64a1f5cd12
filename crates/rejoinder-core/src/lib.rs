//! The response model of rejoinder, without a server.
//!
//! rejoinder treats the response as a first-class value that handlers and
//! middleware read and change until the last moment. This crate holds that
//! model (users reach it through the `rejoinder` crate's re-exports):
//!
//! - [`Response`]: the lean core — status (404 until set) and message,
//!   case-insensitive headers with validated names and values, a lazy typed
//!   [`Body`] whose Content-Type and Content-Length are inferred at the end,
//!   `type`/`is`, ETag, Last-Modified, Vary, trailers.
//! - [`IntoResponse`]: what a handler may return; [`Abort`]: the one early
//!   return everything converts into; [`HttpError`]: Boom's errors.
//! - The seed systems' own methods, as extension traits in their modules,
//!   each behind a cargo feature: [`koa`], [`adonis`] (`res.created(body)`,
//!   `abort`, downloads), [`kong`] (`res.kong()`, `exit`, error pages),
//!   [`vapr`] (`Vapr((201, "Made"))`, `from_value`). [`prelude`] brings the
//!   enabled ones into scope.
//! - Helpers: [`status`] (the table, [`status::Range`]), [`header`],
//!   [`mime`], [`content_disposition`], [`etag`], [`fresh`], [`outcome`].
//! - [`Error`]: why a response operation was refused.
//!
//! The layers and the rules between them are in `docs/architecture.md`.
//!
//! # Examples
//!
//! ```
//! use http::{Method, Version};
//! use rejoinder_core::Response;
//!
//! let mut res = Response::new();
//! res.set_body(serde_json::json!({"ok": true}));
//! let out = res.finalize(&Method::GET, Version::HTTP_11).response;
//! assert_eq!(out.status(), 200);
//! assert_eq!(out.headers()["content-type"], "application/json; charset=utf-8");
//! ```

mod abort;
#[cfg(feature = "adonis")]
pub mod adonis;
pub mod body;
#[doc(hidden)]
pub mod conditional;
pub mod content_disposition;
mod error;
pub mod etag;
pub mod fresh;
pub mod header;
pub mod http_error;
mod into_response;
#[cfg(feature = "koa")]
pub mod koa;
#[cfg(feature = "kong")]
pub mod kong;
pub mod mime;
pub mod outcome;
pub mod prelude;
pub mod response;
pub mod status;
pub mod trailers;
#[doc(hidden)]
pub mod uri;
#[cfg(feature = "vapr")]
pub mod vapr;
#[doc(hidden)]
pub mod vary;

pub use abort::Abort;
pub use body::wire::ResBody;
pub use body::{Body, BoxError, Json};
pub use error::{Cause, Error};
pub use http_error::HttpError;
pub use into_response::{IntoResponse, IntoResponseHeaders};
pub use response::{Response, Source};

/// Seals the extension traits: only [`Response`] implements them.
mod sealed {
    #[allow(dead_code)]
    pub trait Sealed {}
    impl Sealed for crate::Response {}
}

pub use bytes::Bytes;
pub use http;
