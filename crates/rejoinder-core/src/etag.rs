//! Entity tags computed from a body.
//!
//! The format is the one the `etag` package made common: `"<length in
//! hex>-<hash>"`, with `W/` in front for a weak tag. The hash is XXH3-128,
//! hex-encoded: a fast non-cryptographic hash is enough to tell versions of a
//! representation apart, and it costs a fraction of SHA-1 on large bodies.
//!
//! # Examples
//!
//! ```
//! use rejoinder_core::etag::etag;
//!
//! let tag = etag(b"hello", false);
//! assert!(tag.starts_with("\"5-") && tag.ends_with('"'));
//! assert!(etag(b"hello", true).starts_with("W/\"5-"));
//! assert_ne!(etag(b"hello", false), etag(b"hellp", false));
//! ```

/// The entity tag of `body`, strong or weak.
pub fn etag(body: &[u8], weak: bool) -> String {
    let hash = xxhash_rust::xxh3::xxh3_128(body);
    let prefix = if weak { "W/" } else { "" };
    format!("{prefix}\"{:x}-{hash:032x}\"", body.len())
}
