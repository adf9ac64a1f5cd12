//! Wrong vapr shapes do not compile, and the error lists the valid ones.
//!
//! The expected compiler output is checked in under `tests/ui/`; after a
//! deliberate change, regenerate it with `TRYBUILD=overwrite cargo test -p
//! rejoinder-core --test compile_fail` and review the diff.

#[test]
fn wrong_shapes_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
