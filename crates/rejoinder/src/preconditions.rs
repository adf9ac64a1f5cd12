//! Checking a request's preconditions before a handler changes anything.

use std::time::SystemTime;

use rejoinder_core::conditional::{evaluate, Validators, Verdict};
use rejoinder_core::http::StatusCode;
use rejoinder_core::{Abort, Response};

use crate::context::Context;

impl Context {
    /// Evaluates the request's `If-Match`, `If-Unmodified-Since`,
    /// `If-None-Match` and `If-Modified-Since` (RFC 9110 §13.2.2) against
    /// the current representation — its ETag as sent (quotes included) and
    /// its modification time; `None` for both when the target does not
    /// exist yet.
    ///
    /// The server checks GET and HEAD responses by itself once the handler
    /// is done. A handler that changes state (PUT, PATCH, DELETE, POST) calls
    /// this first: a failed precondition then stops it before the change,
    /// as the RFC requires, with `412 Precondition Failed` (or `304 Not
    /// Modified` for a GET whose client copy is current).
    ///
    /// ```
    /// use rejoinder::{Abort, Context};
    ///
    /// async fn put(ctx: &mut Context) -> Result<&'static str, Abort> {
    ///     ctx.check_preconditions(Some("\"v7\""), None)?; // If-Match: "v6" → 412
    ///     // … store the new version …
    ///     Ok("updated")
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// An [`Abort`] answering 412 (or 304) when a precondition fails.
    pub fn check_preconditions(
        &self,
        etag: Option<&str>,
        last_modified: Option<SystemTime>,
    ) -> Result<(), Abort> {
        let current = (etag.is_some() || last_modified.is_some()).then_some(Validators {
            etag,
            last_modified,
        });
        let status = match evaluate(self.req.method(), self.req.headers(), current) {
            Verdict::Proceed => return Ok(()),
            Verdict::NotModified => StatusCode::NOT_MODIFIED,
            Verdict::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
        };
        let mut res = Response::new();
        res.set_status(status);
        if let Some(tag) = etag {
            let _ = res.set_etag(tag);
        }
        if let Some(time) = last_modified {
            res.set_last_modified(time);
        }
        Err(Abort::new(res))
    }
}
