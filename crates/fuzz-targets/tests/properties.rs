//! Every fuzz target on stable: random inputs with proptest (a bounded
//! number of cases each), then every file of `fuzz/corpus/<target>/` as a
//! regression suite.

use std::path::PathBuf;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Random cases per target.
const CASES: u32 = 256;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

/// Bytes that favour the separator and the characters the targets care
/// about, mixed with arbitrary bytes.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let interesting = prop::sample::select(
        b"\xff\r\n\0\t /\\.%:;,=\"'*?#@<>&-_0123456789abcdefxyzAZ\xe2\x80\xae".to_vec(),
    );
    let byte = prop_oneof![3 => interesting, 1 => any::<u8>()];
    prop::collection::vec(byte, 0..160)
}

/// Random text forms of the fields: `\xff`-joined pieces of plausible text.
fn fields() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"text/html".to_vec()),
        Just(b"application/json".to_vec()),
        Just(b"*/*;q=0.5".to_vec()),
        Just(b"bytes=0-9".to_vec()),
        Just(b"bytes=-5".to_vec()),
        Just(b"http://app.test/x".to_vec()),
        Just(b"//evil.test".to_vec()),
        Just(b"/\\evil.test".to_vec()),
        Just(b"x-a".to_vec()),
        Just(b"a\r\nb".to_vec()),
        Just(b"..%2f..%2fsecret.txt".to_vec()),
        Just(vec![0x00]),
        Just(vec![0x07, 0x20]),
        "[ -~]{0,12}".prop_map(String::into_bytes),
        "\\PC{0,6}".prop_map(String::into_bytes),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.join(&0xFFu8))
}

fn run_random(name: &str, target: fn(&[u8])) {
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = prop_oneof![input(), fields()];
    if let Err(e) = runner.run(&strategy, |data| {
        target(&data);
        Ok(())
    }) {
        panic!("{name}: {e}");
    }
}

fn replay_corpus(name: &str, target: fn(&[u8])) -> usize {
    let dir = corpus_dir(name);
    let mut n = 0;
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries.map(|e| e.expect("an entry").path()).collect();
    paths.sort();
    for path in paths {
        let data = std::fs::read(&path).expect("a corpus file");
        let result = std::panic::catch_unwind(|| target(&data));
        assert!(result.is_ok(), "{name}: {} fails", path.display());
        n += 1;
    }
    n
}

macro_rules! targets {
    ($($name:ident),* $(,)?) => {
        mod random {
            $(
                #[test]
                fn $name() {
                    super::run_random(stringify!($name), rejoinder_fuzz_targets::$name);
                }
            )*
        }
        mod corpus {
            $(
                #[test]
                fn $name() {
                    let n = super::replay_corpus(stringify!($name), rejoinder_fuzz_targets::$name);
                    assert!(n > 0, "an empty corpus for {}", stringify!($name));
                }
            )*
        }
    };
}

targets!(
    header_setters,
    content_disposition,
    accept,
    set_type_is,
    vapr_from_value,
    redirect,
    range,
    request_body,
    raw_request,
);

#[test]
fn every_target_is_listed() {
    let listed: Vec<&str> = rejoinder_fuzz_targets::TARGETS
        .iter()
        .map(|(n, _)| *n)
        .collect();
    for dir in std::fs::read_dir(corpus_dir("")).expect("fuzz/corpus") {
        let name = dir.expect("an entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            listed.contains(&name.as_ref()),
            "corpus for unknown target {name}"
        );
    }
    assert_eq!(listed.len(), 9);
}
