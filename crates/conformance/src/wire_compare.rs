//! Comparing what came off the wire with what a vector expects: one
//! [`Diff`] per difference (`status`, `reason`, `header <name>`, `body`,
//! observations), and the observed response as JSON for the rules.

use std::collections::BTreeMap;

use rejoinder::testing::raw::Wire;
use serde_json::{json, Value};

use crate::etag_format_eq;
use crate::outcome::Diff;
use crate::values::{base64, header_lists, latin1_to_utf8, strings};

/// How recorded observations line up with the ones seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Observations {
    /// By `op_index` (Koa's vectors).
    ByIndex,
    /// In order, without index (Adonis records a thrown exception so).
    InOrder,
}

/// Every difference between a case's expected output and the wire, with
/// the observations compared as `order` says.
pub(crate) fn compare(case: &Value, wire: &Wire, seen: &[Value], order: Observations) -> Vec<Diff> {
    let out = &case["output"];
    let uses_etag = case["input"]["ops"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|op| op["etag"].as_bool() == Some(true));
    let mut diffs = wire_diffs(out, wire, uses_etag);
    match order {
        Observations::ByIndex => by_index(out, seen, &mut diffs),
        Observations::InOrder => in_order(out, seen, &mut diffs),
    }
    diffs
}

/// The response as observed, for the rules: status, reason, the compared
/// headers (name → values), the body as text and its length, and the
/// observations seen.
pub(crate) fn observed(out: &Value, wire: &Wire, seen: &[Value]) -> Value {
    json!({
        "status": wire.status,
        "reason": wire.reason,
        "headers": actual_headers(out, wire),
        "body": String::from_utf8_lossy(&wire.body),
        "body_length": wire.body.len(),
        "observations": seen,
    })
}

/// The body a recorded wire result carries.
pub(crate) fn expected_body(out: &Value) -> Vec<u8> {
    let body = &out["body"];
    match body["encoding"].as_str() {
        Some("utf8") => body["text"]
            .as_str()
            .unwrap_or_default()
            .as_bytes()
            .to_vec(),
        Some("base64") => base64(body["data"].as_str().unwrap_or_default()),
        _ => Vec::new(),
    }
}

/// The expected headers: `headers`, with `headers_as_set` standing for
/// the values Koa meant where Node mangled non-ASCII bytes on the wire.
pub(crate) fn expected_headers(out: &Value) -> BTreeMap<String, Vec<String>> {
    let mut expected = header_lists(&out["headers"]);
    for (name, values) in header_lists(&out["headers_as_set"]) {
        if expected.contains_key(&name) {
            expected.insert(name, values);
        }
    }
    expected
}

fn actual_headers(out: &Value, wire: &Wire) -> BTreeMap<String, Vec<String>> {
    // Every rejoinder response echoes its request id; the references have none.
    let mut dropped: Vec<String> = vec![
        "date".into(),
        "connection".into(),
        "keep-alive".into(),
        "x-request-id".into(),
    ];
    dropped.extend(strings(&out["dropped_headers"]));
    let as_set = header_lists(&out["headers_as_set"]);
    let mut actual: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &wire.headers {
        if dropped.contains(name) {
            continue;
        }
        // Values meant as non-ASCII text may travel as UTF-8 or as ISO-8859-1
        // bytes (RFC 6266's quoted filename): either reading may match.
        let value = match as_set.get(name) {
            Some(want) if !want.contains(value) => latin1_to_utf8(value),
            _ => value.clone(),
        };
        actual.entry(name.clone()).or_default().push(value);
    }
    actual
}

