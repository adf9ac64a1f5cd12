//! The connections' clock: milliseconds from a coarse monotonic clock,
//! read at accept and by the sweeper on each tick (never per request).
//!
//! `coarsetime` reads `CLOCK_MONOTONIC_COARSE` on Linux, which answers from
//! the vDSO without reading the TSC and is a few milliseconds behind the
//! fine clock at most, and keeps the reading as fixed-point ticks (2^32 per
//! second), so milliseconds are a shift and a multiplication; std's
//! `Instant::elapsed` checks and normalises a `Duration` first.

/// Milliseconds on a monotonic clock with an arbitrary origin.
#[inline]
pub(crate) fn now_ms() -> u64 {
    // Ticks are seconds << 32 | a binary fraction: drop 16 fraction bits
    // first so the product cannot overflow (for 2^47 seconds).
    let ticks = coarsetime::Instant::now().as_ticks();
    ((ticks >> 16) * 1000) >> 16
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_clock_is_monotonic_and_in_milliseconds() {
        let a = super::now_ms();
        std::thread::sleep(std::time::Duration::from_millis(30));
        let b = super::now_ms();
        assert!(b >= a + 20 && b < a + 5_000, "{a} -> {b}");
    }
}
