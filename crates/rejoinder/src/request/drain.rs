//! Lingering on a request body nobody read, so the client sees the answer.
//!
//! When a response goes out before the request body was read (a 413 for a
//! body over the limit, a 401 before an upload), closing the connection at
//! once would make the kernel answer the client's further bytes with a
//! reset, and a client still sending may then lose the response it has not
//! read yet. nginx reads and discards for a while first ("lingering close",
//! `lingering_time 30s`, `lingering_timeout 5s`); so does rejoinder, in a
//! task of its own, bounded in time and in bytes. A body that arrives whole
//! in that time leaves the connection usable for the next request.
//!
//! A client that sent `Expect: 100-continue` and was never told to go on
//! sends no body: there is nothing to linger for.

use std::time::Duration;

use http_body_util::BodyExt;

use super::RequestBody;

/// The most bytes read and discarded after the response.
const LINGER_BYTES: u64 = 64 * 1024 * 1024;
/// The longest time spent draining (nginx's `lingering_time`).
const LINGER_TIME: Duration = Duration::from_secs(30);
/// The longest wait for the next chunk (nginx's `lingering_timeout`).
const LINGER_IDLE: Duration = Duration::from_secs(5);

/// Drains what is left of `body` in the background, within the bounds.
pub(crate) fn linger(body: RequestBody, expects_continue: bool) {
    use http_body::Body as _;
    if body.is_end_stream() || (expects_continue && !body.was_polled()) {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let mut body = body;
        let mut drained = 0u64;
        let drain = async {
            // Until the end, a broken body, a client gone quiet, or enough.
            while let Ok(Some(Ok(frame))) = tokio::time::timeout(LINGER_IDLE, body.frame()).await {
                drained += frame.data_ref().map_or(0, |d| d.len() as u64);
                if drained > LINGER_BYTES {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(LINGER_TIME, drain).await;
        tracing::trace!(drained, "lingered on an unread request body");
    });
}
