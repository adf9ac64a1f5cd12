//! Replayers for the files that test a function, not the wire.

use rejoinder::{etag as etags, mime, status};
use rejoinder_core::vary as varies;
use serde_json::{json, Value};

use crate::outcome::{Diff, Diffs, Outcome};

/// One comparison as an outcome.
fn check(what: &str, expected: &Value, actual: Value) -> Outcome {
    let mut d = Diffs::default();
    d.eq(what, expected, &actual);
    d.outcome(json!({ what: actual }))
}

pub(crate) fn mime_type(case: &Value) -> Outcome {
    let input = case["input"]["type"].as_str().unwrap_or_default();
    let actual = mime::content_type_for(input).map_or(Value::Null, |c| json!(c));
    check("content_type", &case["output"]["content_type"], actual)
}

pub(crate) fn type_is(case: &Value) -> Outcome {
    let media = case["input"]["media_type"].as_str().unwrap_or_default();
    let types: Vec<&str> = case["input"]["types"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let actual = mime::type_is(media, &types).map_or(json!(false), |s| json!(s));
    check("result", &case["output"]["result"], actual)
}

pub(crate) fn vary(case: &Value) -> Outcome {
    let input = &case["input"];
    let existing = input["existing"].as_str().unwrap_or_default();
    let fields: Vec<&str> = match &input["field"] {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let expected = &case["output"];
    match (varies::append(existing, &fields), expected.get("error")) {
        (Ok(v), None) => check("value", &expected["value"], json!(v)),
        (Err(_), Some(_)) => Outcome::Pass,
        (Ok(v), Some(e)) => Outcome::fail(Diff::new(
            "result",
            json!({"error": e}),
            json!({"value": v}),
        )),
        (Err(e), None) => Outcome::fail(Diff::new(
            "result",
            json!({"value": expected["value"]}),
            json!({"error": e.to_string()}),
        )),
    }
}

fn lookup_json(r: Result<Value, status::StatusError>) -> Value {
    match r {
        Ok(v) => json!({"ok": true, "value": v}),
        Err(_) => json!({"ok": false}),
    }
}

fn strip_error(mut expected: Value) -> Value {
    if let Some(o) = expected.as_object_mut() {
        o.remove("error");
    }
    expected
}

pub(crate) fn statuses(case: &Value) -> Outcome {
    let input = &case["input"];
    let out = &case["output"];
    if let Some(code) = input["code"].as_u64() {
        let code = code as u16;
        let actual = json!({
            "message": status::reason(code),
            "empty": status::is_empty(code),
            "redirect": status::is_redirect(code),
            "retry": status::is_retry(code),
            "lookup": lookup_json(status::lookup(code).map(|r| json!(r))),
        });
        let mut expected = out.clone();
        expected["lookup"] = strip_error(expected["lookup"].clone());
        check("status", &expected, actual)
    } else if let Some(s) = input["lookup"].as_str() {
        let actual = lookup_json(status::lookup_str(s).map(|l| match l {
            status::Lookup::Code(c) => json!(c),
            status::Lookup::Reason(r) => json!(r),
        }));
        check("lookup", &strip_error(out.clone()), actual)
    } else if let Some(n) = input["lookup_number"].as_u64() {
        let actual = lookup_json(
            // A number past u16 is no code; 0 is never registered either.
            status::lookup(u16::try_from(n).unwrap_or(0)).map(|r| json!(r)),
        );
        check("lookup", &strip_error(out.clone()), actual)
    } else {
        Outcome::fail(Diff::new("replayer", "a statuses case", input.clone()))
    }
}

pub(crate) fn etag(case: &Value) -> Outcome {
    let body = &case["input"]["body"];
    let bytes: Vec<u8> = match body["kind"].as_str() {
        Some("string") => body["value"]
            .as_str()
            .unwrap_or_default()
            .as_bytes()
            .to_vec(),
        Some("bytes") => crate::values::base64(body["base64"].as_str().unwrap_or_default()),
        Some("repeat") => body["repeat"]
            .as_str()
            .unwrap_or_default()
            .repeat(body["times"].as_u64().unwrap_or(0) as usize)
            .into_bytes(),
        other => {
            return Outcome::fail(Diff::new("replayer", "a body kind", json!(other)));
        }
    };
    let weak = case["input"]["options"]["weak"].as_bool().unwrap_or(false);
    let actual = etags::etag(&bytes, weak);
    let expected = case["output"]["etag"].as_str().unwrap_or_default();
    if crate::etag_format_eq(expected, &actual) {
        Outcome::Pass
    } else {
        Outcome::of(
            vec![Diff::new("etag format", expected, actual.clone())],
            json!({ "etag": actual }),
        )
    }
}
