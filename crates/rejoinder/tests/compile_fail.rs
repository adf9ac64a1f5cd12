//! Handlers and responses that would mean something other than they say do
//! not compile, and the errors say what to write instead.
//!
//! The expected compiler output is checked in under `tests/ui/`; after a
//! deliberate change (or a new toolchain), regenerate it with
//! `TRYBUILD=overwrite cargo test -p rejoinder --test compile_fail` and
//! review the diff.

#[test]
fn traps_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
