//! The runner can fail: altered vectors come out as FAIL, not as pass or
//! skip, and untouched ones pass.

use std::path::{Path, PathBuf};

use rejoinder_conformance::{run_dirs, run_file, Outcome};
use serde_json::Value;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

/// Copies `file` into a temporary folder after `alter` changed its JSON.
fn altered(file: &str, alter: impl FnOnce(&mut Value)) -> (tempfile::TempDir, PathBuf) {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(vectors().join(file)).unwrap()).unwrap();
    alter(&mut doc);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file);
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    (dir, path)
}

fn case_mut<'a>(doc: &'a mut Value, id: &str) -> &'a mut Value {
    doc["cases"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["id"] == id)
        .unwrap()
}

fn outcome_of(outcomes: &[(String, Outcome)], id: &str) -> Outcome {
    outcomes.iter().find(|(i, _)| i == id).unwrap().1.clone()
}

#[tokio::test]
async fn an_altered_wire_body_fails() {
    let (_dir, path) = altered("koa-response.json", |doc| {
        case_mut(doc, "body-string-plain")["output"]["body"]["text"] = "Hello, World".into();
    });
    let outcomes = run_file(&path).await.unwrap();
    match outcome_of(&outcomes, "body-string-plain") {
        Outcome::Fail(why) => assert!(why.contains("body"), "{why}"),
        other => panic!("expected FAIL, got {other:?}"),
    }
    assert_eq!(outcome_of(&outcomes, "body-string-html"), Outcome::Pass);
}

#[tokio::test]
async fn altered_reason_header_and_observation_fail() {
    let (_dir, path) = altered("koa-response.json", |doc| {
        case_mut(doc, "status-418-no-body")["output"]["reason"] = "I'm a teapot".into();
        case_mut(doc, "header-set")["output"]["headers"][0][1] = "baz".into();
        case_mut(doc, "type-png")["output"]["observations"][0]["result"] = "image/jpeg".into();
    });
    let outcomes = run_file(&path).await.unwrap();
    for id in ["status-418-no-body", "header-set", "type-png"] {
        assert!(
            matches!(outcome_of(&outcomes, id), Outcome::Fail(_)),
            "{id}"
        );
    }
}

#[tokio::test]
async fn altered_function_vectors_fail() {
    let (_dir, path) = altered("mime-type.json", |doc| {
        case_mut(doc, "mime-v04")["output"]["content_type"] = "image/jpeg".into();
    });
    let outcomes = run_file(&path).await.unwrap();
    assert!(matches!(
        outcome_of(&outcomes, "mime-v04"),
        Outcome::Fail(_)
    ));
    let (_dir, path) = altered("kong-response.json", |doc| {
        case_mut(doc, "header-name-normalization-001")["output"]["value"] = "other".into();
        case_mut(doc, "get-headers-limit-018")["output"]["truncated"] = false.into();
    });
    let outcomes = run_file(&path).await.unwrap();
    assert!(matches!(
        outcome_of(&outcomes, "header-name-normalization-001"),
        Outcome::Fail(_)
    ));
    assert!(matches!(
        outcome_of(&outcomes, "get-headers-limit-018"),
        Outcome::Fail(_)
    ));
}

#[tokio::test]
async fn a_listed_deviation_is_skipped_with_its_reason() {
    let outcomes = run_file(&vectors().join("koa-response.json"))
        .await
        .unwrap();
    match outcome_of(&outcomes, "type-unknown-extension") {
        Outcome::Skip(why) => assert!(why.starts_with("deviation:"), "{why}"),
        other => panic!("expected a listed deviation, got {other:?}"),
    }
    assert_eq!(outcome_of(&outcomes, "redirect-login"), Outcome::Pass);
    let vapr = run_file(&vectors().join("vapr-formats.json"))
        .await
        .unwrap();
    match outcome_of(&vapr, "invalid-array-body-wrapped-object") {
        Outcome::Skip(why) => assert!(why.starts_with("deviation:"), "{why}"),
        other => panic!("expected a listed deviation, got {other:?}"),
    }
    assert_eq!(outcome_of(&vapr, "array-full"), Outcome::Pass);
}

#[tokio::test]
async fn the_shared_vectors_have_no_failures() {
    let summary = run_dirs(&[vectors()], false).await.unwrap();
    assert_eq!(summary.failed, 0, "{summary}");
    assert!(summary.passed >= 300, "{summary}");
}
