//! Replays content-disposition vectors through
//! `rejoinder_core::content_disposition`.
//!
//! The package takes loosely typed arguments; the Rust API takes a
//! `Option<&str>` file name and typed options. A vector whose input has no
//! Rust counterpart (a number as file name or fallback) cannot be replayed:
//! such a call does not compile. It is reported as failed with that reason,
//! so it shows until it is listed in DEVIATIONS.md.

use rejoinder_core::content_disposition::{content_disposition, Disposition, Fallback, Options};
use serde_json::{json, Value};

use crate::{expect_eq, outcome, Outcome};

pub(crate) fn replay(case: &Value) -> Outcome {
    let input = &case["input"];
    let filename = match input.get("filename") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => return not_expressible(case, &format!("file name {other}")),
    };
    let opts = &input["options"];
    let disposition = match opts.get("type") {
        None | Some(Value::Null) => Disposition::Attachment,
        Some(Value::String(t)) => match t.as_str() {
            "attachment" => Disposition::Attachment,
            "inline" => Disposition::Inline,
            _ => Disposition::Other(t.clone()),
        },
        Some(other) => return not_expressible(case, &format!("type {other}")),
    };
    let fallback = match opts.get("fallback") {
        None | Some(Value::Bool(true)) => Fallback::Auto,
        Some(Value::Bool(false)) => Fallback::Off,
        Some(Value::String(s)) => Fallback::Name(s.clone()),
        Some(other) => return not_expressible(case, &format!("fallback {other}")),
    };
    let options = Options {
        disposition,
        fallback,
    };
    let expected = &case["output"];
    outcome(
        match (
            content_disposition(filename, &options),
            expected.get("error"),
        ) {
            (Ok(h), None) => expect_eq("header", &expected["header"], &json!(h)),
            (Err(_), Some(_)) => Ok(()),
            (Ok(h), Some(e)) => Err(format!("expected error {e}, got {h:?}")),
            (Err(e), None) => Err(format!("expected {}, got error {e}", expected["header"])),
        },
    )
}

fn not_expressible(case: &Value, what: &str) -> Outcome {
    Outcome::Fail(format!(
        "not expressible in the typed API: a {what} does not compile in Rust \
         (reference output: {})",
        case["output"]
    ))
}
