//! Migration guides: rejoinder for people who know another framework.
//!
//! Each guide puts the other system's snippets next to rejoinder's, one
//! section per feature of its response and context API, with a sentence on
//! every difference in behaviour. The Rust snippets are doctests, so they
//! compile against this version of rejoinder.
//!
//! | guide | for | the mapping in one line |
//! |---|---|---|
//! | [`from_koa`] | Koa (Node.js) | `ctx` → `&mut Context`, `ctx.body =` → `ctx.res.set_body(..)`, `await next()` → `next.run(ctx).await` |
//! | [`from_adonis`] | AdonisJS 5 | `response.send` → `res.send`, descriptive methods, `abort`, the redirect builder |
//! | [`from_strapi`] | Strapi 3 (Koa + Boom) | `ctx.response.badRequest(..)` → `HttpError::bad_request(..)` |
//! | [`from_kong`] | Kong plugin authors | phases → `App::header_filter`/`body_filter`/`log`, `kong.response.*` → `res.kong()` |
//! | [`from_vapr`] | vapr (Node.js) | responses as values → `Vapr((code, message, headers, (body,)))`, late handlers → `App::late` |
//! | [`from_axum`] | axum 0.8 | extractors → `ctx.req`/`ctx.param`, `from_fn` → `App::middleware`, `axum::serve` → `App::listen` |
//!
//! The same pages are in the repository's `docs/` folder (`docs/from-koa.md`
//! and so on).

#[doc = include_str!("../../../docs/from-koa.md")]
pub mod from_koa {}

#[doc = include_str!("../../../docs/from-adonis.md")]
pub mod from_adonis {}

#[doc = include_str!("../../../docs/from-strapi.md")]
pub mod from_strapi {}

#[doc = include_str!("../../../docs/from-kong.md")]
pub mod from_kong {}

#[doc = include_str!("../../../docs/from-vapr.md")]
pub mod from_vapr {}

#[doc = include_str!("../../../docs/from-axum.md")]
pub mod from_axum {}
