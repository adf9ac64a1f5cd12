//! Helpers the runner's tests share: the shared vectors, a case by id,
//! and replaying one case alone in a vector file of its own.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rejoinder_conformance::{run_file, Outcome};
use serde_json::{json, Value};

/// The shared golden vectors.
pub fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

/// A vector file's JSON.
pub fn document(file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(vectors().join(file)).unwrap()).unwrap()
}

/// A case of a vector file, by id.
pub fn case(file: &str, id: &str) -> Value {
    document(file)["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no case {file}#{id}"))
        .clone()
}

/// Replays `case` alone, in a file named `file` in a fresh folder.
pub async fn replay_alone(file: &str, case: &Value) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file);
    std::fs::write(&path, json!({ "cases": [case] }).to_string()).unwrap();
    let mut outcomes = run_file(&path).await.unwrap();
    assert_eq!(outcomes.len(), 1);
    outcomes.remove(0).1
}

/// Copies `file` into a temporary folder after `alter` changed its JSON.
pub fn altered(file: &str, alter: impl FnOnce(&mut Value)) -> (tempfile::TempDir, PathBuf) {
    let mut doc = document(file);
    alter(&mut doc);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file);
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    (dir, path)
}

/// A case of a document, by id, to change.
pub fn case_mut<'a>(doc: &'a mut Value, id: &str) -> &'a mut Value {
    doc["cases"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["id"] == id)
        .unwrap()
}

/// The outcome of a case among a file's outcomes.
pub fn outcome_of(outcomes: &[(String, Outcome)], id: &str) -> Outcome {
    outcomes.iter().find(|(i, _)| i == id).unwrap().1.clone()
}

/// Whether the outcome fails with a difference in `what`.
pub fn fails_on(outcome: &Outcome, what: &str) -> bool {
    matches!(outcome, Outcome::Fail(f) if f.diffs.iter().any(|d| d.what == what))
}
