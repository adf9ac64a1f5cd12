//! The request span: with a `tracing` subscriber that enables it, every
//! request runs inside an `INFO` span named `request` with the fields
//!
//! | field | value |
//! |---|---|
//! | `method`, `path`, `version` | from the request head |
//! | `request_id` | the request's `X-Request-Id` |
//! | `status`, `source` | recorded when the response head is final (`source`: Kong's `service`, `exit` or `error`) |
//! | `bytes_sent`, `latency_us`, `completed` | recorded when the body has been sent or dropped (the log phase's facts) |
//!
//! and an event `response finished` closes it. The middleware and the
//! handler run inside it, so their own events carry its fields.
//!
//! Without a subscriber (or with one that filters the span out) the span
//! is disabled: its fields are never computed and nothing is recorded —
//! bench/instructions.sh measures the difference.

use std::time::Duration;

use tracing::field::Empty;
use tracing::Span;

use crate::request::Request;

/// The span of one request; disabled unless a subscriber wants it.
#[inline]
pub(crate) fn request_span(req: &Request) -> Span {
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = req.path(),
        version = ?req.version(),
        request_id = req.id(),
        status = Empty,
        source = Empty,
        bytes_sent = Empty,
        latency_us = Empty,
        completed = Empty,
    )
}

/// Records the final head's facts.
pub(crate) fn record_head(span: &Span, status: u16, source: &str) {
    span.record("status", status);
    span.record("source", source);
}

/// Records how the body ended, and says so.
pub(crate) fn record_end(span: &Span, bytes_sent: u64, latency: Duration, completed: bool) {
    span.record("bytes_sent", bytes_sent);
    span.record(
        "latency_us",
        u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
    );
    span.record("completed", completed);
    tracing::info!(parent: span, "response finished");
}
