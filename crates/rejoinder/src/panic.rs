//! Panics in user code: a handler's or middleware's becomes a 500 with
//! the panic as its cause; a callback's (late handler, log) is logged and
//! skipped. Every `catch_unwind` of the framework goes through here or
//! through `handler::guarded!` for futures.

use std::panic::AssertUnwindSafe;

use rejoinder_core::Response;

/// Runs a synchronous callback; a panic is logged as `what` and skipped.
pub(crate) fn catch<R>(what: &str, f: impl FnOnce() -> R) -> Option<R> {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Some(r),
        Err(panic) => {
            tracing::error!(panic = %describe(panic.as_ref()), "{what} panicked; it was skipped");
            None
        }
    }
}

fn describe(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".into())
}

/// The 500 answered for a panic, with the panic recorded as the cause.
pub(crate) fn panic_response(
    panic: &(dyn std::any::Any + Send),
    method: &http::Method,
) -> Response {
    let what = describe(panic);
    tracing::error!(panic = %what, %method, "handler panicked; sending 500");
    Response::from_error(http::StatusCode::INTERNAL_SERVER_ERROR, Panicked(what))
}

/// The error cause recorded for a handler that panicked.
#[derive(Debug)]
struct Panicked(String);

impl std::fmt::Display for Panicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the handler panicked: {}", self.0)
    }
}

impl std::error::Error for Panicked {}
