//! The runner can fail: altered vectors come out as FAIL, not as pass or
//! skip, and untouched ones pass.

mod support;

use rejoinder_conformance::{run_dirs, run_file, Outcome};
use support::{altered, case_mut, fails_on, outcome_of, vectors};

#[tokio::test]
async fn an_altered_wire_body_fails() {
    let (_dir, path) = altered("koa-response.json", |doc| {
        case_mut(doc, "body-string-plain")["output"]["body"]["text"] = "Hello, World".into();
    });
    let outcomes = run_file(&path).await.unwrap();
    let outcome = outcome_of(&outcomes, "body-string-plain");
    assert!(fails_on(&outcome, "body"), "{outcome:?}");
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
    assert!(fails_on(
        &outcome_of(&outcomes, "status-418-no-body"),
        "reason"
    ));
    assert!(fails_on(
        &outcome_of(&outcomes, "header-set"),
        "header x-foo"
    ));
    assert!(fails_on(&outcome_of(&outcomes, "type-png"), "op 2"));
}

#[tokio::test]
async fn altered_function_vectors_fail() {
    let (_dir, path) = altered("mime-type.json", |doc| {
        case_mut(doc, "mime-v04")["output"]["content_type"] = "image/jpeg".into();
    });
    let outcomes = run_file(&path).await.unwrap();
    assert!(fails_on(&outcome_of(&outcomes, "mime-v04"), "content_type"));
    let (_dir, path) = altered("kong-response.json", |doc| {
        case_mut(doc, "header-name-normalization-001")["output"]["value"] = "other".into();
        case_mut(doc, "get-headers-limit-018")["output"]["truncated"] = false.into();
    });
    let outcomes = run_file(&path).await.unwrap();
    assert!(fails_on(
        &outcome_of(&outcomes, "header-name-normalization-001"),
        "value"
    ));
    assert!(fails_on(
        &outcome_of(&outcomes, "get-headers-limit-018"),
        "truncated"
    ));
}

#[tokio::test]
async fn every_difference_is_reported_not_only_the_first() {
    let (_dir, path) = altered("koa-response.json", |doc| {
        let out = &mut case_mut(doc, "body-string-plain")["output"];
        out["status"] = 201.into();
        out["body"]["text"] = "other".into();
    });
    let outcomes = run_file(&path).await.unwrap();
    let outcome = outcome_of(&outcomes, "body-string-plain");
    assert!(fails_on(&outcome, "status") && fails_on(&outcome, "body"));
}

#[tokio::test]
async fn a_deviation_is_skipped_with_the_rule_that_explains_it() {
    let outcomes = run_file(&vectors().join("koa-response.json"))
        .await
        .unwrap();
    let skipped = outcome_of(&outcomes, "type-unknown-extension");
    assert_eq!(skipped.rules(), ["koa-set-type-unknown-refused"]);
    assert_eq!(outcome_of(&outcomes, "redirect-login"), Outcome::Pass);
    let vapr = run_file(&vectors().join("vapr-formats.json"))
        .await
        .unwrap();
    let skipped = outcome_of(&vapr, "invalid-array-body-wrapped-object");
    assert_eq!(skipped.rules(), ["vapr-body-refused-up-front"]);
    assert_eq!(outcome_of(&vapr, "array-full"), Outcome::Pass);
}

#[tokio::test]
async fn lua_tables_as_header_values_are_what_kong_skips() {
    let outcomes = run_file(&vectors().join("kong-response.json"))
        .await
        .unwrap();
    for id in ["error-status-validation-040", "set-headers-order-014"] {
        assert_eq!(outcome_of(&outcomes, id), Outcome::Pass, "{id}");
    }
}

#[tokio::test]
async fn the_shared_vectors_have_no_failures() {
    let report = run_dirs(&[vectors()], false).await.unwrap();
    assert_eq!(report.summary.failed, 0, "{}", report.summary);
    assert!(report.summary.passed >= 300, "{}", report.summary);
    for (rule, covered) in &report.rules {
        // These rules have synthetic cases in rules.rs: the shared
        // vectors have no 205 and set no non-ASCII header text.
        if !["hyper-205-content-length", "header-text-ascii"].contains(rule) {
            assert!(*covered > 0, "rule {rule} covers no visible case");
        }
    }
}
