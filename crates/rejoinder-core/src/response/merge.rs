//! Applying a handler's return value to the response a context already
//! holds.

use http::header;

use super::{Response, StatusBy};
use crate::Source;

impl Response {
    /// Applies `value` — what a handler returned — to this response, the
    /// one its context holds and that middleware may already have shaped.
    ///
    /// - An error response (its [`source`](Self::source) is
    ///   [`Source::Error`]: an `HttpError`, a refused operation, a panic's
    ///   500) **replaces** this one entirely, as Koa's error handling clears
    ///   the headers: nothing half-built (a Content-Disposition, a cache
    ///   header) leaks into the error.
    /// - Any other value is **laid over** it: its body (as
    ///   [`set_body`](Self::set_body) would set it, so a Content-Type set
    ///   before is kept for text and replaced for JSON), its status when it
    ///   chose one (a body alone does not), its headers (replacing those of
    ///   the same name; the others stay), trailers, source and error cause.
    ///
    /// Once the headers are sent nothing changes (the value is logged and
    /// dropped).
    ///
    /// ```
    /// use rejoinder_core::http::StatusCode;
    /// use rejoinder_core::{HttpError, IntoResponse, Response};
    ///
    /// let mut res = Response::new();
    /// res.set("x-trace", "kept").unwrap();
    /// res.merge((StatusCode::CREATED, "made").into_response());
    /// assert_eq!((res.status().as_u16(), res.get("x-trace")), (201, Some("kept")));
    ///
    /// res.merge(HttpError::not_found("no such user").into_response());
    /// assert_eq!((res.status().as_u16(), res.get("x-trace")), (404, None));
    /// ```
    pub fn merge(&mut self, mut value: Response) {
        if self.headers_sent {
            tracing::warn!(
                status = value.status.as_u16(),
                "a response arrived after the headers were sent; it was dropped"
            );
            return;
        }
        if value.source == Source::Error {
            *self = value;
            return;
        }
        if let Some(body) = value.body.take() {
            let typed_by_value = value.headers.contains_key(header::CONTENT_TYPE);
            if value.infer_type || typed_by_value {
                self.set_body(body);
            } else {
                // A body sent exactly as given (a vapr or Kong value): no
                // type is inferred for it.
                self.set_body_raw(body, false);
                if self.status_by == StatusBy::Default {
                    self.status = http::StatusCode::OK;
                    self.status_by = StatusBy::Body;
                }
            }
        }
        if value.status_by == StatusBy::Caller {
            self.apply_status(value.status);
            self.message = value.message.take();
        }
        let mut last = None;
        for (name, v) in std::mem::take(&mut value.headers) {
            // `None` names continue the previous one's values.
            let name = match name {
                Some(n) => {
                    self.touched(&n);
                    self.headers.remove(&n);
                    last = Some(n.clone());
                    n
                }
                None => match &last {
                    Some(n) => n.clone(),
                    None => continue,
                },
            };
            self.headers.append(name, v);
        }
        if let Some(t) = value.take_trailers().filter(|t| !t.is_empty()) {
            self.rare_mut().trailers = Some(t);
        }
        if value.source != Source::Service {
            self.source = value.source;
        }
        if let Some(rare) = value.rare.as_mut() {
            if let Some(cause) = rare.error_cause.take() {
                self.rare_mut().error_cause = Some(cause);
            }
            if let Some(on_error) = rare.stream_error.take() {
                self.rare_mut().stream_error = Some(on_error);
            }
        }
    }
}
