//! Comparing what came off the wire with what a vector expects.

use std::collections::HashMap;

use rejoinder::testing::raw::Wire;
use serde_json::Value;

use crate::etag_format_eq;
use crate::values::{base64, latin1_to_utf8, strings};

/// The wire and the observations; with `in_order`, observations line up
/// in order (Adonis records a thrown exception without an index), else by
/// `op_index` (Koa).
pub(crate) fn compare(
    case: &Value,
    wire: &Wire,
    seen: &[Value],
    in_order: bool,
) -> Result<(), String> {
    let out = &case["output"];
    let uses_etag = case["input"]["ops"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|op| op["etag"].as_bool() == Some(true));
    let mut problems = wire_problems(out, wire, uses_etag);
    if in_order {
        observations_in_order(out, seen, &mut problems);
    } else {
        compare_observations(out, seen, &mut problems);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// How a response read off the wire differs from a recorded one in the
/// shared wire format (vectors/README.md: status, reason, `headers` minus
/// `dropped_headers`, `headers_as_set`, body): one line per difference.
/// With `etag_format_only`, ETags compare by format, not hash.
pub(crate) fn wire_problems(out: &Value, wire: &Wire, etag_format_only: bool) -> Vec<String> {
    let mut problems = Vec::new();
    if out["status"].as_u64() != Some(u64::from(wire.status)) {
        problems.push(format!(
            "status: expected {}, got {}",
            out["status"], wire.status
        ));
    }
    if out["reason"].as_str() != Some(wire.reason.as_str()) {
        problems.push(format!(
            "reason: expected {}, got {:?}",
            out["reason"], wire.reason
        ));
    }
    // `headers` is the wire; `headers_as_set` (when present) gives the values
    // Koa meant for headers whose non-ASCII bytes Node mangled on the wire.
    // Every rejoinder response echoes its request id; the references have none.
    let mut dropped: Vec<String> = vec![
        "date".into(),
        "connection".into(),
        "keep-alive".into(),
        "x-request-id".into(),
    ];
    dropped.extend(strings(&out["dropped_headers"]));
    let collect = |list: &Value| {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for pair in list.as_array().into_iter().flatten() {
            let name = pair[0].as_str().unwrap_or_default().to_owned();
            map.entry(name)
                .or_default()
                .push(pair[1].as_str().unwrap_or_default().to_owned());
        }
        map
    };
    let mut expected = collect(&out["headers"]);
    let as_set = collect(&out["headers_as_set"]);
    for (name, values) in &as_set {
        if expected.contains_key(name) {
            expected.insert(name.clone(), values.clone());
        }
    }
    let mut actual: HashMap<String, Vec<String>> = HashMap::new();
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
            problems.push(format!("header {name}: expected {want:?}, got {got:?}"));
        }
    }
    let body = &out["body"];
    let want_body: Vec<u8> = match body["encoding"].as_str() {
        Some("utf8") => body["text"]
            .as_str()
            .unwrap_or_default()
            .as_bytes()
            .to_vec(),
        Some("base64") => base64(body["data"].as_str().unwrap_or_default()),
        _ => Vec::new(),
    };
    if want_body != wire.body {
        problems.push(format!(
            "body: expected {:?}, got {:?}",
            String::from_utf8_lossy(&want_body),
            String::from_utf8_lossy(&wire.body)
        ));
    }
    problems
}

fn by_index<'a>(list: &[&'a Value], i: u64) -> Option<&'a Value> {
    list.iter()
        .find(|o| o["op_index"].as_u64() == Some(i))
        .copied()
}

fn compare_observations(out: &Value, seen: &[Value], problems: &mut Vec<String>) {
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
        match (by_index(&expected, i), by_index(&seen_refs, i)) {
            (Some(w), Some(g)) => {
                if w.get("threw").is_some() != g.get("threw").is_some() {
                    problems.push(format!("op {i}: expected {w}, got {g}"));
                } else if w.get("result").is_some() && w["result"] != g["result"] {
                    problems.push(format!(
                        "op {i}: expected result {}, got {}",
                        w["result"], g["result"]
                    ));
                }
            }
            (Some(w), None) => problems.push(format!("op {i}: expected {w}, observed nothing")),
            (None, Some(g)) => problems.push(format!("op {i}: unexpected {g}")),
            (None, None) => {}
        }
    }
}

/// Adonis's observations: the exceptions thrown, in order, each
/// `{"threw": {name, message, status, code, body}}`. A throw matches a
/// throw; its `status` and `body` must be equal when both sides state them
/// (name, code and message are JavaScript's).
fn observations_in_order(out: &Value, seen: &[Value], problems: &mut Vec<String>) {
    let expected = out["observations"].as_array().cloned().unwrap_or_default();
    for i in 0..expected.len().max(seen.len()) {
        let (Some(w), Some(g)) = (expected.get(i), seen.get(i)) else {
            problems.push(format!(
                "observation {i}: expected {:?}, got {:?}",
                expected.get(i),
                seen.get(i)
            ));
            continue;
        };
        match (w.get("threw"), g.get("threw")) {
            (Some(wt), Some(gt)) => {
                for field in ["status", "body"] {
                    if let (Some(a), Some(b)) = (wt.get(field), gt.get(field)) {
                        if a != b {
                            problems.push(format!(
                                "observation {i} threw.{field}: expected {a}, got {b}"
                            ));
                        }
                    }
                }
            }
            (None, None) if w == g => {}
            _ => problems.push(format!("observation {i}: expected {w}, got {g}")),
        }
    }
}