/// How a response read off the wire differs from a recorded one in the
/// shared wire format (vectors/README.md: status, reason, `headers` minus
/// `dropped_headers`, `headers_as_set`, body). With `etag_format_only`,
/// ETags compare by format, not hash.
pub(crate) fn wire_diffs(out: &Value, wire: &Wire, etag_format_only: bool) -> Vec<Diff> {
    let mut diffs = Vec::new();
    if out["status"].as_u64() != Some(u64::from(wire.status)) {
        diffs.push(Diff::new("status", out["status"].clone(), wire.status));
    }
    if out["reason"].as_str() != Some(wire.reason.as_str()) {
        diffs.push(Diff::new(
            "reason",
            out["reason"].clone(),
            wire.reason.clone(),
        ));
    }
    let expected = expected_headers(out);
    let actual = actual_headers(out, wire);
    let mut names: Vec<&String> = expected.keys().chain(actual.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let (want, got) = (expected.get(name), actual.get(name));
        let same = match (want, got) {
            (Some(w), Some(g)) if name == "etag" && etag_format_only => {
                w.len() == g.len() && w.iter().zip(g).all(|(a, b)| etag_format_eq(a, b))
            }
            (w, g) => w == g,
        };
        if !same {
            diffs.push(Diff::new(format!("header {name}"), json!(want), json!(got)));
        }
    }
    let want_body = expected_body(out);
    if want_body != wire.body {
        diffs.push(Diff::new(
            "body",
            String::from_utf8_lossy(&want_body).into_owned(),
            String::from_utf8_lossy(&wire.body).into_owned(),
        ));
    }
    diffs
}

fn find<'a>(list: &[&'a Value], i: u64) -> Option<&'a Value> {
    list.iter()
        .find(|o| o["op_index"].as_u64() == Some(i))
        .copied()
}

/// Koa's observations: results and throws by `op_index`. A throw matches
/// a throw (the messages are JavaScript's); a result must be equal.
fn by_index(out: &Value, seen: &[Value], diffs: &mut Vec<Diff>) {
    let expected: Vec<&Value> = out["observations"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let seen_refs: Vec<&Value> = seen.iter().collect();
    let mut indexes: Vec<u64> = expected
        .iter()
        .chain(seen_refs.iter())
        .filter_map(|o| o["op_index"].as_u64())
        .collect();
    indexes.sort_unstable();
    indexes.dedup();
    for i in indexes {
        let what = format!("op {i}");
        match (find(&expected, i), find(&seen_refs, i)) {
            (Some(w), Some(g)) => {
                if w.get("threw").is_some() != g.get("threw").is_some() {
                    diffs.push(Diff::new(what, w.clone(), g.clone()));
                } else if w.get("result").is_some() && w["result"] != g["result"] {
                    diffs.push(Diff::new(what, w["result"].clone(), g["result"].clone()));
                }
            }
            (w, g) => diffs.push(Diff::new(what, json!(w), json!(g))),
        }
    }
}

/// Adonis's observations: the exceptions thrown, in order, each
/// `{"threw": {name, message, status, code, body}}`. A throw matches a
/// throw; its `status` and `body` must be equal when both sides state them
/// (name, code and message are JavaScript's).
fn in_order(out: &Value, seen: &[Value], diffs: &mut Vec<Diff>) {
    let expected = out["observations"].as_array().cloned().unwrap_or_default();
    for i in 0..expected.len().max(seen.len()) {
        let what = format!("observation {i}");
        let (w, g) = (expected.get(i), seen.get(i));
        let (Some(w), Some(g)) = (w, g) else {
            diffs.push(Diff::new(what, json!(w), json!(g)));
            continue;
        };
        match (w.get("threw"), g.get("threw")) {
            (Some(wt), Some(gt)) => {
                for field in ["status", "body"] {
                    if let (Some(a), Some(b)) = (wt.get(field), gt.get(field)) {
                        if a != b {
                            diffs.push(Diff::new(
                                format!("{what} threw.{field}"),
                                a.clone(),
                                b.clone(),
                            ));
                        }
                    }
                }
            }
            (None, None) if w == g => {}
            _ => diffs.push(Diff::new(what, w.clone(), g.clone())),
        }
    }
}
