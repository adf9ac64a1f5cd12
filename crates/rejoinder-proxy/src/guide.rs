//! Writing Kong-style plugins with rejoinder-proxy: authentication, header
//! rewrites and body rewrites around a proxied service, side by side with
//! Kong's PDK. The same page is `docs/gateway.md` in the repository; its
//! Rust snippets are doctests.

#![doc = include_str!("../../../docs/gateway.md")]
