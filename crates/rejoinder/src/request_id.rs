//! Request ids, made on first use and then echoed as `X-Request-Id` (on
//! every response with `App::echo_request_id(true)`).
//!
//! A client's own `X-Request-Id` (1 to 128 visible ASCII characters) is
//! kept; otherwise a 64-bit id is drawn from a per-thread SplitMix64 stream
//! seeded from the clock, the process id and the thread, and written as 16
//! hex digits. No lock or shared counter is touched per request.

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};

use http::header::{HeaderMap, HeaderName, HeaderValue};

/// The header that carries the id.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    // RandomState is seeded from the OS per process; mixing in the time and
    // the thread keeps threads on distinct streams.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    h.write(format!("{:?}", std::thread::current().id()).as_bytes());
    h.finish()
}

fn next() -> u64 {
    STATE.with(|s| {
        let x = s.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        s.set(x);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

fn is_acceptable(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    !b.is_empty() && b.len() <= 128 && b.iter().all(|c| c.is_ascii_graphic())
}

/// The request's id: the client's `X-Request-Id` when acceptable, else a
/// fresh one.
pub(crate) fn for_request(headers: &HeaderMap) -> HeaderValue {
    if let Some(v) = headers.get(&X_REQUEST_ID).filter(|v| is_acceptable(v)) {
        return v.clone();
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let n = next();
    let mut buf = [0u8; 16];
    for (i, b) in buf.iter_mut().enumerate() {
        *b = HEX[((n >> (60 - 4 * i)) & 0xf) as usize];
    }
    // Cut from the per-thread arena: a reference count, not an allocation.
    let bytes = rejoinder_core::body::cut(&buf);
    HeaderValue::from_maybe_shared(bytes).unwrap_or(HeaderValue::from_static("0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_differ_and_client_ids_are_kept() {
        let empty = HeaderMap::new();
        let a = for_request(&empty);
        let b = for_request(&empty);
        assert_ne!(a, b);
        assert_eq!(a.len(), 16);
        let mut h = HeaderMap::new();
        h.insert(X_REQUEST_ID, HeaderValue::from_static("abc-123"));
        assert_eq!(for_request(&h), "abc-123");
        h.insert(X_REQUEST_ID, HeaderValue::from_static("has space"));
        assert_ne!(for_request(&h), "has space");
    }
}
