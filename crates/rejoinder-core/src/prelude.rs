//! The traits and types most handlers use, for a glob import:
//! `use rejoinder_core::prelude::*;`.
//!
//! The seed systems' response methods are extension traits on
//! [`Response`], each in its dialect's module and behind
//! its cargo feature; importing the prelude brings every enabled one into
//! scope, so `res.created(body)` (Adonis), `res.kong()` (Kong) and
//! `res.attachment(..)` (Koa) work as methods.

pub use crate::outcome::{Checked, Typed};
pub use crate::{Abort, Body, HttpError, IntoResponse, Json, Response, Source};

#[cfg(feature = "adonis")]
pub use crate::adonis::{AdonisResponse as _, Descriptive as _};
#[cfg(feature = "koa")]
pub use crate::koa::KoaResponse as _;
#[cfg(feature = "kong")]
pub use crate::kong::KongResponse as _;
#[cfg(feature = "vapr")]
pub use crate::vapr::{Vapr, VaprResponse as _};
