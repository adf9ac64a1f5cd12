//! Replays the header kinds of kong-response.json through `Response::kong`.

use std::collections::{BTreeMap, BTreeSet};

use rejoinder::http::HeaderValue;
use rejoinder::Response;
use serde_json::{json, Value};

use crate::{expect_eq, outcome, Outcome, NOT_YET};

pub(crate) fn replay(case: &Value) -> Outcome {
    let input = &case["input"];
    let output = &case["output"];
    match input["kind"].as_str() {
        Some("header_name_normalization") => outcome(normalization(input, output)),
        Some("get_headers_limit") => outcome(limit(input, output)),
        Some("set_headers_order") => outcome(order(input, output)),
        _ => Outcome::Skip(NOT_YET.into()),
    }
}

/// The response Kong's test environment starts from: the request asked for
/// `Connection: close`, which ngx reports among the response headers.
fn environment() -> Response {
    let mut res = Response::new();
    let _ = res.set("connection", "close");
    res
}

fn text(v: &HeaderValue) -> String {
    v.as_bytes().iter().map(|&b| b as char).collect()
}

/// A Lua scalar as Kong turns it into a header value.
fn lua_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn normalization(input: &Value, output: &Value) -> Result<(), String> {
    let mut res = environment();
    for pair in input["upstream_headers"].as_array().into_iter().flatten() {
        let (n, v) = (
            pair[0].as_str().unwrap_or_default(),
            pair[1].as_str().unwrap_or_default(),
        );
        res.append(n, v)
            .map_err(|e| format!("upstream header: {e}"))?;
    }
    for pair in input["kong_set_headers"].as_array().into_iter().flatten() {
        let (n, v) = (
            pair[0].as_str().unwrap_or_default(),
            pair[1].as_str().unwrap_or_default(),
        );
        res.kong()
            .set_header(n, v)
            .map_err(|e| format!("set_header: {e}"))?;
    }
    let Some(lookup) = input["lookup"].as_str() else {
        return Err("header name is not a string: a Rust &str cannot be anything else".into());
    };
    let actual = res
        .kong()
        .get_header(lookup)
        .map_or(Value::Null, |v| json!(text(v)));
    if output.get("error").is_some() {
        return Err(format!("expected error {}, got {actual}", output["error"]));
    }
    expect_eq("value", &output["value"], &actual)
}

fn limit(input: &Value, output: &Value) -> Result<(), String> {
    let mut res = environment();
    if let Some(ct) = input["content_type"].as_str() {
        res.set("content-type", ct).map_err(|e| e.to_string())?;
    }
    if let Some(cl) = input["content_length"].as_str() {
        res.set("content-length", cl).map_err(|e| e.to_string())?;
    }
    for i in 1..=input["present_headers"].as_u64().unwrap_or(0) {
        res.set(format!("X-H-{i:03}"), "v")
            .map_err(|e| e.to_string())?;
    }
    let max = match &input["max_headers"] {
        Value::Null => None,
        // A Lua number reaches the C side truncated toward zero.
        Value::Number(n) => Some(n.as_f64().unwrap_or(0.0).max(0.0) as usize),
        Value::Object(o) if o.get("float") == Some(&json!("inf")) => Some(usize::MAX),
        other => return Err(format!("max_headers {other} is not an integer")),
    };
    let kong = res.kong();
    match (kong.get_headers(max), output["ok"].as_bool()) {
        (Ok(listing), Some(true)) => {
            let names: BTreeSet<&str> = listing.entries.iter().map(|(n, _)| n.as_str()).collect();
            let x = listing
                .entries
                .iter()
                .filter(|(n, _)| n.as_str().starts_with("x-h-"))
                .count();
            expect_eq("truncated", &output["truncated"], &json!(listing.truncated))?;
            expect_eq(
                "returned",
                &output["returned"],
                &json!(listing.entries.len()),
            )?;
            expect_eq(
                "x_headers_returned",
                &output["x_headers_returned"],
                &json!(x),
            )?;
            if let Some(keys) = output["keys"].as_array() {
                let expected: BTreeSet<&str> = keys.iter().filter_map(Value::as_str).collect();
                if expected != names {
                    return Err(format!("keys: expected {expected:?}, got {names:?}"));
                }
            }
            Ok(())
        }
        (Err(_), Some(false)) => Ok(()),
        (Ok(l), _) => Err(format!(
            "expected error {}, got {} entries",
            output["error"],
            l.entries.len()
        )),
        (Err(e), _) => Err(format!("expected a listing, got error: {e}")),
    }
}

fn order(input: &Value, output: &Value) -> Result<(), String> {
    let mut res = Response::new();
    for pair in input["preset_headers"].as_array().into_iter().flatten() {
        let (n, v) = (
            pair[0].as_str().unwrap_or_default(),
            pair[1].as_str().unwrap_or_default(),
        );
        res.append(n, v).map_err(|e| e.to_string())?;
    }
    let mut fields: Vec<(String, Vec<String>)> = Vec::new();
    let mut candidates: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in input["headers"].as_object().into_iter().flatten() {
        let values: Vec<String> = match value {
            Value::Array(items) => items.iter().filter_map(lua_string).collect(),
            scalar => match lua_string(scalar) {
                Some(s) => vec![s],
                None => {
                    return Err(format!(
                        "header {name}: a {scalar} value is not a header value"
                    ))
                }
            },
        };
        let key = name.to_ascii_lowercase().replace('_', "-");
        candidates
            .entry(key)
            .or_default()
            .extend(values.iter().cloned());
        fields.push((name.clone(), values));
    }
    let result = res.kong().set_headers(fields);
    if let Err(e) = result {
        return match output.get("error") {
            Some(_) => Ok(()),
            None => Err(format!("set_headers failed: {e}")),
        };
    }
    let mut actual: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (n, v) in res.headers() {
        actual
            .entry(n.as_str().to_owned())
            .or_default()
            .push(text(v));
    }
    let expected: BTreeMap<String, Vec<String>> = output["values_by_name"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(lua_string)
                    .collect(),
            )
        })
        .collect();
    let dependent = output["iteration_order_dependent"]
        .as_bool()
        .unwrap_or(false);
    if expected.keys().ne(actual.keys()) {
        return Err(format!(
            "names: expected {:?}, got {:?}",
            expected.keys(),
            actual.keys()
        ));
    }
    for (name, want) in &expected {
        let got = &actual[name];
        let ok = got == want
            || (dependent
                && got.len() == 1
                && candidates.get(name).is_some_and(|c| c.contains(&got[0])));
        if !ok {
            return Err(format!("{name}: expected {want:?}, got {got:?}"));
        }
    }
    Ok(())
}
