//! Replays content-disposition vectors through
//! `rejoinder_core::content_disposition`.
//!
//! The package takes loosely typed arguments; the Rust API takes a
//! `Option<&str>` file name and typed options. A vector whose input has no
//! Rust counterpart (a number as file name or fallback) cannot be replayed:
//! such a call does not compile. It is reported as an unrepresentable
//! argument, which fails the case unless a deviation rule explains it.

use rejoinder_core::content_disposition::{content_disposition, Disposition, Fallback, Options};
use serde_json::{json, Value};

use crate::outcome::{Diff, Diffs, Outcome};

pub(crate) fn replay(case: &Value) -> Outcome {
    let input = &case["input"];
    let filename = match input.get("filename") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => return unrepresentable("/filename", other, "Option<&str> file name"),
    };
    let opts = &input["options"];
    let disposition = match opts.get("type") {
        None | Some(Value::Null) => Disposition::Attachment,
        Some(Value::String(t)) => match t.as_str() {
            "attachment" => Disposition::Attachment,
            "inline" => Disposition::Inline,
            _ => Disposition::Other(t.clone()),
        },
        Some(other) => return unrepresentable("/options/type", other, "Disposition type"),
    };
    let fallback = match opts.get("fallback") {
        None | Some(Value::Bool(true)) => Fallback::Auto,
        Some(Value::Bool(false)) => Fallback::Off,
        Some(Value::String(s)) => Fallback::Name(s.clone()),
        Some(other) => return unrepresentable("/options/fallback", other, "Fallback"),
    };
    let options = Options {
        disposition,
        fallback,
    };
    let expected = &case["output"];
    match (
        content_disposition(filename, &options),
        expected.get("error"),
    ) {
        (Ok(h), None) => {
            let mut d = Diffs::default();
            d.eq("header", &expected["header"], &json!(h));
            d.outcome(json!({ "header": h }))
        }
        (Err(_), Some(_)) => Outcome::Pass,
        (Ok(h), Some(e)) => Outcome::fail(Diff::new(
            "result",
            json!({"error": e}),
            json!({"header": h}),
        )),
        (Err(e), None) => Outcome::fail(Diff::new(
            "result",
            json!({"header": expected["header"]}),
            json!({"error": e.to_string()}),
        )),
    }
}

/// The argument at `pointer` has no value of the typed parameter.
fn unrepresentable(pointer: &str, value: &Value, takes: &str) -> Outcome {
    Outcome::fail(Diff::unrepresentable(pointer, value, takes))
}
