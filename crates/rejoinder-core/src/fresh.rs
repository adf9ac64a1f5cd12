//! Conditional-request freshness, as the `fresh` package decides it.
//! (Being written.)
