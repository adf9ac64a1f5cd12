//! The `Date` of responses written by the inline path: formatted once per
//! second per thread (as hyper's cached date is), read from the coarse
//! realtime clock (no system call; a few milliseconds behind at most).

use std::cell::RefCell;
use std::time::{Duration, UNIX_EPOCH};

/// `Sun, 06 Nov 1994 08:49:37 GMT`: an IMF-fixdate is always 29 bytes.
const LEN: usize = 29;

thread_local! {
    static CACHED: RefCell<(u64, [u8; LEN])> = const { RefCell::new((u64::MAX, [0; LEN])) };
}

/// Appends the current date (an IMF-fixdate) to `dst`.
pub(super) fn extend(dst: &mut Vec<u8>) {
    let now = coarsetime::Clock::now_since_epoch().as_secs();
    CACHED.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached.0 != now {
            let text = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(now));
            if text.len() == LEN {
                cached.1.copy_from_slice(text.as_bytes());
                cached.0 = now;
            } else {
                // Not a date of this era: written as it is, not cached.
                dst.extend_from_slice(text.as_bytes());
                return;
            }
        }
        dst.extend_from_slice(&cached.1);
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_date_is_an_http_date_of_now() {
        let mut out = Vec::new();
        super::extend(&mut out);
        let text = std::str::from_utf8(&out).unwrap();
        let when = httpdate::parse_http_date(text).unwrap();
        let off = std::time::SystemTime::now()
            .duration_since(when)
            .unwrap_or_default();
        assert!(off.as_secs() < 5, "{text} is {off:?} behind");
        // Cached: the same bytes again within the second (or the next).
        let mut again = Vec::new();
        super::extend(&mut again);
        let later = httpdate::parse_http_date(std::str::from_utf8(&again).unwrap()).unwrap();
        assert!(later >= when);
    }
}
